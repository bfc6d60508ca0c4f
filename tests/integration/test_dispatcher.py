"""The dispatcher on real databases and Redis: lanes, weights, a bounded window, no loss."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import redis
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from producer.tenants import TenantDirectory
from schemas import constants
from schemas.db import make_engine
from schemas.states import JobState, Priority
from schemas.tables import DispatcherLease, Job, WorkerSeat
from schemas.wakeup import CHANNEL
from workers.lifecycle import wakeup as wakeup_module
from workers.lifecycle.broker_scan import RedisBrokerScan, job_ids_of
from workers.lifecycle.dispatcher import Dispatcher
from workers.lifecycle.publisher import Publisher
from workers.lifecycle.reconciler import Reconciler
from workers.lifecycle.wakeup import Wakeups
from workers.store import Claim, Outcome

if TYPE_CHECKING:
    from tests.integration.conftest import Harness, HarnessFactory

pytestmark = pytest.mark.integration
QUEUE = "sealq"


@pytest.fixture
def harness(make_harness: HarnessFactory, redis_url: str) -> Harness:
    """A harness on the test database, its clock standing still."""
    return make_harness(redis_url)


@pytest.fixture
def publisher(redis_url: str) -> Iterator[Publisher]:
    """A real publisher on the test Redis."""
    publisher = Publisher(redis_url)
    yield publisher
    publisher.close()


def dispatcher(harness: Harness, publisher: Publisher, owner: str = "d1",
               **options: Any) -> Dispatcher:
    """A dispatcher on the harness's database."""
    return Dispatcher(harness.jobs, publisher.publish, owner=owner, **options)


def seat(harness: Harness, slots: int, name: str = "w1", queue: str = QUEUE) -> None:
    """A live worker with `slots` slots, as `sealq worker` announces itself."""
    now = harness.clock()
    with Session(harness.jobs) as session, session.begin():
        session.merge(WorkerSeat(name=name, queue=queue, slots=slots, started_at=now,
                                 seen_at=now))


def in_redis(redis_url: str) -> list[str]:
    """Job ids of the messages waiting in the queue, first to be taken first."""
    client = redis.Redis.from_url(redis_url)
    try:
        raw = client.lrange(QUEUE, 0, -1)
    finally:
        client.close()
    # kombu pushes on the left and workers pop on the right.
    return [job_id for item in reversed(raw) for job_id in job_ids_of(json.loads(item))]


def tenants_of(harness: Harness, job_ids: list[str]) -> list[str]:
    """The tenant of each job, in the same order."""
    with Session(harness.jobs) as session:
        rows = session.execute(select(Job.id, Job.tenant).where(Job.id.in_(job_ids)))
        found = {job_id: tenant for job_id, tenant in rows}
    return [found[job_id] for job_id in job_ids]


def submit(harness: Harness, tenant: str, count: int,
           priority: Priority = Priority.NORMAL, prefix: str = "r") -> list[str]:
    """Submit `count` jobs; returns their ids in submit order."""
    result = harness.client.submit(harness.lines(*(f"{prefix}-{i}" for i in range(count))),
                                   tenant=tenant, priority=priority)
    return [job.id for job in harness.client.store.jobs(result.batch_id)]


def start(harness: Harness, job_ids: list[str]) -> list[Claim]:
    """Workers claim these jobs (they are running now)."""
    store = harness.worker_store()
    claims = []
    for job_id in job_ids:
        claim = store.claim(job_id, now=harness.clock())
        assert claim is not None
        claims.append(claim)
    return claims


def end(harness: Harness, claims: list[Claim]) -> None:
    """Workers finish these jobs (failed: the result does not matter here)."""
    store = harness.worker_store()
    for claim in claims:
        assert store.finish(claim, Outcome(JobState.FAILED, error_code="engine_error"),
                            now=harness.clock())


