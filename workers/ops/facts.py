"""What the exporter reads: queue depths from Redis, job counts and ages from the database.

Every query is bounded: counts use GROUP BY, policy codes are summed over jobs finished in a
window and at most POLICY_ROW_CAP rows, waiting jobs are grouped over their partial index, and
the database engine carries its own timeouts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
from sqlalchemy import Connection, Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

from schemas.constants import WORKER_STALE_SECONDS
from schemas.jobs import TERMINAL_STATES, JobState
from schemas.tables import (
    RELEASED_SQL,
    WAITING_SQL,
    AuditEvent,
    DispatcherLease,
    Job,
    WorkerSeat,
)
from workers.lifecycle.broker_scan import PRIORITY_SEPARATOR, PRIORITY_STEPS, UNACKED_KEY
from workers.lifecycle.dispatcher import LEASE_NAME

TERMINAL = frozenset(state.value for state in TERMINAL_STATES)
# Rows whose policy codes one collection sums at most: keeps a burst of finished jobs from
# turning a scrape-side collection into a long scan.
POLICY_ROW_CAP = 20_000


@dataclass(frozen=True)
class BrokerFacts:
    """Messages waiting per queue (all priority steps summed) and taken but not acked."""

    depths: dict[str, int]
    unacked: int


@dataclass(frozen=True)
class Backlog:
    """Jobs of one group and when the oldest of them was submitted (or released)."""

    count: int
    oldest: datetime


@dataclass(frozen=True)
class QueueWindow:
    """One queue at the dispatcher's last pass: live slots, its window, jobs in flight."""

    slots: int
    window: int
    in_flight: int


@dataclass(frozen=True)
class DispatcherFacts:
    """The active dispatcher's lease row: when it last passed and released, and its windows."""

    passed_at: datetime
    released_at: datetime | None
    lease_expires_at: datetime
    released_total: int
    windows: dict[str, QueueWindow]


@dataclass(frozen=True)
class DispatchFacts:
    """What waits in the database, what is released, the live workers and the dispatcher."""

    # Waiting jobs by (queue, lane, tenant).
    waiting: dict[tuple[str, str, str], Backlog] = field(default_factory=dict)
    # Released to the broker, not yet started, by queue (oldest: when it was released).
    released: dict[str, Backlog] = field(default_factory=dict)
    # Live workers (heard from within WORKER_STALE_SECONDS) and their slots, by queue.
    workers: dict[str, int] = field(default_factory=dict)
    slots: dict[str, int] = field(default_factory=dict)
    # None: no dispatcher ever ran on this database.
    dispatcher: DispatcherFacts | None = None

    def queues(self) -> set[str]:
        """Every queue something here is known of."""
        queues = {queue for queue, _, _ in self.waiting} | set(self.released) | set(self.slots)
        if self.dispatcher is not None:
            queues |= set(self.dispatcher.windows)
        return queues


@dataclass(frozen=True)
class DatabaseFacts:
    """Job counts by (state, kind), oldest queued job per queue, erasures, policy codes."""

    jobs: dict[tuple[str, str], int]
    oldest_queued: dict[str, datetime]
    erased: int
    policy: dict[str, int] = field(default_factory=dict)
    # Jobs in a terminal state by (state, error code; "none" when it has none).
    ended: dict[tuple[str, str], int] = field(default_factory=dict)
    # Gateway calls within the window by (action, outcome), from its audit trail.
    gateway: dict[tuple[str, str], int] = field(default_factory=dict)
    dispatch: DispatchFacts = field(default_factory=DispatchFacts)


def broker_client(broker_url: str, *, timeout: float) -> redis.Redis:
    """A Redis client that gives up after `timeout` seconds instead of hanging a collection."""
    return redis.Redis.from_url(broker_url, socket_connect_timeout=timeout,
                                socket_timeout=timeout)


def read_broker(client: redis.Redis, queues: Iterable[str]) -> BrokerFacts:
    """LLEN of every queue's lists and the size of kombu's unacked hash, in one round trip."""
    names = sorted(set(queues))
    pipe = client.pipeline(transaction=False)
    for queue in names:
        for key in [queue, *(f"{queue}{PRIORITY_SEPARATOR}{n}" for n in PRIORITY_STEPS)]:
            pipe.llen(key)
    pipe.hlen(UNACKED_KEY)
    replies = [int(reply) for reply in pipe.execute()]
    per_queue = 1 + len(PRIORITY_STEPS)
    depths = {queue: sum(replies[i * per_queue:(i + 1) * per_queue])
              for i, queue in enumerate(names)}
    return BrokerFacts(depths=depths, unacked=replies[-1])


def exporter_engine(url: str, *, timeout: float) -> Engine:
    """A small read-only engine whose connects and statements give up after `timeout`."""
    if make_url(url).get_backend_name() == "sqlite":
        return create_engine(url, connect_args={"timeout": timeout, "check_same_thread": False})
    millis = int(timeout * 1000)
    options = (f"-c statement_timeout={millis} -c lock_timeout={millis} "
               "-c default_transaction_read_only=on")
    return create_engine(url, poolclass=QueuePool, pool_size=1, max_overflow=0,
                         pool_timeout=timeout, pool_pre_ping=True,
                         connect_args={"connect_timeout": max(1, math.ceil(timeout)),
                                       "options": options,
                                       "application_name": "sealq-exporter"})


