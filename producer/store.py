"""The producer's side of the job database: insert batches, read states and sealed results."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, text, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from schemas.errors import LimitExceeded, NotFound, SpecError
from schemas.states import JobState
from schemas.tables import Batch, Job
from schemas.wakeup import wake_dispatcher

# SQLite allows 32766 bound parameters per statement; 500 ids per IN (...) stays far below
# it on every backend.
ID_CHUNK = 500


# How long a caller over its enqueued-work quota is asked to wait before trying again.
QUOTA_RETRY_AFTER_SECONDS = 60
OPEN_STATES = (JobState.QUEUED.value, JobState.RUNNING.value)


class DuplicateSubmission(Exception):
    """Another submission inserted one of these custom ids first (a race); try again."""


@dataclass(frozen=True, slots=True)
class BatchTotals:
    """What a batch's jobs add up to: counts per state, tokens, when the last one ended."""

    counts: dict[str, int]
    prompt_tokens: int
    completion_tokens: int
    last_finished_at: datetime | None


@dataclass(frozen=True)
class BatchSummary:
    """One batch as listings show it: who, what, when, and its jobs counted by state."""

    id: str
    tenant: str
    kind: str
    created_at: datetime
    expires_at: datetime
    job_count: int
    counts: dict[str, int]


@dataclass(frozen=True)
class BatchPage:
    """One page of batches, newest first; pass `last_id` as `after` for the next page."""

    batches: list[BatchSummary]
    has_more: bool

    @property
    def last_id(self) -> str | None:
        """The cursor for the page after this one (None on an empty page)."""
        return self.batches[-1].id if self.batches else None