def test_without_workers_nothing_is_released(
        harness: Harness, publisher: Publisher, redis_url: str) -> None:
    """Jobs wait in the database while no worker serves their queue: Redis holds nothing."""
    submit(harness, "acme", 20)
    report = dispatcher(harness, publisher).pass_once(harness.clock())
    assert report.active and report.released == 0
    assert in_redis(redis_url) == []


def test_window_is_slots_plus_headroom(
        harness: Harness, publisher: Publisher, redis_url: str) -> None:
    """A worker with 8 slots gets 8 + 2 jobs released, and no more until some start and end."""
    ids = submit(harness, "acme", 50)
    seat(harness, 8)
    d = dispatcher(harness, publisher)
    first = d.pass_once(harness.clock())
    assert first.released == 10 and first.windows[QUEUE].window == 10
    assert in_redis(redis_url) == ids[:10]  # one tenant: submit order
    assert d.pass_once(harness.clock()).released == 0
    claims = start(harness, ids[:3])
    assert d.pass_once(harness.clock()).released == 0  # running jobs hold their slots
    end(harness, claims)
    assert d.pass_once(harness.clock()).released == 3
    assert in_redis(redis_url)[-3:] == ids[10:13]


def test_urgent_overtakes_a_bulk_backlog(
        harness: Harness, publisher: Publisher, redis_url: str) -> None:
    """B's 5 normal jobs, submitted after A's 200 bulk ones, are released first."""
    submit(harness, "acme", 200, Priority.BULK, prefix="a")
    seat(harness, 4)
    d = dispatcher(harness, publisher)
    d.pass_once(harness.clock())  # the window is full of bulk work
    normal = submit(harness, "globex", 5, Priority.NORMAL, prefix="b")
    end(harness, start(harness, in_redis(redis_url)))
    d.pass_once(harness.clock())
    assert in_redis(redis_url)[6:11] == normal


def test_a_waiting_lane_gets_its_floor(
        harness: Harness, publisher: Publisher, redis_url: str) -> None:
    """With urgent work waiting, bulk still gets one job in every `lane_floor` releases."""
    submit(harness, "acme", 100, Priority.URGENT, prefix="u")
    submit(harness, "globex", 100, Priority.BULK, prefix="b")
    seat(harness, 38)  # window 38 + 10 (headroom 0.25)
    report = dispatcher(harness, publisher, lane_floor=6).pass_once(harness.clock())
    lanes = Counter(tenants_of(harness, in_redis(redis_url)))
    assert report.released == 48
    assert lanes == {"acme": 40, "globex": 8}


def test_weights_share_the_window(harness: Harness, publisher: Publisher, redis_url: str) -> None:
    """Weight 3 against weight 1 in one lane: 3 of every 4 slots, whatever was submitted first."""
    TenantDirectory(harness.jobs).set("acme", weight=3)
    submit(harness, "globex", 100, prefix="g")  # first in, and still only a quarter
    submit(harness, "acme", 100, prefix="a")
    seat(harness, 32)  # window 40
    dispatcher(harness, publisher).pass_once(harness.clock())
    assert Counter(tenants_of(harness, in_redis(redis_url))) == {"acme": 30, "globex": 10}


def test_a_tenant_with_nothing_waiting_gives_its_share_away(
        harness: Harness, publisher: Publisher, redis_url: str) -> None:
    """A heavy tenant with 2 jobs left gets 2; the rest of the window goes to the other."""
    TenantDirectory(harness.jobs).set("acme", weight=10)
    submit(harness, "acme", 2, prefix="a")
    submit(harness, "globex", 100, prefix="g")
    seat(harness, 16)  # window 20
    dispatcher(harness, publisher).pass_once(harness.clock())
    assert Counter(tenants_of(harness, in_redis(redis_url))) == {"acme": 2, "globex": 18}