def read_database(engine: Engine, *, now: datetime, policy_window: timedelta) -> DatabaseFacts:
    """Counts and ages from the job table; never reads a sealed column."""
    with engine.connect() as conn:
        jobs: dict[tuple[str, str], int] = {}
        ended: dict[tuple[str, str], int] = {}
        # One pass over the table serves both breakdowns.
        for state, kind, code, count in conn.execute(
                select(Job.state, Job.kind, Job.error_code, func.count())
                .group_by(Job.state, Job.kind, Job.error_code)):
            jobs[(state, kind)] = jobs.get((state, kind), 0) + count
            if state in TERMINAL:
                key = (state, code or "none")
                ended[key] = ended.get(key, 0) + count
        oldest = {queue: created for queue, created in conn.execute(
            select(Job.queue, func.min(Job.created_at))
            .where(Job.state == JobState.QUEUED.value).group_by(Job.queue))
            if created is not None}
        erased = conn.execute(
            select(func.count()).select_from(Job).where(Job.erased_at.is_not(None))).scalar_one()
        policies = conn.execute(
            select(Job.policy).where(Job.finished_at >= now - policy_window)
            .where(Job.policy.is_not(None)).limit(POLICY_ROW_CAP)).scalars()
        policy = sum_policy_codes(policies)
        gateway = {(action, outcome): count for action, outcome, count in conn.execute(
            select(AuditEvent.action, AuditEvent.outcome, func.count())
            .where(AuditEvent.at >= now - policy_window)
            .group_by(AuditEvent.action, AuditEvent.outcome))}
        dispatch = read_dispatch(conn, now=now)
    return DatabaseFacts(jobs=jobs, oldest_queued=oldest, erased=int(erased), policy=policy,
                         ended=ended, gateway=gateway, dispatch=dispatch)


def read_dispatch(conn: Connection, *, now: datetime,
                  worker_stale: timedelta = timedelta(seconds=WORKER_STALE_SECONDS)
                  ) -> DispatchFacts:
    """The dispatcher's side of the job database, in four grouped reads."""
    # The predicates are literal SQL, the partial indexes' own: a bound parameter would keep
    # PostgreSQL's generic plans off them.
    waiting = {(queue, lane, tenant): Backlog(int(count), oldest)
               for queue, lane, tenant, count, oldest in conn.execute(
                   select(Job.queue, Job.priority, Job.tenant, func.count(),
                          func.min(Job.created_at))
                   .where(text(WAITING_SQL)).group_by(Job.queue, Job.priority, Job.tenant))}
    released = {queue: Backlog(int(count), oldest) for queue, count, oldest in conn.execute(
        select(Job.queue, func.count(), func.min(Job.enqueued_at))
        .where(text(RELEASED_SQL)).group_by(Job.queue)) if oldest is not None}
    workers: dict[str, int] = {}
    slots: dict[str, int] = {}
    for queue, count, total in conn.execute(
            select(WorkerSeat.queue, func.count(), func.sum(WorkerSeat.slots))
            .where(WorkerSeat.seen_at > now - worker_stale).group_by(WorkerSeat.queue)):
        workers[queue], slots[queue] = int(count), int(total or 0)
    lease = conn.execute(select(DispatcherLease.passed_at, DispatcherLease.released_at,
                                DispatcherLease.lease_expires_at,
                                DispatcherLease.released_total, DispatcherLease.windows)
                         .where(DispatcherLease.name == LEASE_NAME)).first()
    dispatcher = None
    if lease is not None:
        dispatcher = DispatcherFacts(
            passed_at=lease.passed_at, released_at=lease.released_at,
            lease_expires_at=lease.lease_expires_at, released_total=int(lease.released_total),
            windows=parse_windows(lease.windows))
    return DispatchFacts(waiting=waiting, released=released, workers=workers, slots=slots,
                         dispatcher=dispatcher)


def parse_windows(value: object) -> dict[str, QueueWindow]:
    """The lease row's {queue: {slots, window, in_flight}}, skipping anything malformed."""
    windows: dict[str, QueueWindow] = {}
    if not isinstance(value, dict):
        return windows
    for queue, entry in value.items():
        if not isinstance(queue, str) or not isinstance(entry, dict):
            continue
        numbers = [entry.get(name) for name in ("slots", "window", "in_flight")]
        counts = [n for n in numbers if isinstance(n, int) and not isinstance(n, bool) and n >= 0]
        if len(counts) == len(numbers):
            windows[queue] = QueueWindow(*counts)
    return windows


def sum_policy_codes(rows: Iterable[object]) -> dict[str, int]:
    """Sum {code: count} objects, skipping anything that is not one."""
    totals: dict[str, int] = {}
    for row in rows:
        if not isinstance(row, dict):
            continue
        for code, count in row.items():
            if isinstance(code, str) and isinstance(count, int) and count > 0:
                totals[code] = totals.get(code, 0) + count
    return totals
