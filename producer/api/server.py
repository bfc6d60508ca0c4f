"""`sealq api`: the gateway on uvicorn, wired from settings."""

from __future__ import annotations

from producer.api.gateway import Defaults, Gateway
from producer.api.limiter import RateLimiter
from producer.audit import AuditLog
from producer.client import Client, utc_now
from schemas.settings import Settings


def build_gateway(settings: Settings) -> Gateway:
    """A gateway on the deployment's databases, key store and Redis."""
    client = Client.from_settings(settings)
    store = client.store
    return Gateway(client=client, store=store, files=client.files,
                   audit=AuditLog(store.engine), limiter=RateLimiter(settings.broker_url),
                   defaults=Defaults.from_settings(settings), clock=utc_now)