class ProducerStore:
    """Batch and job rows as the producer reads and writes them."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def existing_custom_ids(self, tenant: str, custom_ids: Sequence[str]) -> set[str]:
        """Which of these custom ids the tenant already has jobs for."""
        found: set[str] = set()
        with self._session() as session:
            for start in range(0, len(custom_ids), ID_CHUNK):
                chunk = custom_ids[start : start + ID_CHUNK]
                found.update(session.scalars(select(Job.custom_id).where(
                    Job.tenant == tenant, Job.custom_id.in_(chunk))))
        return found

    def find_batch(self, tenant: str, submit_key: str) -> Batch | None:
        """The batch an identical earlier submission created, if any."""
        with self._session() as session:
            return session.scalars(select(Batch).where(
                Batch.tenant == tenant, Batch.submit_key == submit_key)).first()

    def insert_batch(self, batch: dict[str, Any], jobs: Iterable[list[dict[str, Any]]], *,
                     quota: int | None = None) -> None:
        """The batch and its jobs (given in chunks) in one transaction: all stored, or none.

        With a quota, the tenant's queued and running jobs plus this batch's may not pass it:
        a lock per tenant is taken first, so two batches of one tenant cannot both slip in.
        """
        try:
            with self._session() as session, session.begin():
                if quota is not None:
                    self._check_quota(session, batch["tenant"], batch["job_count"], quota)
                session.execute(insert(Batch), [batch])
                for chunk in jobs:
                    if chunk:
                        session.execute(insert(Job), chunk)
                wake_dispatcher(session.connection())
        except IntegrityError as e:
            raise DuplicateSubmission from e

    @staticmethod
    def _check_quota(session: Session, tenant: str, adding: int, quota: int) -> None:
        if adding > quota:
            raise SpecError(f"the batch has {adding} requests, more than the {quota} jobs "
                            f"tenant {tenant!r} may have enqueued at once; split the file")
        if session.get_bind().dialect.name == "postgresql":
            # One tenant's batches are stored one at a time (SQLite has one writer anyway);
            # an advisory lock needs no right on the tenants table.
            digest = hashlib.sha256(f"sealq-quota\0{tenant}".encode()).digest()
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                            {"key": int.from_bytes(digest[:8], "big", signed=True)})
        enqueued = session.scalar(select(func.count()).select_from(Job).where(
            Job.tenant == tenant, Job.state.in_(OPEN_STATES))) or 0
        if enqueued + adding > quota:
            raise LimitExceeded(
                f"tenant {tenant!r} has {enqueued} jobs enqueued; {adding} more would pass its "
                f"limit of {quota}; retry when some have finished",
                retry_after=QUOTA_RETRY_AFTER_SECONDS, code="enqueued_jobs_limit")

    def enqueued_jobs(self, tenant: str) -> int:
        """How many of the tenant's jobs are queued or running."""
        with self._session() as session:
            return session.scalar(select(func.count()).select_from(Job).where(
                Job.tenant == tenant, Job.state.in_(OPEN_STATES))) or 0

    def find_batch_by_idempotency_key(self, tenant: str, key: str) -> Batch | None:
        """The batch an earlier request with this Idempotency-Key created, if any."""
        with self._session() as session:
            return session.scalars(select(Batch).where(
                Batch.tenant == tenant, Batch.idempotency_key == key)).first()

    def batch_row(self, batch_id: str) -> Batch | None:
        """The batch with that id, or None."""
        with self._session() as session:
            return session.get(Batch, batch_id)

    def tenant_batch(self, tenant: str, batch_id: str) -> Batch | None:
        """The tenant's batch with that id; None for another tenant's, as for a missing one."""
        batch = self.batch_row(batch_id)
        return batch if batch is not None and batch.tenant == tenant else None
    def totals(self, batch_ids: Sequence[str]) -> dict[str, BatchTotals]:
        """Counts per state, token sums and last finish time of several batches, one query."""
        counts = {batch_id: {state.value: 0 for state in JobState} for batch_id in batch_ids}
        tokens = {batch_id: [0, 0] for batch_id in batch_ids}
        finished: dict[str, datetime | None] = dict.fromkeys(batch_ids)
        if batch_ids:
            with self._session() as session:
                rows = session.execute(
                    select(Job.batch_id, Job.state, func.count(),
                           func.coalesce(func.sum(Job.prompt_tokens), 0),
                           func.coalesce(func.sum(Job.completion_tokens), 0),
                           func.max(Job.finished_at))
                    .where(Job.batch_id.in_(list(batch_ids)))
                    .group_by(Job.batch_id, Job.state))
                for batch_id, state, count, prompt, completion, last in rows:
                    counts[batch_id][state] = count
                    tokens[batch_id][0] += int(prompt or 0)
                    tokens[batch_id][1] += int(completion or 0)
                    previous = finished[batch_id]
                    if last is not None and (previous is None or last > previous):
                        finished[batch_id] = last
        return {batch_id: BatchTotals(counts[batch_id], tokens[batch_id][0],
                                       tokens[batch_id][1], finished[batch_id])
                for batch_id in batch_ids}

    def mark_cancelled(self, batch_id: str, now: datetime) -> None:
        """Record that the batch was cancelled (its first cancel only)."""
        with self._session() as session, session.begin():
            session.execute(update(Batch).where(Batch.id == batch_id,
                                                Batch.cancelled_at.is_(None))
                            .values(cancelled_at=now))

    def mark_output_deleted(self, batch_id: str, which: str, now: datetime) -> None:
        """Record that the batch's output or error file was deleted."""
        column = Batch.output_deleted_at if which == "output" else Batch.errors_deleted_at
        with self._session() as session, session.begin():
            session.execute(update(Batch).where(Batch.id == batch_id, column.is_(None))
                            .values({column: now}))

    def batch(self, batch_id: str) -> Batch:
        """The batch with that id, or NotFound."""
        with self._session() as session:
            batch = session.get(Batch, batch_id)
        if batch is None:
            raise NotFound(f"no batch with id {batch_id!r}")
        return batch

    def batch_page(self, *, tenant: str | None, limit: int, after: str | None) -> BatchPage:
        """Batches newest first, `limit` of them, after the batch `after` (a keyset cursor).

        Two indexed queries whatever the page: the page itself walks (tenant,) created_at, id
        backwards from the cursor; one grouped query counts the page's jobs by state.
        """
        page, has_more = self.batch_rows(tenant=tenant, limit=limit, after=after)
        with self._session() as session:
            counts: dict[str, dict[str, int]] = {
                batch.id: {state.value: 0 for state in JobState} for batch in page}
            if page:
                grouped = session.execute(
                    select(Job.batch_id, Job.state, func.count())
                    .where(Job.batch_id.in_(list(counts)))
                    .group_by(Job.batch_id, Job.state))
                for batch_id, state, count in grouped:
                    counts[batch_id][state] = count
        return BatchPage(
            batches=[BatchSummary(id=b.id, tenant=b.tenant, kind=b.kind, created_at=b.created_at,
                                  expires_at=b.expires_at, job_count=b.job_count,
                                  counts=counts[b.id]) for b in page],
            has_more=has_more)

    def batch_rows(self, *, tenant: str | None, limit: int,
                   after: str | None) -> tuple[list[Batch], bool]:
        """Batch rows newest first after the batch `after` (a keyset cursor), and whether more
        follow; a cursor from another tenant is NotFound, like a missing one."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        query = select(Batch).order_by(Batch.created_at.desc(), Batch.id.desc()).limit(limit + 1)
        if tenant is not None:
            query = query.where(Batch.tenant == tenant)
        with self._session() as session:
            if after is not None:
                anchor = session.get(Batch, after)
                if anchor is None or (tenant is not None and anchor.tenant != tenant):
                    raise NotFound(f"no batch with id {after!r} to list after")
                # A row-value comparison: both backends walk the index from the cursor.
                query = query.where(tuple_(Batch.created_at, Batch.id)
                                    < (anchor.created_at, anchor.id))
            rows = list(session.scalars(query))
        return rows[:limit], len(rows) > limit

    def jobs(self, batch_id: str, chunk: int = 500,
             states: Sequence[str] | None = None) -> Iterator[Job]:
        """A batch's jobs (in these states) in submission order, read in chunks."""
        self.batch(batch_id)
        last = -1
        while True:
            query = select(Job).where(Job.batch_id == batch_id, Job.position > last)
            if states is not None:
                query = query.where(Job.state.in_(states))
            with self._session() as session:
                rows = list(session.scalars(query.order_by(Job.position).limit(chunk)))
            if not rows:
                return
            yield from rows
            last = rows[-1].position

    def queued_job_ids(self, batch_id: str) -> list[str]:
        """Ids of a batch's jobs still waiting to run."""
        with self._session() as session:
            return list(session.scalars(select(Job.id).where(
                Job.batch_id == batch_id, Job.state == JobState.QUEUED)))

    def sealed_result_bytes(self, batch_id: str, states: Sequence[str]) -> int:
        """The size of the sealed results of a batch's jobs in these states."""
        with self._session() as session:
            return int(session.scalar(select(func.coalesce(
                func.sum(func.length(Job.sealed_result)), 0)).where(
                Job.batch_id == batch_id, Job.state.in_(states))) or 0)

    def ping(self) -> None:
        """One round trip to the database (readiness checks)."""
        with self._session() as session:
            session.execute(select(1))

    @property
    def engine(self) -> Engine:
        """The job database engine (for producer.lifecycle's cancel and shred)."""
        return self._engine

    def _session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)
