"""SQLAlchemy 2 tables. No column ever holds prompt or result text: only sealed bytes.

Two databases: the job database (batches, jobs) and the key store (bucket keys), kept apart so
that a backup of the job database carries no key that could open it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
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


class Tenant(JobBase):
    """A customer of the deployment: its jobs, keys and limits hang off its name."""

    __tablename__ = "tenants"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Share of the GPU while several tenants wait in one lane (dispatcher).
    weight: Mapped[int] = mapped_column(Integer, default=1)
    # None: the deployment's default (SEALQ_API_RATE_LIMIT / SEALQ_API_MAX_ENQUEUED_JOBS).
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer)
    max_enqueued_jobs: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiKey(JobBase):
    """A tenant's API key, stored as a hash of the whole key; the secret is shown once."""

    __tablename__ = "api_keys"
    __table_args__ = (Index(None, "tenant"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant: Mapped[str] = mapped_column(ForeignKey("tenants.name"))
    role: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the whole key: the secret has 256 bits of entropy, so no slow hash is needed.
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# A row whose sealed parts are still there, and a tombstone (the predicates of the sweeper's
# partial indexes on jobs and files); an upload still streaming in.
UNERASED_SQL = "erased_at IS NULL"
TOMBSTONE_SQL = "erased_at IS NOT NULL"
UPLOADING_SQL = "status = 'uploading'"


class InputFile(JobBase):
    """An uploaded batch input file: its lines sealed under the file's own data key."""

    __tablename__ = "files"
    __table_args__ = (UniqueConstraint("tenant", "idempotency_key"),
                      Index(None, "tenant", "created_at"),
                      Index(None, "expires_at", "erased_at"),
                      # The sweeper's two kinds of due file: past expiry and not yet erased,
                      # and uploads abandoned mid-way. Partial: erased files, which pile up
                      # until retention, are in neither.
                      Index("ix_files_unerased", "expires_at",
                            postgresql_where=text(UNERASED_SQL), sqlite_where=text(UNERASED_SQL)),
                      Index("ix_files_uploading", "created_at",
                            postgresql_where=text(UPLOADING_SQL),
                            sqlite_where=text(UPLOADING_SQL)))

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(ForeignKey("tenants.name"))
    purpose: Mapped[str] = mapped_column(String(32))
    # uploading -> processed; a failed upload's rows are deleted, never left half-stored.
    status: Mapped[str] = mapped_column(String(16))
    # The file name may itself be confidential ("patient-x.jsonl"): sealed like the lines.
    sealed_filename: Mapped[bytes | None] = mapped_column(LargeBinary)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    line_count: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(128))


class FileLine(JobBase):
    """One request line of an input file, sealed; erased with its file."""

    __tablename__ = "file_lines"

    file_id: Mapped[str] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"),
                                         primary_key=True)
    # Index among the file's request lines (blank lines skipped), from 0.
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Line number in the uploaded file, from 1: what an error message names.
    line_no: Mapped[int] = mapped_column(Integer)
    sealed_line: Mapped[bytes] = mapped_column(LargeBinary)


class AuditEvent(JobBase):
    """One authenticated (or refused) gateway call: who, what, which ids, how it ended."""

    __tablename__ = "audit_events"
    # No RETURNING of the new id on insert: the gateway writes the trail but may not read it.
    __table_args__ = (Index(None, "tenant", "at"), Index(None, "at"),
                      {"implicit_returning": False})

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    tenant: Mapped[str | None] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(48))
    object_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    # An error code (unauthorized.revoked_key, rate_limited...), never a message.
    outcome: Mapped[str] = mapped_column(String(48))
    request_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    response_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    # Request lines accepted, results served...: counts that say how much, never what.
    items: Mapped[int | None] = mapped_column(Integer)
    client: Mapped[str | None] = mapped_column(String(64))


