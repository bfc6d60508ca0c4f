"""A real `sealq worker` and a real `sealq dispatch` process, and the jobs tenants give them.

`LiveQueue` submits through the producer API, reads what finished when from the job database
(the worker's `finished_at`, the same machine's clock as the bench's), and ends a side's
leftover backlog by cancelling it and waiting until the worker's queue is empty again.
Without a dispatcher, `release_fifo` publishes a batch at once in submit order: what the
producer did before jobs waited in the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import Engine, func, select, update

from bench import processes
from bench.backend import Backend
from bench.workload import KIND
from producer.client import Client
from producer.lifecycle import cancel
from producer.tenants import TenantDirectory
from schemas.constants import DEFAULT_QUEUE
from schemas.db import make_engine
from schemas.errors import StoreUnavailable
from schemas.jobs import TERMINAL_STATES, BatchLine
from schemas.states import JobState, Priority
from schemas.tables import Job
from workers.lifecycle.publisher import Publisher
from workers.runtime import utc_now

POLL_SECONDS = 0.1
# A side whose jobs have not finished in this long is stuck, not slow.
WAIT_TIMEOUT_SECONDS = 1800
# After a cancel: the worker's queue empty for this long means nothing of the side is left.
DRAIN_QUIET_SECONDS = 3.0
DISPATCH_READY_TIMEOUT_SECONDS = 60
CANCEL_ATTEMPTS = 5

Say = Callable[[str], None]


def short_request(index: int) -> dict[str, Any]:
    """A one-token job with a short prompt of its own: the engine's pace matters here only as
    the rate jobs finish at, and short prompts let a CPU engine finish many per second."""
    return {"messages": [{"role": "user", "content": f"Ticket {index}: reply OK."}],
            "max_tokens": 1, "temperature": 0, "ignore_eos": True}


class DispatchProcess:
    """`python -m producer dispatch` with the backend's settings, its log in a file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        self._log_start = self._log.tell()  # an earlier dispatcher may have written there
        self.process = processes.start([sys.executable, "-m", "producer", "dispatch"],
                                       env={**os.environ, **env}, stdout=self._log,
                                       stderr=subprocess.STDOUT)

    def wait_ready(self) -> None:
        """Block until it says it is active (it holds the lease), or raise."""
        deadline = time.monotonic() + DISPATCH_READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dispatcher exited with {self.process.returncode}:\n"
                                   f"{self.log_path.read_text(errors='replace')[-3000:]}")
            with self.log_path.open("rb") as log:
                log.seek(self._log_start)
                if b" is active" in log.read():
                    return
            time.sleep(POLL_SECONDS)
        raise RuntimeError(f"dispatcher not active after {DISPATCH_READY_TIMEOUT_SECONDS} s")

    def stop(self) -> int | None:
        """SIGTERM (it gives its lease up), then kill whatever is left."""
        processes.stop_group(self.process, grace=15)
        self._log.close()
        return self.process.returncode


@contextmanager
def dispatching(backend: Backend, log_path: Path) -> Iterator[DispatchProcess]:
    """A dispatcher process for the length of the block."""
    dispatcher = DispatchProcess(backend.env, log_path)
    try:
        dispatcher.wait_ready()
        yield dispatcher
    finally:
        dispatcher.stop()


def release_fifo(jobs_db: Engine, publisher: Publisher, batch_id: str, *,
                 per_message: int = 1) -> int:
    """Mark a batch's waiting jobs released and publish them at once, in submit order,
    `per_message` job ids to a message."""
    with jobs_db.begin() as connection:
        marked = connection.execute(
            update(Job).where(Job.batch_id == batch_id, Job.state == JobState.QUEUED.value,
                              Job.enqueued_at.is_(None))
            .values(enqueued_at=utc_now()).returning(Job.position, Job.id)
            .execution_options(synchronize_session=False)).tuples().all()
    return publisher.publish([job_id for _, job_id in sorted(marked)], DEFAULT_QUEUE,
                             per_message=per_message)


