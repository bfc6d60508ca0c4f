"""The producer's side of the job database: insert batches, read states and sealed results."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from schemas.errors import NotFound
from schemas.states import JobState
from schemas.tables import Batch, Job

# SQLite allows 32766 bound parameters per statement; 500 ids per IN (...) stays far below
# it on every backend.
ID_CHUNK = 500


class DuplicateSubmission(Exception):
    """Another submission inserted one of these custom ids first (a race); try again."""


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

    def insert_batch(self, batch: dict[str, Any], jobs: list[dict[str, Any]]) -> None:
        """The batch and all its jobs in one transaction: all stored, or none."""
        try:
            with self._session() as session, session.begin():
                session.execute(insert(Batch), [batch])
                if jobs:
                    session.execute(insert(Job), jobs)
        except IntegrityError as e:
            raise DuplicateSubmission from e

    def mark_enqueued(self, batch_id: str, now: datetime) -> None:
        """Record when the messages of a new batch's jobs went to the broker: one statement."""
        with self._session() as session, session.begin():
            session.execute(update(Job).where(Job.batch_id == batch_id,
                                              Job.enqueued_at.is_(None))
                            .values(enqueued_at=now))

    def batch(self, batch_id: str) -> Batch:
        """The batch with that id, or NotFound."""
        with self._session() as session:
            batch = session.get(Batch, batch_id)
        if batch is None:
            raise NotFound(f"no batch with id {batch_id!r}")
        return batch

    def counts(self, batch_id: str) -> dict[str, int]:
        """Jobs per state for a batch; every state is present, zero where none."""
        self.batch(batch_id)
        counts = {state.value: 0 for state in JobState}
        with self._session() as session:
            rows = session.execute(select(Job.state, func.count()).where(Job.batch_id == batch_id)
                                   .group_by(Job.state))
            for state, count in rows:
                counts[state] = count
        return counts

    def batch_page(self, *, tenant: str | None, limit: int, after: str | None) -> BatchPage:
        """Batches newest first, `limit` of them, after the batch `after` (a keyset cursor).

        Two indexed queries whatever the page: the page itself walks (tenant,) created_at, id
        backwards from the cursor; one grouped query counts the page's jobs by state.
        """
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
            page, has_more = rows[:limit], len(rows) > limit
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

    def jobs(self, batch_id: str, chunk: int = 500) -> Iterator[Job]:
        """A batch's jobs in submission order, read in chunks to bound memory."""
        self.batch(batch_id)
        last = -1
        while True:
            with self._session() as session:
                rows = list(session.scalars(select(Job).where(
                    Job.batch_id == batch_id, Job.position > last)
                    .order_by(Job.position).limit(chunk)))
            if not rows:
                return
            yield from rows
            last = rows[-1].position

    def queued_job_ids(self, batch_id: str) -> list[str]:
        """Ids of a batch's jobs still waiting to run."""
        with self._session() as session:
            return list(session.scalars(select(Job.id).where(
                Job.batch_id == batch_id, Job.state == JobState.QUEUED)))

    @property
    def engine(self) -> Engine:
        """The job database engine (for producer.lifecycle's cancel and shred)."""
        return self._engine

    def _session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)
