"""Helpers for the data-lifecycle tests: a settable clock, real submissions and releases, bulk
rows."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session

from producer.client import Client
from schemas.db import make_engine
from schemas.jobs import BatchLine, JobState
from schemas.keyfile import load_key_file
from schemas.keystore import KeyStore
from schemas.sealing import Sealer, binding_of
from schemas.settings import Settings
from schemas.tables import Batch, Job
from workers.lifecycle.dispatcher import Dispatcher
from workers.lifecycle.publisher import Publisher
from workers.seat import Seat

# Every test starts at this fixed moment, on an hour boundary so bucket ends are easy to read.
T0 = datetime(2031, 3, 4, 12, 0, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def lines(prefix: str, count: int) -> list[BatchLine]:
    """`count` small requests with custom ids `<prefix>-<n>`."""
    return [BatchLine.from_request_body(
        {"messages": [{"role": "user", "content": f"{prefix} request {n}"}], "max_tokens": 8},
        f"{prefix}-{n}") for n in range(count)]


def client(settings: Settings, clock: Clock) -> Client:
    """A real producer client on these settings, reading time from `clock`."""
    return Client.from_settings(settings, clock=clock)


def release(engine: Engine, broker_url: str, *, now: datetime, slots: int = 32) -> int:
    """One real dispatcher pass at `now` for a worker with `slots` on `sealq`, publishing to
    `broker_url`; returns how many waiting jobs it released."""
    Seat(engine, name="lifecycle-worker", queue="sealq", slots=slots,
         clock=lambda: now).announce()
    publisher = Publisher(broker_url)
    try:
        report = Dispatcher(engine, publisher.publish, owner="lifecycle-dispatcher").pass_once(
            now)
    finally:
        publisher.close()
    assert report.active and report.broker_error is None, report
    return report.released


def live_keystore(settings: Settings) -> KeyStore:
    """A fresh key store handle (empty cache) on the live key file and key store."""
    keystore = KeyStore(make_engine(settings.resolved_key_store_url),
                        load_key_file(settings.keys_file),
                        bucket_seconds=settings.key_bucket_seconds)
    keystore.create_schema()
    return keystore


def jobs_of(engine: Engine, batch_id: str) -> list[Job]:
    """A batch's job rows in submission order."""
    with Session(engine, expire_on_commit=False) as session:
        return list(session.scalars(select(Job).where(Job.batch_id == batch_id)
                                    .order_by(Job.position)))


def open_prompt(keystore: KeyStore, job: Job, *, now: datetime) -> bytes:
    """Open a stored job's sealed prompt (EnvelopeError if it no longer opens)."""
    return Sealer(keystore).open(binding_of(job), job.wrapped_key, job.sealed_prompt, "prompt",
                                 now=now)


def insert_expired_rows(engine: Engine, count: int, *, expires_at: datetime,
                        state: str = JobState.SUCCEEDED.value) -> str:
    """Insert `count` fake jobs past expiry with small fake sealed bytes; returns the batch id.

    PostgreSQL: one INSERT ... SELECT generate_series; SQLite: executemany.
    """
    batch_id = secrets.token_hex(16)
    created = expires_at - HOUR
    with engine.begin() as connection:
        connection.execute(insert(Batch).values(
            id=batch_id, tenant="bulk", kind="free_text", queue="sealq", submit_key=batch_id,
            job_count=count, created_at=created, expires_at=expires_at))
        if engine.dialect.name == "postgresql":
            connection.execute(text(
                "INSERT INTO jobs (id, batch_id, tenant, custom_id, position, kind, queue, state,"
                " attempts, created_at, finished_at, expires_at, sealed_prompt, sealed_result,"
                " wrapped_key, key_id, prompt_tokens, completion_tokens)"
                " SELECT md5(:batch || n::text), :batch, 'bulk', 'c-' || :batch || '-' || n, n,"
                " 'free_text', 'sealq', :state, 1, :created, :created, :expires,"
                " '\\x5351500100'::bytea, '\\x5351500101'::bytea, '\\x53514b01'::bytea,"
                " 'bk-fake', 10, 20 FROM generate_series(0, :count - 1) AS n"),
                {"batch": batch_id, "state": state, "created": created, "expires": expires_at,
                 "count": count})
        else:
            rows: list[dict[str, Any]] = [{
                "id": secrets.token_hex(16), "batch_id": batch_id, "tenant": "bulk",
                "custom_id": f"c-{batch_id}-{n}", "position": n, "kind": "free_text",
                "queue": "sealq", "state": state, "attempts": 1, "created_at": created,
                "finished_at": created, "expires_at": expires_at, "sealed_prompt": b"SQP\x01\x00",
                "sealed_result": b"SQP\x01\x01", "wrapped_key": b"SQK\x01", "key_id": "bk-fake",
                "prompt_tokens": 10, "completion_tokens": 20} for n in range(count)]
            connection.execute(insert(Job), rows)
    return batch_id


def settings_env(settings: Settings) -> dict[str, str]:
    """The SEALQ_* variables a CLI run needs to see these settings."""
    return {"SEALQ_DATABASE_URL": settings.database_url, "SEALQ_BROKER_URL": settings.broker_url,
            "SEALQ_KEYS_FILE": str(settings.keys_file),
            "SEALQ_KEY_STORE_URL": settings.resolved_key_store_url,
            "SEALQ_KEY_BUCKET_SECONDS": str(settings.key_bucket_seconds)}
