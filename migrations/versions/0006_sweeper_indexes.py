"""Sweeper indexes: partial by erasure, so neither walk reads the other's rows; batches by expiry.

The sweeper looks for rows past expiry that still hold sealed parts, and (with a tombstone
retention) for tombstones past retention. One (expires_at, erased_at) index served both: the
first walk read every tombstone before reaching a live row, a sequential scan's worth at a
million rows. Two partial indexes replace it. Batches get one by expiry, for dropping the
batches retention emptied; uploaded files get the two their sweep asks for.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from schemas.tables import TOMBSTONE_SQL, UNERASED_SQL, UPLOADING_SQL

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _where(predicate: str) -> dict[str, sa.TextClause]:
    return {"postgresql_where": sa.text(predicate), "sqlite_where": sa.text(predicate)}


def upgrade() -> None:
    op.create_index("ix_jobs_unerased", "jobs", ["expires_at"], **_where(UNERASED_SQL))
    op.create_index("ix_jobs_tombstones", "jobs", ["expires_at", "batch_id"],
                    **_where(TOMBSTONE_SQL))
    op.drop_index("ix_jobs_expires_at_erased_at", table_name="jobs")
    op.create_index("ix_batches_expires_at", "batches", ["expires_at"])
    op.create_index("ix_files_unerased", "files", ["expires_at"], **_where(UNERASED_SQL))
    op.create_index("ix_files_uploading", "files", ["created_at"], **_where(UPLOADING_SQL))


def downgrade() -> None:
    op.drop_index("ix_files_uploading", table_name="files")
    op.drop_index("ix_files_unerased", table_name="files")
    op.drop_index("ix_batches_expires_at", table_name="batches")
    op.create_index("ix_jobs_expires_at_erased_at", "jobs", ["expires_at", "erased_at"])
    op.drop_index("ix_jobs_tombstones", table_name="jobs")
    op.drop_index("ix_jobs_unerased", table_name="jobs")
