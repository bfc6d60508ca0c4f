"""The reconciler: the database is the source of truth, so lost work goes back to waiting.

Two repairs, each bounded per run:
1. running jobs whose lease ran out (the worker died or hung): back to waiting for the
   dispatcher, or `failed`/`attempts_exhausted` once they used every attempt;
2. released jobs whose message is gone (Redis flushed or restarted, or its message was taken
   by a consumer that died before claiming it, or the dispatcher died between marking and
   publishing): back to waiting. A job counts as lost when it was released more than
   `stale_after` ago and no message for it waits in the broker or was taken within
   `stale_after`.
The reconciler never publishes: only the dispatcher releases waiting jobs, and only the
reconciler puts released ones back, so the two never act on the same job. A duplicate message
is harmless anyway: a worker's claim is conditional, so only one attempt runs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from schemas.db import store_errors
from schemas.errors import BrokerUnavailable
from schemas.jobs import ErrorCode, JobState
from schemas.tables import Job

#: which of these job ids have a message in these queues, waiting or taken by a consumer at or
#: after the given Unix time (workers.lifecycle.broker_scan)
BrokerScan = Callable[[Collection[str], Collection[str], float], set[str]]

# Jobs looked at per repair per run: bounds the run's work and the broker scan's memory.
RECONCILE_LIMIT = 5000
# Ids per IN (...): far below SQLite's bound-parameter limit.
ID_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What one reconcile run did; counts only."""

    lease_requeued: int = 0  # running jobs whose lease ran out, back to waiting
    exhausted: int = 0  # running jobs whose lease ran out on their last attempt: failed
    lost_requeued: int = 0  # released jobs with no message in the broker, back to waiting
    still_in_broker: int = 0  # stale queued jobs whose message is still there: left alone
    broker_error: str | None = None  # the broker failed; the rest waits for the next run

    def as_dict(self) -> dict[str, int | str | None]:
        """The report as plain JSON-ready values."""
        return {name: getattr(self, name) for name in self.__slots__}


class Reconciler:
    """Repairs the broker from the database; `now` always comes from the caller."""

    def __init__(self, jobs_db: Engine, broker_scan: BrokerScan, *,
                 max_attempts: int, stale_after: timedelta,
                 limit: int = RECONCILE_LIMIT) -> None:
        self._jobs_db = jobs_db
        self._scan = broker_scan
        self.max_attempts = max_attempts
        self.stale_after = stale_after
        self.limit = limit

    def run(self, now: datetime) -> ReconcileReport:
        """One bounded pass at `now` over lapsed leases, then lost messages."""
        with store_errors():
            exhausted, requeued = self._settle_lapsed_leases(now)
        lost_returned = present = 0
        error = None
        try:
            lost, present = self._find_lost(now)
        except BrokerUnavailable as e:
            error = str(e)
        else:
            lost_returned = self._put_back(lost, now)
        return ReconcileReport(lease_requeued=requeued, exhausted=exhausted,
                               lost_requeued=lost_returned, still_in_broker=present,
                               broker_error=error)

    def _settle_lapsed_leases(self, now: datetime) -> tuple[int, int]:
        """Fail lapsed jobs out of attempts, put the others back to waiting; (failed, back)."""
        # Past its expiry a job is the sweeper's to end (expired), not ours to retry.
        lapsed = (Job.state == JobState.RUNNING.value, Job.lease_expires_at <= now,
                  Job.expires_at > now)
        with Session(self._jobs_db) as session, session.begin():
            rows = session.execute(
                select(Job.id, Job.queue, Job.lease_token, Job.attempts)
                .where(*lapsed).limit(self.limit).with_for_update(skip_locked=True)).all()
            exhausted = requeued = 0
            for row in rows:
                # The token guard: a worker that renewed in the meantime keeps its job.
                mine = (Job.id == row.id, Job.lease_token == row.lease_token, *lapsed)
                if row.attempts >= self.max_attempts:
                    values = {"state": JobState.FAILED.value, "finished_at": now,
                              "error_code": ErrorCode.ATTEMPTS_EXHAUSTED.value}
                else:
                    # Waiting again: the dispatcher releases it in its lane and tenant's turn.
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
                    requeued += 1
        return exhausted, requeued

    def _find_lost(self, now: datetime) -> tuple[list[str], int]:
        """Jobs released long ago with no message in the broker, and how many still have one."""
        with store_errors(), Session(self._jobs_db) as session:
            rows = session.execute(
                select(Job.id, Job.queue)
                .where(Job.state == JobState.QUEUED.value, Job.enqueued_at.is_not(None),
                       Job.enqueued_at <= now - self.stale_after,
                       # Past its expiry the sweeper ends it; releasing it would be wasted.
                       Job.expires_at > now)
                .order_by(Job.enqueued_at).limit(self.limit)).all()
        if not rows:
            return [], 0
        # A message a consumer took more than stale_after ago while its job is still queued was
        # taken by a consumer that died before claiming: Redis returns it only after the
        # visibility timeout, so it counts as lost.
        taken_since = (now - self.stale_after).timestamp()
        present = self._scan({row.queue for row in rows}, [row.id for row in rows], taken_since)
        lost = [row.id for row in rows if row.id not in present]
        return lost, len(present)

    def _put_back(self, job_ids: list[str], now: datetime) -> int:
        """Lost jobs back to waiting (still queued and still released long ago); how many."""
        back = 0
        with store_errors(), Session(self._jobs_db) as session, session.begin():
            for start in range(0, len(job_ids), ID_CHUNK):
                # Locked in id order, skipping rows a cancel holds (it locks the same way).
                lost = (select(Job.id).where(Job.id.in_(job_ids[start : start + ID_CHUNK]))
                        .order_by(Job.id).with_for_update(skip_locked=True))
                result = session.execute(
                    update(Job)
                    .where(Job.id.in_(lost), Job.state == JobState.QUEUED.value,
                           Job.enqueued_at <= now - self.stale_after)
                    .values(enqueued_at=None)
                    .execution_options(synchronize_session=False))
                back += int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult
        return back
