"""A worker announces itself: the queue it consumes and its slots, renewed every few seconds.

The dispatcher sizes each queue's window from the slots of workers heard from recently, so a
worker that dies stops counting within WORKER_STALE_SECONDS, and one stopped cleanly at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, delete, update
from sqlalchemy.orm import Session

from schemas.constants import WORKER_HEARTBEAT_SECONDS
from schemas.db import store_errors
from schemas.errors import StoreError
from schemas.tables import WorkerSeat

log = logging.getLogger("sealq.worker")


class Seat:
    """This worker's row in `workers`."""

    def __init__(self, engine: Engine, *, name: str, queue: str, slots: int,
                 clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self.name = name
        self.queue = queue
        self.slots = slots
        self._clock = clock
        self._started = clock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def announce(self) -> None:
        """Write (or renew) the row now."""
        now = self._clock()
        with store_errors(), Session(self._engine) as session, session.begin():
            result = session.execute(
                update(WorkerSeat).where(WorkerSeat.name == self.name)
                .values(queue=self.queue, slots=self.slots, seen_at=now))
            if not result.rowcount:  # type: ignore[attr-defined]  # CursorResult
                session.add(WorkerSeat(name=self.name, queue=self.queue, slots=self.slots,
                                       started_at=self._started, seen_at=now))

    def start(self) -> None:
        """Announce now, then every WORKER_HEARTBEAT_SECONDS from a daemon thread."""
        self.announce()
        self._thread = threading.Thread(target=self._keep, name="sealq-seat", daemon=True)
        self._thread.start()

    def _keep(self) -> None:
        while not self._stop.wait(WORKER_HEARTBEAT_SECONDS):
            try:
                self.announce()
            except StoreError as e:
                log.warning("could not announce this worker (%s); retrying", e)

    def leave(self) -> None:
        """Stop announcing and delete the row, so the dispatcher stops counting it at once."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            with store_errors(), Session(self._engine) as session, session.begin():
                session.execute(delete(WorkerSeat).where(WorkerSeat.name == self.name))
        except StoreError as e:
            log.warning("could not withdraw this worker (%s); it lapses by itself", e)
