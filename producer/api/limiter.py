"""Per-tenant request rates, shared by every gateway process through Redis (`limits`).

The sliding-window counter strategy keeps two counters per tenant and window, so memory does
not grow with traffic, and a burst at a window's edge cannot double the rate. If Redis cannot
be reached the gateway lets requests through (the database, not Redis, is what a request
needs) and says so in its log once a minute.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItemPerMinute
from limits.storage import RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from redis.exceptions import RedisError

from schemas.constants import API_RATE_LIMIT_PREFIX
from schemas.errors import LimitExceeded

log = logging.getLogger("sealq.api")

# Seconds between two warnings that Redis is down and limits are not enforced.
WARN_EVERY_SECONDS = 60.0


class RateLimiter:
    """Counts a tenant's requests per minute; raises LimitExceeded when one is over."""

    def __init__(self, redis_url: str) -> None:
        self._storage = RedisStorage(redis_url, key_prefix=API_RATE_LIMIT_PREFIX,
                                     socket_connect_timeout=2, socket_timeout=2)
        self._limiter = SlidingWindowCounterRateLimiter(self._storage)
        self._last_warning = 0.0

    def hit(self, tenant: str, per_minute: int) -> None:
        """Count one request of the tenant; LimitExceeded with Retry-After if over its rate."""
        item = RateLimitItemPerMinute(per_minute)
        try:
            if self._limiter.hit(item, "tenant", tenant):
                return
            reset_at, _remaining = self._limiter.get_window_stats(item, "tenant", tenant)
        except RedisError as e:
            now = time.monotonic()
            if now - self._last_warning >= WARN_EVERY_SECONDS:
                self._last_warning = now
                log.warning("rate limits not enforced: Redis unreachable (%s)", type(e).__name__)
            return
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise LimitExceeded(f"tenant {tenant!r} is over its limit of {per_minute} requests "
                            "per minute; retry later", retry_after=retry_after,
                            code="rate_limit_exceeded")

    def close(self) -> None:
        """Release the Redis connections."""
        self._storage.storage.close()
