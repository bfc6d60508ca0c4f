"""Following stored batches: list them, count their jobs by state, wait, cancel.

A Tracker needs the job database only: no key file, no broker, no kinds. The light commands
(`sealq batches`, `status`, `wait`, `cancel`) use it, so they start without loading the sealing
stack; `producer.client.Client` is a Tracker that can also submit and open results.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from producer import lifecycle
from producer.lifecycle import CancelReport
from producer.store import BatchPage, ProducerStore
from schemas.db import make_engine, store_errors
from schemas.settings import Settings
from schemas.states import JobState

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def pending(counts: dict[str, int]) -> int:
    """How many jobs in these counts are not terminal yet."""
    return counts.get(JobState.QUEUED, 0) + counts.get(JobState.RUNNING, 0)


class Tracker:
    """A handle on the batches already stored: what exists, how far each got."""

    def __init__(self, *, store: ProducerStore, clock: Clock = utc_now) -> None:
        self._store = store
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock = utc_now) -> Tracker:
        """A tracker on the job database the settings name."""
        return cls(store=ProducerStore(make_engine(settings.database_url,
                                                   pool_size=settings.db_pool_size)),
                   clock=clock)

    def batches(self, *, tenant: str | None = None, limit: int = 50,
                after: str | None = None) -> BatchPage:
        """Batches newest first, with their jobs counted by state; `after` is a page cursor."""
        with store_errors():
            return self._store.batch_page(tenant=tenant, limit=limit, after=after)

    def status(self, batch_id: str) -> dict[str, int]:
        """Jobs per state, every state present."""
        with store_errors():
            return self._store.counts(batch_id)

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
        return lifecycle.cancel(self._store.engine, target, now=self._clock())

    def close(self) -> None:
        """Release the database connections."""
        self._store.engine.dispose()
