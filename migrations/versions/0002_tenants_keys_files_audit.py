"""Tenants, API keys, uploaded files, the audit trail; gateway fields on batches.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from schemas.constants import DEFAULT_TENANT
from schemas.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tenants = op.create_table(
        "tenants",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=True),
        sa.Column("max_enqueued_jobs", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_tenants"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["tenant"], ["tenants.name"], name="fk_api_keys_tenant_tenants"),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
    )
    op.create_index("ix_api_keys_tenant", "api_keys", ["tenant"])
    op.create_table(
        "files",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sealed_filename", sa.LargeBinary(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("erased_at", UTCDateTime(), nullable=True),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("key_id", sa.String(128), nullable=False),
        sa.ForeignKeyConstraint(["tenant"], ["tenants.name"], name="fk_files_tenant_tenants"),
        sa.PrimaryKeyConstraint("id", name="pk_files"),
        sa.UniqueConstraint("tenant", "idempotency_key", name="uq_files_tenant_idempotency_key"),
    )
    op.create_index("ix_files_tenant_created_at", "files", ["tenant", "created_at"])
    op.create_index("ix_files_expires_at_erased_at", "files", ["expires_at", "erased_at"])
    op.create_table(
        "file_lines",
        sa.Column("file_id", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sealed_line", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], name="fk_file_lines_file_id_files",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("file_id", "position", name="pk_file_lines"),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False,
                  autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=True),
        sa.Column("key_id", sa.String(32), nullable=True),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(48), nullable=False),
        sa.Column("request_bytes", sa.BigInteger(), nullable=False),
        sa.Column("response_bytes", sa.BigInteger(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=True),
        sa.Column("client", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_tenant_at", "audit_events", ["tenant", "at"])
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("input_file_id", sa.String(40), nullable=True))
        batch.add_column(sa.Column("labels", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("idempotency_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("cancelled_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("output_deleted_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("errors_deleted_at", UTCDateTime(), nullable=True))
        batch.create_unique_constraint("uq_batches_tenant_idempotency_key",
                                       ["tenant", "idempotency_key"])
    op.create_index("ix_jobs_tenant_state", "jobs", ["tenant", "state"])
    with op.batch_alter_table("jobs") as jobs:
        jobs.drop_constraint("uq_jobs_tenant_custom_id", type_="unique")
        jobs.create_unique_constraint("uq_jobs_batch_id_custom_id", ["batch_id", "custom_id"])
    op.create_index("ix_jobs_tenant_custom_id", "jobs", ["tenant", "custom_id"])

    # Every tenant that already has work becomes a registered tenant, and so does the default.
    connection = op.get_bind()
    now = datetime.now(UTC)
    existing = {row[0] for row in connection.execute(
        sa.text("SELECT DISTINCT tenant FROM batches"))}
    rows = [{"name": name, "weight": 1, "rate_limit_per_minute": None,
             "max_enqueued_jobs": None, "created_at": now}
            for name in sorted(existing | {DEFAULT_TENANT})]
    op.bulk_insert(tenants, rows)


def downgrade() -> None:
    op.drop_index("ix_jobs_tenant_custom_id", "jobs")
    with op.batch_alter_table("jobs") as jobs:
        jobs.drop_constraint("uq_jobs_batch_id_custom_id", type_="unique")
        jobs.create_unique_constraint("uq_jobs_tenant_custom_id", ["tenant", "custom_id"])
    op.drop_index("ix_jobs_tenant_state", "jobs")
    with op.batch_alter_table("batches") as batch:
        batch.drop_constraint("uq_batches_tenant_idempotency_key", type_="unique")
        for column in ("errors_deleted_at", "output_deleted_at", "cancelled_at",
                       "idempotency_key", "labels", "input_file_id"):
            batch.drop_column(column)
    op.drop_table("audit_events")
    op.drop_table("file_lines")
    op.drop_table("files")
    op.drop_table("api_keys")
    op.drop_table("tenants")
