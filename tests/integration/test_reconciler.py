"""The reconciler: lost messages after a Redis flush and lapsed leases go back to waiting (for
the dispatcher; the reconciler never publishes), the attempts cap."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from kombu import Connection
from lifecycle_support import T0, Clock, client, jobs_of, lines, release

from schemas.db import make_engine
from schemas.jobs import JobState
from workers.lifecycle.broker_scan import RedisBrokerScan, job_ids_of
from workers.lifecycle.reconciler import Reconciler
from workers.store import Outcome, WorkerStore

pytestmark = pytest.mark.integration

STALE = timedelta(minutes=5)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[str]:
    """A Redis server of this test's own on a free loopback port, so FLUSHALL hurts no one."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port),
                               "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL)
    client_ = redis.Redis(port=port)
    for _ in range(100):
        try:
            client_.ping()
            break
        except redis.ConnectionError:
            server.poll()
            assert server.returncode is None, "redis-server did not start"
            subprocess.run(["sleep", "0.05"], check=True)  # waiting for a process, not time
    yield f"redis://127.0.0.1:{port}/0"
    client_.close()
    server.terminate()
    server.wait(timeout=10)


def messages_by_job(url: str, queue: str = "sealq") -> dict[str, int]:
    """How many generate messages each job id has in the queue list and the unacked hash."""
    r = redis.Redis.from_url(url)
    found: dict[str, int] = {}
    raw = [json.loads(m) for m in r.lrange(queue, 0, -1)]
    raw += [json.loads(v)[0] for v in r.hvals("unacked")]
    for message in raw:
        for job_id in job_ids_of(message):
            found[job_id] = found.get(job_id, 0) + 1
    r.close()
    return found


def reconciler(db_url: str, broker_url: str, *, max_attempts: int = 3) -> Reconciler:
    """A reconciler on real Redis, as beat builds it."""
    return Reconciler(make_engine(db_url), RedisBrokerScan(broker_url),
                      max_attempts=max_attempts, stale_after=STALE)


def test_flushall_puts_exactly_the_lost_jobs_back_to_waiting(db_url: str, own_redis: str,
                                                             settings_factory: Any) -> None:
    """After FLUSHALL only the released jobs with no message left (queued or unacked) go back
    to waiting; the reconciler sends nothing, the dispatcher releases them again."""
    settings = settings_factory(database_url=db_url, broker_url=own_redis)
    # kombu stamps a taken message with the real time, and a message taken more than STALE
    # before the reconciler's now counts as lost: this test's clock ends near real time.
    t0 = datetime.now(UTC) - timedelta(minutes=10)
    clock = Clock(t0)
    producer = client(settings, clock)
    engine = make_engine(db_url)
    lost = producer.submit(lines("lost", 4)).batch_id
    assert release(engine, own_redis, now=t0) == 4
    redis.Redis.from_url(own_redis).flushall()
    clock.now = t0 + timedelta(minutes=1)
    kept = producer.submit(lines("kept", 3)).batch_id
    assert release(engine, own_redis, now=clock.now) == 3
    lost_ids = [job.id for job in jobs_of(engine, lost)]
    kept_ids = [job.id for job in jobs_of(engine, kept)]
    # One kept message is taken by a "worker" and not acked: it lives in kombu's unacked hash.
    with Connection(own_redis) as connection:
        taken = connection.SimpleQueue("sealq", no_ack=False).get(timeout=5)
        assert taken.payload[0][0] in kept_ids
        assert redis.Redis.from_url(own_redis).hlen("unacked") == 1

        report = reconciler(db_url, own_redis).run(now=t0 + timedelta(minutes=10))

        assert (report.lost_requeued, report.still_in_broker, report.broker_error) == (4, 3, None)
        assert messages_by_job(own_redis) == {job_id: 1 for job_id in kept_ids}
    for job in jobs_of(engine, lost):
        assert (job.state, job.enqueued_at) == (JobState.QUEUED, None)
    for job in jobs_of(engine, kept):
        assert job.enqueued_at == t0 + timedelta(minutes=1)
    assert release(engine, own_redis, now=t0 + timedelta(minutes=10)) == 4
    assert messages_by_job(own_redis) == {job_id: 1 for job_id in lost_ids + kept_ids}
    again = reconciler(db_url, own_redis).run(now=t0 + timedelta(minutes=20))
    assert (again.lost_requeued, again.still_in_broker) == (0, 7)
    producer.close()
    engine.dispose()