def test_cancelled_and_expired_jobs_are_not_released(
        harness: Harness, publisher: Publisher, redis_url: str) -> None:
    """A cancelled batch and jobs past their expiry take no slot."""
    cancelled = harness.client.submit(harness.lines("c-1", "c-2"), tenant="acme")
    harness.client.cancel(cancelled.batch_id)
    ids = submit(harness, "globex", 3)
    seat(harness, 8)
    d = dispatcher(harness, publisher)
    d.pass_once(harness.clock())
    assert in_redis(redis_url) == ids
    submit(harness, "acme", 4, prefix="late")
    harness.clock.advance(2 * 3600)  # past every job's expiry
    seat(harness, 8)
    report = d.pass_once(harness.clock())
    assert report.active and report.released == 0


def test_one_dispatcher_is_active_and_a_standby_takes_over(
        harness: Harness, publisher: Publisher, redis_url: str) -> None:
    """A second dispatcher stands by while the lease holds, and takes over when it lapses."""
    submit(harness, "acme", 30)
    seat(harness, 4)
    first, second = dispatcher(harness, publisher, "d1"), dispatcher(harness, publisher, "d2")
    assert first.pass_once(harness.clock()).active
    assert not second.pass_once(harness.clock()).active
    harness.clock.advance(16)  # d1 is gone: its lease lapses
    seat(harness, 4)
    report = second.pass_once(harness.clock())
    assert report.active
    with Session(harness.jobs) as session:
        lease = session.get(DispatcherLease, "dispatcher")
        assert lease is not None and lease.owner == "d2"
    assert not first.pass_once(harness.clock()).active


def test_a_resigned_lease_passes_at_once(harness: Harness, publisher: Publisher) -> None:
    """A dispatcher that stops cleanly hands over without waiting for its lease."""
    first, second = dispatcher(harness, publisher, "d1"), dispatcher(harness, publisher, "d2")
    assert first.pass_once(harness.clock()).active
    first.resign(harness.clock())
    assert second.pass_once(harness.clock()).active


def test_broker_down_loses_nothing(harness: Harness, redis_url: str) -> None:
    """With Redis unreachable, the chosen jobs go back to waiting and are released later."""
    ids = submit(harness, "acme", 6)
    seat(harness, 4)
    dead = Publisher("redis://127.0.0.1:1/0")
    report = Dispatcher(harness.jobs, dead.publish, owner="d1").pass_once(harness.clock())
    assert report.broker_error is not None and report.released == 0
    with Session(harness.jobs) as session:
        assert session.scalar(select(Job.id).where(Job.enqueued_at.is_not(None))) is None
    live = Publisher(redis_url)
    try:
        assert Dispatcher(harness.jobs, live.publish, owner="d1").pass_once(
            harness.clock()).released == 6
    finally:
        live.close()
    assert in_redis(redis_url) == ids


def test_a_flush_loses_nothing(harness: Harness, publisher: Publisher, redis_url: str) -> None:
    """Redis flushed: the reconciler puts the released jobs back, the dispatcher re-releases."""
    ids = submit(harness, "acme", 6)
    seat(harness, 4)
    d = dispatcher(harness, publisher)
    assert d.pass_once(harness.clock()).released == 6
    redis.Redis.from_url(redis_url).flushdb()
    reconciler = Reconciler(harness.jobs, RedisBrokerScan(redis_url), max_attempts=3,
                            stale_after=timedelta(seconds=60))
    assert reconciler.run(harness.clock()).lost_requeued == 0  # too young to call lost
    harness.clock.advance(61)
    seat(harness, 4)
    assert reconciler.run(harness.clock()).lost_requeued == 6
    assert d.pass_once(harness.clock()).released == 6
    assert sorted(in_redis(redis_url)) == sorted(ids)


