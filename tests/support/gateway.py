"""The gateway on a real port in a background thread, for tests that drive it over HTTP."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import openai
import uvicorn

from producer.api.app import create_app
from producer.api.gateway import Gateway
from producer.tenants import Role
from support.services import free_port

START_SECONDS = 20


class GatewayServer:
    """A running gateway: its URL, the Gateway behind it, and SDK clients for its tenants."""

    def __init__(self, gateway: Gateway, port: int) -> None:
        self.gateway = gateway
        self.port = port
        self.url = f"http://127.0.0.1:{port}/v1"

    def key(self, tenant: str, *, role: Role = Role.SUBMITTER,
            expires_in: timedelta | None = None) -> str:
        """A new API key for the tenant (registered first if needed)."""
        tenants = self.gateway.tenants
        now = self.gateway.clock()
        if tenants.get(tenant) is None:
            tenants.add(tenant, now=now)
        _, key = tenants.issue_key(tenant, role=role, now=now, expires_in=expires_in)
        return key

    def sdk(self, key: str, *, max_retries: int = 0) -> openai.OpenAI:
        """The official client pointed at this gateway (no retries unless asked)."""
        return openai.OpenAI(base_url=self.url, api_key=key, max_retries=max_retries,
                             timeout=60)


@contextmanager
def serve(gateway: Gateway) -> Iterator[GatewayServer]:
    """Run the gateway's app on uvicorn in a thread until the block ends."""
    port = free_port()
    config = uvicorn.Config(create_app(gateway), host="127.0.0.1", port=port, log_config=None,
                            log_level="debug", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="gateway", daemon=True)
    thread.start()
    _wait(lambda: server.started, "the gateway to start")
    try:
        yield GatewayServer(gateway, port)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        logging.getLogger("uvicorn.error").handlers.clear()


def _wait(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
