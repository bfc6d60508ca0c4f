"""The worker's Redis transport: kombu's, reusing one client per pool, on a real Redis."""

from __future__ import annotations

import pytest
from celery import Celery

from schemas.messages import celery_config
from workers.broker_transport import Transport

pytestmark = pytest.mark.integration


def test_a_redis_broker_url_gets_the_transport_that_reuses_clients(redis_url: str) -> None:
    """Every client a channel asks for is the same one, until its pool is replaced."""
    app = Celery("transport-test", set_as_current=False)
    app.conf.update(celery_config(redis_url))
    with app.connection_for_write() as connection:
        assert isinstance(connection.transport, Transport)
        channel = connection.default_channel
        first = channel._create_client()
        assert channel._create_client() is first
        assert channel._create_client(asynchronous=True) is not first
        channel._disconnect_pools()  # what kombu does after losing the server
        again = channel._create_client()
        assert again is not first and again.connection_pool is channel.pool
        assert again.ping()


def test_messages_still_go_through_and_are_acked(redis_url: str) -> None:
    """Publish, consume and ack through the transport: the queue and kombu's unacked hash end
    empty."""
    app = Celery("transport-test", set_as_current=False)
    app.conf.update(celery_config(redis_url))
    with app.connection_for_write() as connection:
        queue = connection.SimpleQueue("sealq-transport-test")
        for n in range(20):
            queue.put({"n": n})
        got = []
        for _ in range(20):
            message = queue.get(timeout=5)
            got.append(message.payload["n"])
            message.ack()
        assert got == list(range(20))
        client = connection.default_channel._create_client()
        assert client.llen("sealq-transport-test") == 0
        assert client.hlen("unacked") == 0
        queue.close()


def test_other_schemes_keep_kombus_own_transport() -> None:
    """rediss:// and sentinel:// keep kombu's transports, with their own TLS and discovery."""
    assert "broker_transport" not in celery_config("rediss://h:6380/0")
    assert "broker_transport" not in celery_config("sentinel://h:26379/0")
    assert celery_config("redis://h:6379/0")["broker_transport"] == \
        "workers.broker_transport:Transport"


def test_a_taken_message_leaves_no_copy_in_redis(redis_url: str) -> None:
    """No ack emulation: a message taken and not acked is gone from Redis (the database and
    the reconciler recover its job), and kombu's unacked hash is never written."""
    assert celery_config(redis_url)["broker_transport_options"]["ack_emulation"] is False
    app = Celery("transport-test", set_as_current=False)
    app.conf.update(celery_config(redis_url))
    with app.connection_for_write() as connection:
        queue = connection.SimpleQueue("sealq-transport-taken")
        queue.put({"n": 1})
        taken = queue.get(timeout=5)
        assert taken.payload == {"n": 1}
        client = connection.default_channel._create_client()
        assert client.llen("sealq-transport-taken") == 0
        assert not client.exists("unacked", "unacked_index")
        queue.close()
