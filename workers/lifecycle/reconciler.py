"""The reconciler: the database is the source of truth, so lost messages are sent again.

Two repairs, each bounded per run:
1. running jobs whose lease ran out (the worker died or hung): back to `queued` and enqueued
   again, or `failed`/`attempts_exhausted` once they used every attempt;
2. queued jobs whose message is gone (Redis flushed or restarted, or the broker was down at
   submit, or its message was taken by a consumer that died before claiming it): enqueued
   again. A job counts as lost when it was enqueued (or, never enqueued, created) more than
   `stale_after` ago and no message for it waits in the broker or was taken within
   `stale_after`.
A duplicate message is harmless: a worker's claim is conditional, so only one attempt runs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from schemas.db import store_errors
from schemas.errors import BrokerUnavailable
from schemas.jobs import ErrorCode, JobState
from schemas.tables import Job

#: which of these job ids have a message in these queues, waiting or taken by a consumer at or
#: after the given Unix time (workers.lifecycle.broker_scan)
BrokerScan = Callable[[Collection[str], Collection[str], float], set[str]]
#: send one generate message for a job id to a queue
Enqueue = Callable[[str, str], None]

# Jobs looked at per repair per run: bounds the run's work and the broker scan's memory.
RECONCILE_LIMIT = 5000
# Ids per IN (...): far below SQLite's bound-parameter limit.
ID_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What one reconcile run did; counts only."""

    lease_requeued: int = 0  # running jobs whose lease ran out, queued and enqueued again
    exhausted: int = 0  # running jobs whose lease ran out on their last attempt: failed
    lost_requeued: int = 0  # queued jobs with no message in the broker, enqueued again
    still_in_broker: int = 0  # stale queued jobs whose message is still there: left alone
    broker_error: str | None = None  # the broker failed; the rest waits for the next run

    def as_dict(self) -> dict[str, int | str | None]:
        """The report as plain JSON-ready values."""
        return {name: getattr(self, name) for name in self.__slots__}


class Reconciler:
    """Repairs the broker from the database; `now` always comes from the caller."""

    def __init__(self, jobs_db: Engine, broker_scan: BrokerScan, enqueue: Enqueue, *,
                 max_attempts: int, stale_after: timedelta,
                 limit: int = RECONCILE_LIMIT) -> None:
        self._jobs_db = jobs_db
        self._scan = broker_scan
        self._enqueue = enqueue
        self.max_attempts = max_attempts
        self.stale_after = stale_after
        self.limit = limit

    def run(self, now: datetime) -> ReconcileReport:
        """One bounded pass at `now` over lapsed leases, then lost messages."""
        with store_errors():
            exhausted, requeued = self._settle_lapsed_leases(now)
        lease_sent, error = self._send(requeued, now)
        lost_sent = present = 0
        if error is None:
            try:
                lost, present = self._find_lost(now)
            except BrokerUnavailable as e:
                error = str(e)
            else:
                lost_sent, error = self._send(lost, now)
        return ReconcileReport(lease_requeued=lease_sent, exhausted=exhausted,
                               lost_requeued=lost_sent, still_in_broker=present,
                               broker_error=error)

    def _settle_lapsed_leases(self, now: datetime) -> tuple[int, list[tuple[str, str]]]:
        """Fail lapsed jobs out of attempts, queue the others; returns (failed, [(id, queue)])."""
        # Past its expiry a job is the sweeper's to end (expired), not ours to retry.
        lapsed = (Job.state == JobState.RUNNING.value, Job.lease_expires_at <= now,
                  Job.expires_at > now)
        with Session(self._jobs_db) as session, session.begin():
            rows = session.execute(
                select(Job.id, Job.queue, Job.lease_token, Job.attempts)
                .where(*lapsed).limit(self.limit).with_for_update(skip_locked=True)).all()
            exhausted = 0
            requeued: list[tuple[str, str]] = []
            for row in rows:
                # The token guard: a worker that renewed in the meantime keeps its job.
                mine = (Job.id == row.id, Job.lease_token == row.lease_token, *lapsed)
                if row.attempts >= self.max_attempts:
                    values = {"state": JobState.FAILED.value, "finished_at": now,
                              "error_code": ErrorCode.ATTEMPTS_EXHAUSTED.value}
                else:
                    # enqueued_at NULL until the message is really sent (see _send).
                    values = {"state": JobState.QUEUED.value, "enqueued_at": None}
                result = session.execute(
                    update(Job).where(*mine)
                    .values(lease_owner=None, lease_token=None, lease_expires_at=None, **values)
                    .execution_options(synchronize_session=False))
                if not result.rowcount:  # type: ignore[attr-defined]  # CursorResult
                    continue
                if row.attempts >= self.max_attempts:
                    exhausted += 1
                else:
                    requeued.append((row.id, row.queue))
        return exhausted, requeued

    def _find_lost(self, now: datetime) -> tuple[list[tuple[str, str]], int]:
        """Stale queued jobs with no message in the broker, and how many still have one."""
        last_sent = func.coalesce(Job.enqueued_at, Job.created_at)
        with store_errors(), Session(self._jobs_db) as session:
            rows = session.execute(
                select(Job.id, Job.queue)
                .where(Job.state == JobState.QUEUED.value, last_sent <= now - self.stale_after,
                       # Past its expiry the sweeper ends it; sending it would be wasted.
                       Job.expires_at > now)
                .order_by(last_sent).limit(self.limit)).all()
        if not rows:
            return [], 0
        # A message a consumer took more than stale_after ago while its job is still queued was
        # taken by a consumer that died before claiming: Redis returns it only after the
        # visibility timeout, so it counts as lost.
        taken_since = (now - self.stale_after).timestamp()
        present = self._scan({row.queue for row in rows}, [row.id for row in rows], taken_since)
        lost = [(row.id, row.queue) for row in rows if row.id not in present]
        return lost, len(present)

    def _send(self, jobs: list[tuple[str, str]], now: datetime) -> tuple[int, str | None]:
        """Enqueue each job and record when; stops at the first broker failure.

        Jobs not sent keep enqueued_at NULL, so the next run finds them as lost.
        """
        sent: list[str] = []
        error = None
        try:
            for job_id, queue in jobs:
                self._enqueue(job_id, queue)
                sent.append(job_id)
        except BrokerUnavailable as e:
            error = str(e)
        with store_errors(), Session(self._jobs_db) as session, session.begin():
            for start in range(0, len(sent), ID_CHUNK):
                session.execute(
                    update(Job)
                    .where(Job.id.in_(sent[start : start + ID_CHUNK]),
                           Job.state == JobState.QUEUED.value)
                    .values(enqueued_at=now)
                    .execution_options(synchronize_session=False))
        return len(sent), error
