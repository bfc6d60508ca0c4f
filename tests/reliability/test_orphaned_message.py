"""A worker killed between taking a message and claiming its job: the job must not wait 6 h.

With acks_late, a consumer that takes a message parks it in kombu's `unacked` hash until it
acks; Redis gives it back only after the visibility timeout (6 hours here). If the consumer is
SIGKILLed after taking the message but before its claim committed, the job is still `queued`
(released) and its only message sits in `unacked`: the reconciler must treat that message as
lost once it has been taken longer than the stale window and put the job back to waiting, so
the dispatcher releases it again, or the job waits for the visibility timeout. The window is
milliseconds wide in a real worker, so this test opens it on purpose with a bare kombu
consumer that takes the message and is killed.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select
from support.fleet import wait_until

from producer.client import Client
from producer.embedded import PrivateRedis
from schemas.db import make_engine
from schemas.jobs import BatchLine
from schemas.tables import Job
from workers.lifecycle.broker_scan import RedisBrokerScan, job_ids_of
from workers.lifecycle.dispatcher import Dispatcher
from workers.lifecycle.publisher import Publisher
from workers.lifecycle.reconciler import Reconciler
from workers.runtime import utc_now
from workers.seat import Seat

pytestmark = pytest.mark.integration

STALE = timedelta(seconds=10)
TAKER = textwrap.dedent("""
    import sys, time
    from kombu import Connection
    with Connection(sys.argv[1], transport_options={"visibility_timeout": 21600}) as c:
        message = c.SimpleQueue("sealq").get(timeout=30)  # taken, not acked: parked
        print("taken", flush=True)
        time.sleep(600)
""")


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[str]:
    """A Redis of this test's own."""
    server = PrivateRedis.start(tmp_path)
    try:
        yield server.url
    finally:
        server.stop()


def _parked(url: str) -> list[str]:
    client = redis.Redis.from_url(url)
    try:
        return [job_id for raw in client.hvals("unacked")
                for job_id in job_ids_of(json.loads(raw)[0])]
    finally:
        client.close()


def _queue_length(url: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        return int(client.llen("sealq"))
    finally:
        client.close()


@pytest.mark.timeout(120)
def test_message_of_a_consumer_killed_before_its_claim_is_released_again(
        db_url: str, private_redis: str, settings_factory: Any) -> None:
    """A released job whose only message a dead consumer took goes back to waiting, and the
    dispatcher releases it again."""
    client = Client.from_settings(settings_factory(database_url=db_url,
                                                   broker_url=private_redis))
    try:
        batch = client.submit([BatchLine.from_request_body(
            {"messages": [{"role": "user", "content": "hi"}]}, "orphan")])
    finally:
        client.close()
    assert batch.created == 1
    jobs_db = make_engine(db_url)
    publisher = Publisher(private_redis)
    # A worker's seat for one slot, so the dispatcher releases the job to the queue.
    Seat(jobs_db, name="orphan-test", queue="sealq", slots=1,
         clock=utc_now).announce()
    dispatcher = Dispatcher(jobs_db, publisher.publish, owner="orphan-test")
    try:
        assert dispatcher.pass_once(utc_now()).released == 1
        assert _queue_length(private_redis) == 1
        taker = subprocess.Popen([sys.executable, "-c", TAKER, private_redis],
                                 stdout=subprocess.PIPE, text=True)
        try:
            assert taker.stdout is not None
            assert taker.stdout.readline().strip() == "taken"
        finally:
            taker.send_signal(signal.SIGKILL)
            taker.wait(timeout=30)
        (job_id,) = wait_until("the message to be parked", lambda: _parked(private_redis), 10)

        reconciler = Reconciler(jobs_db, RedisBrokerScan(private_redis), max_attempts=3,
                                stale_after=STALE)
        with jobs_db.connect() as connection:
            sent_at = connection.scalar(select(Job.enqueued_at).where(Job.id == job_id))
        assert sent_at is not None
        # An hour after the message was sent: far past the stale window, far inside 6 hours.
        report = reconciler.run(now=sent_at + timedelta(hours=1))
        assert report.lost_requeued == 1, (
            f"the job waits for the visibility timeout instead: {report}")
        with jobs_db.connect() as connection:
            assert connection.scalar(select(Job.enqueued_at).where(Job.id == job_id)) is None
        assert _queue_length(private_redis) == 0, "the reconciler itself publishes nothing"
        # The dispatcher's next pass releases it again (the worker's slot is free).
        assert dispatcher.pass_once(utc_now()).released == 1
        assert _queue_length(private_redis) == 1
    finally:
        publisher.close()
        jobs_db.dispose()
