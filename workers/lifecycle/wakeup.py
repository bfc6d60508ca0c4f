"""The dispatcher's ear: a LISTEN connection of its own on the job database (PostgreSQL).

`Wakeups.wait` returns as soon as a committed transaction asked for a pass
(schemas.wakeup), when its time is up, or when the stop event is set. A lost connection is
opened again on a later wait; what was said meanwhile is missed, which the dispatcher's slow
tick covers.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

from sqlalchemy import Engine

from schemas.wakeup import CHANNEL

log = logging.getLogger("sealq.dispatcher")

# The stop event is looked at this often while waiting for a wake-up.
STOP_CHECK_SECONDS = 0.25
# After a failed connection, wait this long before trying again.
RECONNECT_SECONDS = 5.0


class Wakeups:
    """LISTEN on the dispatch channel; `wait` until a wake-up, a timeout or a stop."""

    def __init__(self, jobs_db: Engine) -> None:
        self._jobs_db = jobs_db
        self._connection: Any = None  # psycopg.Connection, opened on first use
        self._retry_at = 0.0

    @classmethod
    def for_database(cls, jobs_db: Engine) -> Wakeups | None:
        """An ear on PostgreSQL; None on SQLite, which has no notifications."""
        return cls(jobs_db) if jobs_db.dialect.name == "postgresql" else None

    def wait(self, stop: threading.Event, seconds: float, *, deaf_seconds: float) -> bool:
        """Block until a wake-up arrives (True), `seconds` pass or `stop` is set (False);
        without a listening connection, `deaf_seconds` at most. Every wake-up already
        waiting is consumed: one pass answers them all."""
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            connection = self._listening()
            if connection is None:
                stop.wait(min(left, deaf_seconds))
                return False
            try:
                woken = any(True for _ in connection.notifies(
                    timeout=min(left, STOP_CHECK_SECONDS), stop_after=1))
                if woken:
                    for _ in connection.notifies(timeout=0):
                        pass
                    return True
            except Exception as e:  # noqa: BLE001  # a broken ear must not stop the dispatcher
                log.warning("dispatcher: lost its wake-up connection (%s); ticking fast "
                            "until it is back", type(e).__name__)
                self._drop()
        return False

    def _listening(self) -> Any:
        if self._connection is not None:
            return self._connection
        if time.monotonic() < self._retry_at:
            return None
        try:
            dialect = self._jobs_db.dialect
            args, kwargs = dialect.create_connect_args(self._jobs_db.url)
            connection = dialect.connect(*args, **kwargs)
            connection.autocommit = True
            connection.execute(f"LISTEN {CHANNEL}")
        except Exception as e:  # noqa: BLE001  # the driver's message may quote the URL
            log.warning("dispatcher: cannot listen for wake-ups (%s); ticking fast instead",
                        type(e).__name__)
            self._retry_at = time.monotonic() + RECONNECT_SECONDS
            return None
        self._connection = connection
        return connection

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        self._retry_at = time.monotonic() + RECONNECT_SECONDS
        if connection is not None:
            with contextlib.suppress(Exception):  # already broken; nothing to keep
                connection.close()

    def close(self) -> None:
        """Stop listening."""
        self._drop()