def test_a_big_pass_sends_groups_the_reconciler_counts_as_present(
        harness: Harness, publisher: Publisher, redis_url: str) -> None:
    """80 jobs released at once go out as 16 messages of 5 job ids, in lane order; none of
    them counts as lost while its message waits."""
    ids = submit(harness, "acme", 80)
    seat(harness, 64)  # window 64 + 16
    d = dispatcher(harness, publisher)
    assert d.pass_once(harness.clock()).released == 80
    client = redis.Redis.from_url(redis_url)
    try:
        sizes = [len(job_ids_of(json.loads(item))) for item in client.lrange(QUEUE, 0, -1)]
    finally:
        client.close()
    assert sizes == [5] * 16
    assert in_redis(redis_url) == ids
    harness.clock.advance(3600)
    seat(harness, 64)
    reconciler = Reconciler(harness.jobs, RedisBrokerScan(redis_url), max_attempts=3,
                            stale_after=timedelta(seconds=60))
    assert reconciler.run(harness.clock()).lost_requeued == 0


def test_lapsed_leases_go_back_to_the_dispatcher(
        harness: Harness, publisher: Publisher, redis_url: str) -> None:
    """A dead worker's jobs wait again in their lane and tenant's turn, never sent twice."""
    ids = submit(harness, "acme", 2)
    seat(harness, 1)  # window 3
    d = dispatcher(harness, publisher)
    d.pass_once(harness.clock())
    start(harness, ids)
    redis.Redis.from_url(redis_url).flushdb()
    harness.clock.advance(61)  # the worker store's 60 s lease ran out
    seat(harness, 1)
    reconciler = Reconciler(harness.jobs, RedisBrokerScan(redis_url), max_attempts=3,
                            stale_after=timedelta(seconds=60))
    assert reconciler.run(harness.clock()).lease_requeued == 2
    with Session(harness.jobs) as session:
        rows = session.execute(select(Job.state, Job.enqueued_at)).all()
    assert rows == [(JobState.QUEUED.value, None)] * 2
    assert d.pass_once(harness.clock()).released == 2


def test_only_ids_reach_redis(harness: Harness, publisher: Publisher, redis_url: str) -> None:
    """Released messages carry job ids only: the canary is nowhere in Redis."""
    submit(harness, "acme", 5)
    seat(harness, 8)
    dispatcher(harness, publisher).pass_once(harness.clock())
    client = redis.Redis.from_url(redis_url)
    values: list[bytes] = []
    try:
        for key in client.keys("*"):
            kind = client.type(key)
            if kind == b"list":
                values.extend(client.lrange(key, 0, -1))
            elif kind == b"hash":
                values.extend(client.hgetall(key).values())
            elif kind == b"string":
                values.append(client.get(key) or b"")
    finally:
        client.close()
    assert len(values) == 5 and not any(harness.canary.encode() in v for v in values)


def test_health_is_recorded_for_operators(harness: Harness, publisher: Publisher) -> None:
    """The lease row shows the window, what is in flight and the releases so far."""
    submit(harness, "acme", 30)
    seat(harness, 4)
    d = dispatcher(harness, publisher)
    d.pass_once(harness.clock())
    harness.clock.advance(1.5)
    d.pass_once(harness.clock())
    with Session(harness.jobs) as session:
        lease = session.get(DispatcherLease, "dispatcher")
        assert lease is not None
        assert lease.released_total == 6 and lease.released_at is not None
        # Written with the lease: the pass before the last one.
        assert lease.windows == {QUEUE: {"slots": 4, "window": 6, "in_flight": 0,
                                         "released": 6}}


def test_a_job_being_cancelled_is_skipped_not_waited_for(
        harness: Harness, publisher: Publisher, redis_url: str) -> None:
    """On PostgreSQL a row a cancel holds locked is passed over at once (no wait, no
    deadlock), and released on a later pass if it is still waiting."""
    if harness.jobs.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    ids = submit(harness, "acme", 4)
    seat(harness, 8)
    with harness.jobs.connect() as holder:
        holder.execute(select(Job.id).where(Job.id == ids[0]).with_for_update())
        report = dispatcher(harness, publisher).pass_once(harness.clock())
        assert report.released == 3 and in_redis(redis_url) == ids[1:]
        holder.rollback()
    harness.clock.advance(2)
    seat(harness, 8)
    assert dispatcher(harness, publisher).pass_once(harness.clock()).released == 1


