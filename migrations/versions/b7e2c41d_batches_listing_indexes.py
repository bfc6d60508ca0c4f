"""Batches listed newest first, overall and per tenant (`sealq batches`), paged by keyset.

Revision ID: b7e2c41d
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "b7e2c41d"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_batches_created_at_id", "batches", ["created_at", "id"])
    op.create_index("ix_batches_tenant_created_at_id", "batches", ["tenant", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_batches_tenant_created_at_id", table_name="batches")
    op.drop_index("ix_batches_created_at_id", table_name="batches")