class Batch(JobBase):
    """A set of jobs submitted together."""

    __tablename__ = "batches"
    __table_args__ = (
        UniqueConstraint("tenant", "submit_key"),
        UniqueConstraint("tenant", "idempotency_key"),
        # `sealq batches`: newest first, overall and per tenant, paged by keyset.
        Index(None, "created_at", "id"),
        Index(None, "tenant", "created_at", "id"),
        # The sweeper drops batches past retention once their jobs are gone.
        Index(None, "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(128))
    # The lane its jobs wait in (schemas.states.Priority).
    priority: Mapped[str] = mapped_column(String(8), default="normal",
                                          server_default="normal")
    # sha256 of the tenant's custom ids: submitting the same file again finds this batch.
    submit_key: Mapped[str] = mapped_column(String(64))
    job_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set for batches made through the gateway from an uploaded file.
    input_file_id: Mapped[str | None] = mapped_column(String(40))
    # The caller's own labels (OpenAI's metadata: 16 keys, short strings), stored as given.
    labels: Mapped[dict[str, str] | None] = mapped_column(JSON)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The output and error files were deleted by the caller: their ids answer 404.
    output_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    errors_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# A job waiting in the database for the dispatcher, and one released to the broker but not
# yet claimed by a worker (the predicates of the two partial indexes on jobs).
WAITING_SQL = "state = 'queued' AND enqueued_at IS NULL"
RELEASED_SQL = "state = 'queued' AND enqueued_at IS NOT NULL"


class Job(JobBase):
    """One request: sealed prompt in, sealed result out, and the facts about its run."""

    __tablename__ = "jobs"
    __table_args__ = (
        # custom_id is unique within a batch, as in OpenAI's Batch API (clients reuse ids like
        # "request-1" in every file); `sealq submit` also skips ids the tenant used before.
        UniqueConstraint("batch_id", "custom_id"),
        Index(None, "tenant", "custom_id"),
        Index(None, "batch_id", "state"),
        Index(None, "batch_id", "position"),
        Index(None, "state", "expires_at"),
        Index(None, "state", "lease_expires_at"),
        # The sweeper's two walks by expiry: rows still holding sealed parts (to erase), and
        # tombstones (dropped after retention, a batch's together). Partial, so neither walks
        # the other's rows: tombstones are most of the table.
        Index("ix_jobs_unerased", "expires_at", postgresql_where=text(UNERASED_SQL),
              sqlite_where=text(UNERASED_SQL)),
        Index("ix_jobs_tombstones", "expires_at", "batch_id",
              postgresql_where=text(TOMBSTONE_SQL), sqlite_where=text(TOMBSTONE_SQL)),
        # A tenant's enqueued work (the gateway's quota) is counted on this.
        Index(None, "tenant", "state"),
        # The dispatcher's queue: jobs waiting in the database, by lane, then tenant, in the
        # order they were submitted. Partial, so it holds only what waits (the tenants of a
        # lane are found by skipping through it, whatever the backlog).
        Index("ix_jobs_waiting", "queue", "priority", "tenant", "created_at", "batch_id",
              "position", postgresql_where=text(WAITING_SQL), sqlite_where=text(WAITING_SQL)),
        # Released to the broker, not yet started: the dispatcher's window, counted often.
        Index("ix_jobs_released", "queue", postgresql_where=text(RELEASED_SQL),
              sqlite_where=text(RELEASED_SQL)),
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
    # Its lane (schemas.states.Priority): urgent, normal or bulk.
    priority: Mapped[str] = mapped_column(String(8), default="normal",
                                          server_default="normal")
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the dispatcher released it to the broker; NULL while it waits in the database.
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


class WorkerSeat(JobBase):
    """A serving worker process: the queue it consumes and how many jobs it runs at once."""

    __tablename__ = "workers"

    # The worker's name (host-pid): also the lease_owner of the jobs it runs.
    name: Mapped[str] = mapped_column(String(160), primary_key=True)
    queue: Mapped[str] = mapped_column(String(128))
    slots: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Renewed every few seconds; an old one means the worker is gone.
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DispatcherLease(JobBase):
    """The active dispatcher (one at a time) and what it last did, for operators."""

    __tablename__ = "dispatcher"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(160))
    lease_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Its last pass, and the last one that released anything.
    passed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_total: Mapped[int] = mapped_column(BigInteger, default=0)
    # Per queue at its last pass: {"queue": {"window": n, "in_flight": m, "slots": s}}.
    windows: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class BucketKey(KeyStoreBase):
    """One expiry bucket's key, wrapped by a master key; deleted when the bucket ends."""

    __tablename__ = "bucket_keys"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    master_key_id: Mapped[str] = mapped_column(String(64))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    not_after: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
