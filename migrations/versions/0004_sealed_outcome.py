"""Jobs: a sealed outcome (the terminal facts a worker decided) beside the sealed result.

Revision ID: 0004
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "b7e2c41d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, no default: adding it rewrites no row (SQLite and PostgreSQL alike).
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("sealed_outcome", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("sealed_outcome")