def test_recently_released_and_expired_jobs_are_left_alone(db_url: str, own_redis: str,
                                                           settings_factory: Any) -> None:
    """A message younger than stale_after may be in flight; an expired job is the sweeper's."""
    settings = settings_factory(database_url=db_url, broker_url=own_redis)
    producer = client(settings, Clock(T0))
    short = producer.submit(lines("short", 2), ttl_seconds=120).batch_id
    fresh = producer.submit(lines("fresh", 2)).batch_id
    engine = make_engine(db_url)
    assert release(engine, own_redis, now=T0) == 4
    redis.Redis.from_url(own_redis).flushall()
    early = reconciler(db_url, own_redis).run(now=T0 + STALE - timedelta(seconds=1))
    assert (early.lost_requeued, early.still_in_broker) == (0, 0)
    later = reconciler(db_url, own_redis).run(now=T0 + STALE)
    assert later.lost_requeued == 2  # the "fresh" ones; the short ones have expired
    assert [job.enqueued_at for job in jobs_of(engine, fresh)] == [None, None]
    assert [job.enqueued_at for job in jobs_of(engine, short)] == [T0, T0]
    assert messages_by_job(own_redis) == {}
    producer.close()
    engine.dispose()


def test_waiting_jobs_are_the_dispatchers_not_the_reconcilers(db_url: str, own_redis: str,
                                                              settings_factory: Any) -> None:
    """Jobs never released (enqueued_at NULL) are not lost however long they wait: the
    reconciler neither counts nor sends them, and Redis stays empty."""
    settings = settings_factory(database_url=db_url, broker_url=own_redis)
    producer = client(settings, Clock(T0))
    batch = producer.submit(lines("waiting", 2)).batch_id
    report = reconciler(db_url, own_redis).run(now=T0 + 10 * STALE)
    assert (report.lost_requeued, report.still_in_broker, report.broker_error) == (0, 0, None)
    engine = make_engine(db_url)
    assert [(job.state, job.enqueued_at) for job in jobs_of(engine, batch)] == \
        [("queued", None)] * 2
    assert redis.Redis.from_url(own_redis).dbsize() == 0
    producer.close()
    engine.dispose()


def test_lapsed_lease_goes_back_to_waiting_then_attempts_run_out(
        db_url: str, own_redis: str, settings_factory: Any) -> None:
    """A lease that ran out puts the job back to waiting (no message sent) for the dispatcher
    to release again; on the last attempt it fails."""
    settings = settings_factory(database_url=db_url, broker_url=own_redis)
    producer = client(settings, Clock(T0))
    batch = producer.submit(lines("lease", 2)).batch_id
    engine = make_engine(db_url)
    job_id, alive_id = [job.id for job in jobs_of(engine, batch)]
    assert release(engine, own_redis, now=T0) == 2
    worker = WorkerStore(engine, owner="w1", lease_seconds=300, max_attempts=2)
    repair = reconciler(db_url, own_redis, max_attempts=2)

    assert worker.claim(job_id, now=T0) is not None
    alive = worker.claim(alive_id, now=T0)
    assert alive is not None and worker.renew(alive, now=T0 + timedelta(seconds=250))
    assert repair.run(now=T0 + timedelta(seconds=299)).lease_requeued == 0
    before = messages_by_job(own_redis).get(job_id, 0)
    report = repair.run(now=T0 + timedelta(seconds=301))
    assert (report.lease_requeued, report.exhausted) == (1, 0)
    row = jobs_of(engine, batch)[0]
    assert (row.state, row.lease_token, row.lease_expires_at, row.enqueued_at) == (
        "queued", None, None, None)
    assert messages_by_job(own_redis).get(job_id, 0) == before
    assert jobs_of(engine, batch)[1].state == "running"  # renewed: still its worker's
    assert release(engine, own_redis, now=T0 + timedelta(seconds=302)) == 1
    assert messages_by_job(own_redis)[job_id] == before + 1

    second = worker.claim(job_id, now=T0 + timedelta(seconds=400))
    assert second is not None and second.attempts == 2
    assert worker.renew(alive, now=T0 + timedelta(seconds=600))
    report = repair.run(now=T0 + timedelta(seconds=701))
    assert (report.lease_requeued, report.exhausted) == (0, 1)
    row = jobs_of(engine, batch)[0]
    assert (row.state, row.error_code, row.finished_at) == (
        "failed", "attempts_exhausted", T0 + timedelta(seconds=701))
    assert not worker.finish(second, Outcome(JobState.SUCCEEDED, sealed_result=b"late"),
                             now=T0 + timedelta(seconds=702))
    producer.close()
    engine.dispose()


