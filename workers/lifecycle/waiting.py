"""The dispatcher's reads and writes of the job database: what waits, what is in flight.

Every query here stays flat as the backlog grows: waiting jobs are read through the partial
index `ix_jobs_waiting` (queue, lane, tenant, submit order), and a lane's tenants are found by
skipping through that index, one probe per tenant, never by scanning its jobs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, bindparam, delete, func, select, text, update
from sqlalchemy.orm import Session

from schemas.db import store_errors
from schemas.states import LANES, JobState, Priority
from schemas.tables import Job, Tenant, UTCDateTime, WorkerSeat

# Ids per IN (...): far below SQLite's bound-parameter limit.
ID_CHUNK = 500
# Worker rows unheard of this long are deleted (a restarted worker has a new name).
FORGET_WORKERS_AFTER = timedelta(days=1)

# A lane's waiting tenants, skipping through ix_jobs_waiting: min(tenant) above the last one,
# each an index probe, so 1,000 tenants cost 1,000 probes whether they wait with 10 jobs or
# with a million.
# The conditions repeat ix_jobs_waiting's predicate word for word, so PostgreSQL uses it.
_TENANTS = text("""
WITH RECURSIVE t(tenant) AS (
    SELECT min(tenant) FROM jobs
    WHERE queue = :queue AND priority = :lane AND state = 'queued' AND enqueued_at IS NULL
    UNION ALL
    SELECT (SELECT min(j.tenant) FROM jobs j
            WHERE j.queue = :queue AND j.priority = :lane AND j.state = 'queued'
              AND j.enqueued_at IS NULL AND j.tenant > t.tenant)
    FROM t WHERE t.tenant IS NOT NULL
)
SELECT tenant FROM t WHERE tenant IS NOT NULL
""")
# A tenant's next jobs in a lane, in submit order (past its expiry the sweeper ends a job;
# releasing it would waste a slot).
_NEXT_JOBS = text("""
SELECT id FROM jobs
WHERE queue = :queue AND priority = :lane AND tenant = :tenant AND state = 'queued'
  AND enqueued_at IS NULL AND expires_at > :now
ORDER BY created_at, batch_id, position LIMIT :limit
""").bindparams(bindparam("now", type_=UTCDateTime()))
_NEXT_JOBS_PG = text("""
SELECT t.tenant, j.id
FROM unnest(CAST(:tenants AS varchar[]), CAST(:limits AS integer[])) WITH ORDINALITY
     AS t(tenant, n, k)
CROSS JOIN LATERAL (
    SELECT id, created_at, batch_id, position FROM jobs
    WHERE queue = :queue AND priority = :lane AND tenant = t.tenant AND state = 'queued'
      AND enqueued_at IS NULL AND expires_at > :now
    ORDER BY created_at, batch_id, position LIMIT t.n
) AS j
ORDER BY t.k, j.created_at, j.batch_id, j.position
""").bindparams(bindparam("now", type_=UTCDateTime()))
_LANE_HAS_WORK = text(
    "SELECT 1 FROM jobs WHERE queue = :queue AND priority = :lane AND state = 'queued' "
    "AND enqueued_at IS NULL LIMIT 1")


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

    def weights(self) -> dict[str, int]:
        """Every registered tenant's weight."""
        with store_errors(), Session(self._engine) as session:
            return {name: weight or 1 for name, weight in
                    session.execute(select(Tenant.name, Tenant.weight))}

    def next_jobs(self, queue: str, lane: Priority, wanted: Mapping[str, int],
                  now: datetime) -> dict[str, list[str]]:
        """Per tenant, up to `wanted[tenant]` of its waiting jobs in this lane, oldest
        submission first: one index range per tenant, all tenants in one round trip on
        PostgreSQL (a LATERAL join over the tenant list), one statement each on SQLite.

        No row lock: marking is one conditional UPDATE (mark_released), so a second
        dispatcher that read the same ids marks none of them twice.
        """
        found: dict[str, list[str]] = {tenant: [] for tenant in wanted}
        if not wanted:
            return found
        values = {"queue": queue, "lane": lane.value, "now": now}
        with store_errors(), self._engine.connect() as connection:
            if self._postgres:
                rows = connection.execute(_NEXT_JOBS_PG, {
                    **values, "tenants": list(wanted), "limits": list(wanted.values())})
                for tenant, job_id in rows:
                    found[tenant].append(job_id)
            else:
                for tenant, limit in wanted.items():
                    found[tenant] = list(connection.scalars(
                        _NEXT_JOBS, {**values, "tenant": tenant, "limit": limit}))
        return found

    def mark_released(self, job_ids: Sequence[str], now: datetime) -> list[str]:
        """Mark still-waiting jobs released at `now`; returns those this call marked.

        Rows are locked in id order and locked ones skipped, as a cancel locks them: the two
        never deadlock, and a job being cancelled is not released.
        """
        marked: list[str] = []
        with store_errors(), Session(self._engine) as session, session.begin():
            for start in range(0, len(job_ids), ID_CHUNK):
                waiting = (select(Job.id)
                           .where(Job.id.in_(job_ids[start:start + ID_CHUNK]),
                                  Job.state == JobState.QUEUED.value, Job.enqueued_at.is_(None))
                           .order_by(Job.id).with_for_update(skip_locked=True))
                marked.extend(session.scalars(
                    update(Job)
                    .where(Job.id.in_(waiting), Job.state == JobState.QUEUED.value,
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
