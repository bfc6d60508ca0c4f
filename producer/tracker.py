"""Following stored batches: list them, count their jobs by state, wait, cancel.

A Tracker needs the job database only: no key file, no broker, no kinds. The light commands
(`sealq batches`, `status`, `wait`, `cancel`) use it, so they start without loading the sealing
stack; `producer.client.Client` is a Tracker that can also submit and open results. Counting
jobs (`status`, `wait`) is one SQLAlchemy Core query: those commands start without the ORM and
the table classes, which the other methods load on first use.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine, column, func, select, table

from schemas.db import make_engine, store_errors
from schemas.errors import NotFound
from schemas.states import JobState

if TYPE_CHECKING:
    from producer.lifecycle import CancelReport
    from producer.store import BatchPage, ProducerStore
    from schemas.settings import Settings

Clock = Callable[[], datetime]

# The two tables counting reads, as plain Core clauses: `status` and `wait` then need neither
# the ORM nor schemas.tables. The names are schemas.tables' (a unit test holds them to it).
BATCHES = table("batches", column("id"))
JOBS = table("jobs", column("batch_id"), column("state"))


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def pending(counts: dict[str, int]) -> int:
    """How many jobs in these counts are not terminal yet."""
    return counts.get(JobState.QUEUED, 0) + counts.get(JobState.RUNNING, 0)


def count_jobs(jobs_db: Engine, batch_id: str) -> dict[str, int]:
    """Jobs per state for a batch, every state present (zero where none); NotFound if none."""
    counts = {state.value: 0 for state in JobState}
    with store_errors(), jobs_db.connect() as connection:
        found = connection.scalar(select(BATCHES.c.id).where(BATCHES.c.id == batch_id))
        if found is None:
            raise NotFound(f"no batch with id {batch_id!r}")
        rows = connection.execute(select(JOBS.c.state, func.count())
                                  .where(JOBS.c.batch_id == batch_id).group_by(JOBS.c.state))
        for state, count in rows:
            counts[state] = count
    return counts


class Tracker:
    """A handle on the batches already stored: what exists, how far each got."""

    def __init__(self, *, jobs_db: Engine, clock: Clock = utc_now) -> None:
        self._jobs_db = jobs_db
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock = utc_now) -> Tracker:
        """A tracker on the job database the settings name."""
        return cls(jobs_db=make_engine(settings.database_url, pool_size=settings.db_pool_size),
                   clock=clock)

    @cached_property
    def store(self) -> ProducerStore:
        """The job database as the producer reads and writes it (the ORM), built on first use."""
        from producer.store import ProducerStore

        return ProducerStore(self._jobs_db)

    def batches(self, *, tenant: str | None = None, limit: int = 50,
                after: str | None = None) -> BatchPage:
        """Batches newest first, with their jobs counted by state; `after` is a page cursor."""
        with store_errors():
            return self.store.batch_page(tenant=tenant, limit=limit, after=after)

    def status(self, batch_id: str) -> dict[str, int]:
        """Jobs per state, every state present."""
        return count_jobs(self._jobs_db, batch_id)

    def wait(self, batch_id: str, *, timeout: float | None = None, poll_seconds: float = 0.5,
             on_poll: Callable[[dict[str, int]], None] | None = None) -> dict[str, int]:
        """Poll until every job is terminal or the timeout passes; returns the last counts."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            counts = self.status(batch_id)
            if on_poll is not None:
                on_poll(counts)
            if pending(counts) == 0:
                return counts
            if deadline is not None and time.monotonic() >= deadline:
                return counts
            time.sleep(poll_seconds)

    def cancel(self, target: str) -> CancelReport:
        """Cancel a batch's unfinished jobs, or one job; their sealed data is erased now."""
        from producer import lifecycle

        return lifecycle.cancel(self._jobs_db, target, now=self._clock())

    def close(self) -> None:
        """Release the database connections."""
        self._jobs_db.dispose()
