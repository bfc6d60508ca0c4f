"""kombu's Redis transport with one redis-py client per connection pool.

kombu's Redis channel builds a new `redis.Redis` for every ack, every delivery's bookkeeping
and every publish, and each build copies redis-py's table of response callbacks: about a tenth
of a worker process's CPU at a few hundred jobs per second. A client holds no connection of its
own (each command borrows one from the pool; a pipeline is an object of its own), so one client
per pool is shared safely. A pool kombu replaces (after a disconnect) gets a new client.
schemas.messages.celery_config names this module's Transport for redis:// brokers.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    """A Redis channel that reuses its clients."""

    def _create_client(self, asynchronous: bool = False) -> Any:
        pool = self.async_pool if asynchronous else self.pool
        clients: dict[bool, Any] = self.__dict__.setdefault("_sealq_clients", {})
        client = clients.get(asynchronous)
        if client is None or client.connection_pool is not pool:
            # kombu is untyped: the client is a redis.Redis on `pool`.
            client = clients[asynchronous] = super()._create_client(  # type: ignore[no-untyped-call]
                asynchronous)
        return client


class Transport(kombu_redis.Transport):
    """kombu's Redis transport on the channel above."""

    Channel = Channel
