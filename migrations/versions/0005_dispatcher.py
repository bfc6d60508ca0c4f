"""Dispatcher: a lane per batch and job, waiting and released indexes, workers, the lease.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from schemas.tables import RELEASED_SQL, WAITING_SQL, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A constant default: PostgreSQL adds the columns without rewriting the tables.
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("priority", sa.String(8), nullable=False,
                                   server_default="normal"))
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("priority", sa.String(8), nullable=False,
                                   server_default="normal"))
    where = {"postgresql_where": sa.text(WAITING_SQL), "sqlite_where": sa.text(WAITING_SQL)}
    op.create_index("ix_jobs_waiting", "jobs", ["queue", "priority", "tenant", "created_at",
                                                "batch_id", "position"], **where)
    released = {"postgresql_where": sa.text(RELEASED_SQL),
                "sqlite_where": sa.text(RELEASED_SQL)}
    op.create_index("ix_jobs_released", "jobs", ["queue"], **released)
    op.create_table(
        "workers",
        sa.Column("name", sa.String(160), nullable=False),
        sa.Column("queue", sa.String(128), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_workers"),
    )
    op.create_table(
        "dispatcher",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(160), nullable=False),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=False),
        sa.Column("passed_at", UTCDateTime(), nullable=False),
        sa.Column("released_at", UTCDateTime(), nullable=True),
        sa.Column("released_total", sa.BigInteger(), nullable=False),
        sa.Column("windows", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_dispatcher"),
    )


def downgrade() -> None:
    op.drop_table("dispatcher")
    op.drop_table("workers")
    op.drop_index("ix_jobs_released", table_name="jobs")
    op.drop_index("ix_jobs_waiting", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("priority")
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("priority")