class LiveQueue:
    """Tenants' batches on a live worker: submit, release, count what finished when."""

    def __init__(self, backend: Backend) -> None:
        self._client = Client.from_settings(backend.settings)
        self.jobs_db: Engine = make_engine(backend.settings.database_url, pool_size=2)
        self.tenants = TenantDirectory(self.jobs_db)
        self._broker = redis.Redis.from_url(backend.settings.broker_url)
        self._publisher = Publisher(backend.settings.broker_url)

    def close(self) -> None:
        """Every connection this opened."""
        self._publisher.close()
        self._broker.close()
        self._client.close()
        self.jobs_db.dispose()

    def add_tenant(self, name: str, weight: int = 1) -> None:
        """Register a tenant with no rate limit worth the name, at this weight."""
        self.tenants.add(name, now=utc_now(), weight=weight, rate_limit=1_000_000)

    def submit(self, tenant: str, jobs: int, *, first_prompt: int,
               priority: Priority = Priority.NORMAL) -> str:
        """`jobs` one-token jobs as one batch of `tenant` in lane `priority`; the batch id."""
        lines = [BatchLine.from_request_body(short_request(i), f"{tenant}-{i}")
                 for i in range(first_prompt, first_prompt + jobs)]
        result = self._client.submit(lines, tenant=tenant, kind=KIND, priority=priority)
        if result.created != jobs:
            raise RuntimeError(f"{tenant}: stored {result.created} of {jobs} jobs")
        return result.batch_id

    def release_fifo(self, batch_id: str) -> int:
        """Mark the whole batch released and publish every job in submit order (no window)."""
        return release_fifo(self.jobs_db, self._publisher, batch_id)

    def succeeded(self, batch_ids: Sequence[str], start: datetime | None = None,
                  end: datetime | None = None) -> int:
        """Jobs of these batches that succeeded, with `finished_at` in (start, end]."""
        query = select(func.count()).where(Job.batch_id.in_(batch_ids),
                                           Job.state == JobState.SUCCEEDED.value)
        if start is not None:
            query = query.where(Job.finished_at > start)
        if end is not None:
            query = query.where(Job.finished_at <= end)
        with self.jobs_db.connect() as connection:
            return int(connection.scalar(query) or 0)

    def open_jobs(self, batch_ids: Sequence[str]) -> int:
        """Jobs of these batches not yet terminal."""
        terminal = [state.value for state in TERMINAL_STATES]
        query = select(func.count()).where(Job.batch_id.in_(batch_ids),
                                           Job.state.not_in(terminal))
        with self.jobs_db.connect() as connection:
            return int(connection.scalar(query) or 0)

    def finished_range(self, batch_ids: Sequence[str]) -> tuple[datetime, datetime]:
        """The first and last `finished_at` of these batches' succeeded jobs."""
        query = select(func.min(Job.finished_at), func.max(Job.finished_at)).where(
            Job.batch_id.in_(batch_ids), Job.state == JobState.SUCCEEDED.value)
        with self.jobs_db.connect() as connection:
            first, last = connection.execute(query).one()
        if first is None or last is None:
            raise RuntimeError("no job of these batches has finished")
        return first, last

    def wait_until(self, done: Callable[[], bool], what: str) -> None:
        """Poll `done` until it holds; RuntimeError after WAIT_TIMEOUT_SECONDS."""
        deadline = time.monotonic() + WAIT_TIMEOUT_SECONDS
        while not done():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what}: not after {WAIT_TIMEOUT_SECONDS} s")
            time.sleep(POLL_SECONDS)

    def end(self, batch_ids: Sequence[str]) -> int:
        """Cancel what is left of these batches; wait until the worker's queue stays empty."""
        cancelled = sum(self._cancel(batch_id) for batch_id in batch_ids)
        quiet_since = time.monotonic()
        deadline = quiet_since + WAIT_TIMEOUT_SECONDS
        while time.monotonic() - quiet_since < DRAIN_QUIET_SECONDS:
            if self._broker.llen(DEFAULT_QUEUE):
                quiet_since = time.monotonic()
            if time.monotonic() > deadline:
                raise RuntimeError("the worker's queue did not empty after a cancel")
            time.sleep(POLL_SECONDS)
        return cancelled

    def _cancel(self, batch_id: str) -> int:
        """Cancel the batch's open jobs, trying again if PostgreSQL picked it as a deadlock
        victim (a dispatcher marking the same batch's jobs released locks them in another
        order)."""
        for attempt in range(CANCEL_ATTEMPTS):
            try:
                return cancel(self.jobs_db, batch_id, now=utc_now()).cancelled
            except StoreUnavailable:
                if attempt == CANCEL_ATTEMPTS - 1:
                    raise
                time.sleep(1.0)
        raise AssertionError("unreachable")
