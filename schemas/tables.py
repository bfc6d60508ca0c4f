"""SQLAlchemy 2 tables. No column ever holds prompt or result text: only sealed bytes.

Two databases: the job database (batches, jobs) and the key store (bucket keys), kept apart so
that a backup of the job database carries no key that could open it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which stores naive) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class JobBase(DeclarativeBase):
    """Tables of the job database."""

    metadata = MetaData(naming_convention=NAMING)


class KeyStoreBase(DeclarativeBase):
    """Tables of the key store."""

    metadata = MetaData(naming_convention=NAMING)


class Batch(JobBase):
    """A set of jobs submitted together."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("tenant", "submit_key"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(128))
    # sha256 of the tenant's custom ids: submitting the same file again finds this batch.
    submit_key: Mapped[str] = mapped_column(String(64))
    job_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Job(JobBase):
    """One request: sealed prompt in, sealed result out, and the facts about its run."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("tenant", "custom_id"),
        Index(None, "batch_id", "state"),
        Index(None, "batch_id", "position"),
        Index(None, "state", "expires_at"),
        Index(None, "state", "lease_expires_at"),
        Index(None, "expires_at", "erased_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"))
    tenant: Mapped[str] = mapped_column(String(64))
    custom_id: Mapped[str] = mapped_column(String(128))
    # Line order within the batch, so results come back in the order they were submitted.
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(256))
    queue: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when the sweeper (or a shred) erased the sealed parts; the row stays as a tombstone.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sealed_prompt: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed_result: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The terminal facts the worker decided (schemas.jobs.TerminalFacts), sealed under the
    # job's data key: what results are checked against, so the plain columns cannot lie.
    sealed_outcome: Mapped[bytes | None] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(128))
    error_code: Mapped[str | None] = mapped_column(String(64))
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    finish_reason: Mapped[str | None] = mapped_column(String(16))
    # Policy decisions as {code: count}; codes only, never the text that made them fire.
    policy: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class BucketKey(KeyStoreBase):
    """One expiry bucket's key, wrapped by a master key; deleted when the bucket ends."""

    __tablename__ = "bucket_keys"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    master_key_id: Mapped[str] = mapped_column(String(64))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    not_after: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
