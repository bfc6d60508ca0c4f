"""Database engines: a hard bound on connections per process, and waiting for a database."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import TimeoutError as PoolTimeout

from schemas.db import make_engine, store_errors, wait_until_reachable
from schemas.errors import StoreUnavailable


def test_postgres_engine_opens_at_most_its_pool_size() -> None:
    """pool_size connections and no overflow: max_connections can be sized from the sum."""
    engine = make_engine("postgresql+psycopg://u@127.0.0.1:1/db", pool_size=7)
    assert engine.pool.size() == 7  # type: ignore[attr-defined]  # QueuePool
    assert engine.pool._max_overflow == 0  # type: ignore[attr-defined]  # QueuePool internals


def test_an_exhausted_pool_is_reported_as_a_store_error() -> None:
    """Waiting too long for a pooled connection is StoreUnavailable, not a stray exception."""
    with pytest.raises(StoreUnavailable, match="no free connection"), store_errors():
        raise PoolTimeout("QueuePool limit reached")


def test_waiting_gives_up_after_its_deadline_and_says_why() -> None:
    """wait_until_reachable retries once a second, then raises StoreUnavailable."""
    ticks = iter(range(100))
    slept: list[float] = []
    engine = make_engine("postgresql+psycopg://u@127.0.0.1:1/db", pool_size=1)
    with pytest.raises(StoreUnavailable, match="job database unreachable"):
        wait_until_reachable(engine, "job database", seconds=3, clock=lambda: next(ticks),
                             sleep=slept.append)
    assert slept == [1.0, 1.0]  # deadline 3 from t=0; tries at t=1, 2, 3