# Notifications are PostgreSQL's; on SQLite the dispatcher ticks.
on_postgresql = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@pytest.fixture
def wakeups(harness: Harness) -> Iterator[Wakeups]:
    """The dispatcher's ear on the test database, listening before anything is committed."""
    ear = Wakeups.for_database(harness.jobs)
    assert ear is not None
    assert not heard(ear, 0.05)  # connects and listens; nothing said yet
    yield ear
    ear.close()


def heard(ear: Wakeups, seconds: float = 10.0) -> bool:
    """Whether a wake-up arrives within `seconds`."""
    return ear.wait(threading.Event(), seconds, deaf_seconds=seconds)


def test_without_notifications_there_is_no_ear(tmp_path: Path) -> None:
    """SQLite has no LISTEN: the dispatcher keeps its short tick there."""
    engine = make_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    assert Wakeups.for_database(engine) is None
    engine.dispose()


@on_postgresql
def test_a_submit_wakes_the_dispatcher_once(harness: Harness, wakeups: Wakeups) -> None:
    """One wake-up per stored batch, however many jobs it holds."""
    submit(harness, "acme", 30)
    assert heard(wakeups)
    assert not heard(wakeups, 0.3)


@on_postgresql
def test_freed_slots_wake_the_dispatcher(harness: Harness, wakeups: Wakeups) -> None:
    """A finish and a job given back wake it; a claim, and a finish whose lease is gone, do
    not (nothing was freed)."""
    ids = submit(harness, "acme", 2)
    assert heard(wakeups)
    claims = start(harness, ids)
    assert not heard(wakeups, 0.3)
    store = harness.worker_store()
    failed = Outcome(JobState.FAILED, error_code="engine_error")
    assert store.finish(claims[0], failed, now=harness.clock())
    assert heard(wakeups)
    assert not store.finish(claims[0], failed, now=harness.clock())
    assert not heard(wakeups, 0.3)
    assert store.release(claims[1])
    assert heard(wakeups)


@on_postgresql
def test_the_ear_comes_back_after_its_connection_is_lost(
        harness: Harness, wakeups: Wakeups, monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminated LISTEN connection costs a warning, not the dispatcher: the next wait
    listens again."""
    monkeypatch.setattr(wakeup_module, "RECONNECT_SECONDS", 0.0)
    with harness.jobs.begin() as connection:
        killed = connection.scalar(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query = :listen AND pid <> pg_backend_pid()"),
            {"listen": f"LISTEN {CHANNEL}"})
    assert killed == 1
    assert not heard(wakeups, 1.0)  # the loss is noticed
    assert not heard(wakeups, 0.1)  # connected and listening again
    submit(harness, "acme", 1)
    assert heard(wakeups)


@on_postgresql
def test_a_listening_dispatcher_releases_without_waiting_for_its_tick(
        harness: Harness, publisher: Publisher, redis_url: str, wakeups: Wakeups,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With a quiet tick of a minute, jobs submitted after its first pass are in Redis within
    seconds: the submit woke it. It stops within a moment of being asked."""
    monkeypatch.setattr(constants, "DISPATCH_IDLE_SECONDS", 60.0)
    seat(harness, 8)
    d = dispatcher(harness, publisher)
    stop = threading.Event()
    thread = threading.Thread(target=d.run, args=(stop, harness.clock),
                              kwargs={"wakeups": wakeups}, daemon=True)
    thread.start()
    try:
        assert eventually(lambda: lease_holder(harness) == "d1")
        ids = submit(harness, "acme", 5)
        assert eventually(lambda: in_redis(redis_url) == ids)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()


def lease_holder(harness: Harness) -> str | None:
    """The owner of the dispatcher lease, if anyone holds it."""
    with Session(harness.jobs) as session:
        lease = session.get(DispatcherLease, "dispatcher")
        return None if lease is None else lease.owner


def eventually(check: Callable[[], bool], seconds: float = 15.0) -> bool:
    """Whether `check` comes true within `seconds` (looked at every 50 ms)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()