def test_broker_down_leaves_database_repairs_done(db_url: str, own_redis: str,
                                                  settings_factory: Any) -> None:
    """With Redis gone the report names the broker error; attempts_exhausted still lands, and
    a released job is left released for the next run to judge."""
    settings = settings_factory(database_url=db_url, broker_url=own_redis)
    producer = client(settings, Clock(T0))
    batch = producer.submit(lines("gone", 2)).batch_id  # one to claim, one left released
    producer.close()
    engine = make_engine(db_url)
    assert release(engine, own_redis, now=T0) == 2
    job_id = jobs_of(engine, batch)[0].id
    assert WorkerStore(engine, owner="w", lease_seconds=300, max_attempts=1).claim(
        job_id, now=T0) is not None
    repair = reconciler(db_url, own_redis, max_attempts=1)
    redis.Redis.from_url(own_redis).shutdown(nosave=True)
    report = repair.run(now=T0 + STALE + timedelta(hours=1))
    assert report.exhausted == 1 and report.broker_error is not None
    assert "unreachable" in report.broker_error
    assert report.lost_requeued == 0
    assert jobs_of(engine, batch)[0].error_code == "attempts_exhausted"
    left = jobs_of(engine, batch)[1]
    assert (left.state, left.enqueued_at) == ("queued", T0)  # found by the next run
    engine.dispose()


def test_flush_mid_batch_every_job_ends_once(db_url: str, own_redis: str,
                                             settings_factory: Any) -> None:
    """FLUSHALL mid-batch: with the reconciler and the dispatcher, a draining worker ends every
    job exactly once."""
    settings = settings_factory(database_url=db_url, broker_url=own_redis)
    producer = client(settings, Clock(T0))
    batch = producer.submit(lines("mid", 10)).batch_id
    engine = make_engine(db_url)
    assert release(engine, own_redis, now=T0) == 10
    worker = WorkerStore(engine, owner="w", lease_seconds=300, max_attempts=3)
    finished: list[str] = []

    def drain(limit: int, now: Any) -> None:
        with Connection(own_redis) as connection:
            queue = connection.SimpleQueue("sealq", no_ack=False)
            for _ in range(limit):
                try:
                    message = queue.get(timeout=1)
                except queue.Empty:
                    return
                claim = worker.claim(message.payload[0][0], now=now)
                if claim is not None and worker.finish(
                        claim, Outcome(JobState.SUCCEEDED, sealed_result=b"r"), now=now):
                    finished.append(claim.job_id)
                message.ack()

    drain(4, T0 + timedelta(seconds=10))
    redis.Redis.from_url(own_redis).flushall()
    report = reconciler(db_url, own_redis).run(now=T0 + timedelta(minutes=10))
    assert report.lost_requeued == 6
    assert release(engine, own_redis, now=T0 + timedelta(minutes=10)) == 6
    drain(100, T0 + timedelta(minutes=11))
    states = [job.state for job in jobs_of(engine, batch)]
    assert states == ["succeeded"] * 10
    assert sorted(finished) == sorted(job.id for job in jobs_of(engine, batch))
    producer.close()
    engine.dispose()
