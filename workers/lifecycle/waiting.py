"""The dispatcher's reads and writes of the job database: what waits, what is in flight.

Every query here stays flat as the backlog grows: waiting jobs are read through the partial
index `ix_jobs_waiting` (queue, lane, tenant, submit order), and a lane's tenants are found by
skipping through that index, one probe per tenant, never by scanning its jobs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.orm import Session

from schemas.db import store_errors
from schemas.states import LANES, JobState, Priority
from schemas.tables import Job, Tenant, WorkerSeat

# Ids per IN (...): far below SQLite's bound-parameter limit.
ID_CHUNK = 500
# Worker rows unheard of this long are deleted (a restarted worker has a new name).
FORGET_WORKERS_AFTER = timedelta(days=1)

_WAITING = "state = 'queued' AND enqueued_at IS NULL"
# A lane's waiting tenants, skipping through ix_jobs_waiting: min(tenant) above the last one,
# each an index probe, so 1,000 tenants cost 1,000 probes whether they wait with 10 jobs or
# with a million.
_TENANTS = text(f"""
WITH RECURSIVE t(tenant) AS (
    SELECT min(tenant) FROM jobs WHERE queue = :queue AND priority = :lane AND {_WAITING}
    UNION ALL
    SELECT (SELECT min(j.tenant) FROM jobs j
            WHERE j.queue = :queue AND j.priority = :lane AND j.state = 'queued'
              AND j.enqueued_at IS NULL AND j.tenant > t.tenant)
    FROM t WHERE t.tenant IS NOT NULL
)
SELECT tenant FROM t WHERE tenant IS NOT NULL
""")
_LANE_HAS_WORK = text(
    f"SELECT 1 FROM jobs WHERE queue = :queue AND priority = :lane AND {_WAITING} LIMIT 1")


def window_for(slots: int, headroom: float, min_headroom: int) -> int:
    """Jobs to keep released for `slots` worker slots: the slots plus a buffer; 0 for none."""
    if slots <= 0:
        return 0
    return slots + max(math.ceil(slots * headroom), min_headroom)


class WaitingJobs:
    """The dispatcher's view of the job database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    def live_slots(self, now: datetime, stale_after: timedelta) -> dict[str, int]:
        """Slots of the workers heard from within `stale_after`, per queue they consume."""
        with store_errors(), Session(self._engine) as session:
            rows = session.execute(
                select(WorkerSeat.queue, func.sum(WorkerSeat.slots))
                .where(WorkerSeat.seen_at > now - stale_after).group_by(WorkerSeat.queue))
            return {queue: int(slots) for queue, slots in rows}

    def forget_workers(self, now: datetime) -> int:
        """Delete rows of workers gone for a day; returns how many."""
        with store_errors(), Session(self._engine) as session, session.begin():
            result = session.execute(
                delete(WorkerSeat).where(WorkerSeat.seen_at < now - FORGET_WORKERS_AFTER))
        return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult

    def in_flight(self, now: datetime) -> dict[str, int]:
        """Per queue: jobs released and not yet started, plus jobs running under a live lease."""
        counts: dict[str, int] = {}
        with store_errors(), Session(self._engine) as session:
            released = session.execute(
                select(Job.queue, func.count())
                .where(Job.state == JobState.QUEUED.value, Job.enqueued_at.is_not(None))
                .group_by(Job.queue))
            running = session.execute(
                select(Job.queue, func.count())
                .where(Job.state == JobState.RUNNING.value, Job.lease_expires_at > now)
                .group_by(Job.queue))
            for queue, count in [*released, *running]:
                counts[queue] = counts.get(queue, 0) + int(count)
        return counts

    def lanes_with_work(self, queue: str) -> set[Priority]:
        """The lanes of `queue` with at least one job waiting (one index probe each)."""
        with store_errors(), Session(self._engine) as session:
            return {lane for lane in LANES
                    if session.execute(_LANE_HAS_WORK, {"queue": queue, "lane": lane.value})
                    .first() is not None}

    def tenants(self, queue: str, lane: Priority) -> list[str]:
        """The tenants with jobs waiting in this lane of `queue`."""
        with store_errors(), Session(self._engine) as session:
            return list(session.scalars(_TENANTS, {"queue": queue, "lane": lane.value}))

    def weights(self, tenants: Sequence[str]) -> dict[str, int]:
        """Each tenant's weight (1 for a tenant with no row)."""
        found: dict[str, int] = {}
        with store_errors(), Session(self._engine) as session:
            for start in range(0, len(tenants), ID_CHUNK):
                chunk = tenants[start:start + ID_CHUNK]
                # .all(): a Result has keys(), so dict.update would take it for a mapping.
                found.update(session.execute(
                    select(Tenant.name, Tenant.weight).where(Tenant.name.in_(chunk)))
                    .tuples().all())
        return {tenant: found.get(tenant) or 1 for tenant in tenants}

    def next_jobs(self, queue: str, lane: Priority, tenant: str, limit: int,
                  now: datetime) -> list[str]:
        """Up to `limit` of the tenant's waiting jobs in this lane, oldest submission first."""
        statement = (
            select(Job.id)
            .where(Job.queue == queue, Job.priority == lane.value, Job.tenant == tenant,
                   Job.state == JobState.QUEUED.value, Job.enqueued_at.is_(None),
                   # Past its expiry the sweeper ends it; releasing it would waste a slot.
                   Job.expires_at > now)
            .order_by(Job.created_at, Job.batch_id, Job.position).limit(limit))
        if self._postgres:
            # Another dispatcher (a standby that took over too early) skips these rows.
            statement = statement.with_for_update(skip_locked=True)
        with store_errors(), Session(self._engine) as session:
            return list(session.scalars(statement))

    def mark_released(self, job_ids: Sequence[str], now: datetime) -> list[str]:
        """Mark still-waiting jobs released at `now`; returns those this call marked."""
        marked: list[str] = []
        with store_errors(), Session(self._engine) as session, session.begin():
            for start in range(0, len(job_ids), ID_CHUNK):
                chunk = job_ids[start:start + ID_CHUNK]
                marked.extend(session.scalars(
                    update(Job)
                    .where(Job.id.in_(chunk), Job.state == JobState.QUEUED.value,
                           Job.enqueued_at.is_(None))
                    .values(enqueued_at=now).returning(Job.id)
                    .execution_options(synchronize_session=False)))
        return marked

    def unmark(self, job_ids: Sequence[str], released_at: datetime) -> int:
        """Put jobs whose messages never went out back to waiting; returns how many."""
        undone = 0
        with store_errors(), Session(self._engine) as session, session.begin():
            for start in range(0, len(job_ids), ID_CHUNK):
                result = session.execute(
                    update(Job)
                    .where(Job.id.in_(job_ids[start:start + ID_CHUNK]),
                           Job.state == JobState.QUEUED.value,
                           Job.enqueued_at == released_at)
                    .values(enqueued_at=None)
                    .execution_options(synchronize_session=False))
                undone += int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult
        return undone
