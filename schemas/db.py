"""Database engines for the job database and the key store, on SQLite or PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from schemas.constants import DEFAULT_DB_POOL_SIZE
from schemas.errors import StoreUnavailable

# SQLite waits this long for a lock before failing: producers, workers and the sweeper share
# one file in the embedded default, and their transactions are short.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, *, pool_size: int = DEFAULT_DB_POOL_SIZE) -> Engine:
    """An engine with sealq's connection settings for that backend.

    On PostgreSQL it opens at most `pool_size` connections (no overflow), so the sum over all
    processes is known and PostgreSQL's max_connections can be sized to it.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                                                  "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # pool_pre_ping: a worker outlives PostgreSQL restarts; stale connections are replaced
    # instead of failing the next job.
    return create_engine(url, pool_size=pool_size, max_overflow=0, pool_pre_ping=True,
                         pool_recycle=1800)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (status, metrics) run beside the one writer.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Zero deleted content instead of leaving it in free pages: erased sealed parts and
    # destroyed bucket keys must not survive in the file (some builds default to off).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def store_errors(what: str = "job database") -> Iterator[None]:
    """Report a database that cannot be reached as StoreUnavailable, naming no data."""
    try:
        yield
    except (OperationalError, InterfaceError) as e:
        # The driver's message may quote SQL parameters: keep only its type.
        raise StoreUnavailable(f"{what} unreachable or failing ({type(e.orig).__name__})") \
            from None
    except PoolTimeout:
        # Every pooled connection stayed busy for the pool's timeout: the database is too slow.
        raise StoreUnavailable(f"{what} too slow: no free connection in the pool") from None


def wait_until_reachable(engine: Engine, what: str, *, seconds: float,
                         clock: Callable[[], float] = time.monotonic,
                         sleep: Callable[[float], None] = time.sleep) -> None:
    """Retry connecting for up to `seconds` (a database still starting); StoreUnavailable after.

    A container started beside its database (compose) may come up first, or while the
    database's image still runs its init-time server, which accepts no TCP connections.
    """
    deadline = clock() + seconds
    while True:
        try:
            with store_errors(what), engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return
        except StoreUnavailable:
            if clock() >= deadline:
                raise
            sleep(1.0)
