"""A collection repeated on an interval in the background, keeping its last good result.

Scrapes read the latest result and never wait on a slow source. A collection that outlives
its timeout counts as failed and is left behind (its thread is a daemon); at most MAX_HUNG
such threads may pile up before the poller stops starting new ones until they finish.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger("sealq.exporter")
T = TypeVar("T")
MAX_HUNG = 3


@dataclass(frozen=True)
class Reading(Generic[T]):
    """The last good value, when it was taken, and whether the latest attempt succeeded."""

    value: T | None
    succeeded_at: float | None
    ok: bool


class Poller(Generic[T]):
    """Calls `collect` every `interval` seconds in a daemon thread."""

    def __init__(self, name: str, collect: Callable[[], T], *, interval: float, timeout: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self._collect = collect
        self._interval = interval
        self._timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._reading: Reading[T] = Reading(value=None, succeeded_at=None, ok=False)
        self._stop = threading.Event()
        self._hung: list[threading.Thread] = []
        self._failing = False
        self._thread = threading.Thread(target=self._loop, name=f"poll-{name}", daemon=True)

    def start(self) -> None:
        """Begin collecting; the first collection starts at once."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current collection."""
        self._stop.set()

    def latest(self) -> Reading[T]:
        """The current reading; never blocks on the source."""
        with self._lock:
            return self._reading

    def run_once(self) -> bool:
        """One bounded collection; records and returns whether it succeeded."""
        self._hung = [thread for thread in self._hung if thread.is_alive()]
        if len(self._hung) >= MAX_HUNG:
            self._log_change(False, [f"{MAX_HUNG} collections hung"])
            self._record(None, ok=False)
            return False
        box: dict[str, T] = {}
        errors: list[str] = []
        thread = threading.Thread(target=self._collect_into, args=(box, errors),
                                  name=f"collect-{self.name}", daemon=True)
        thread.start()
        thread.join(self._timeout)
        if thread.is_alive():
            self._hung.append(thread)
            errors.append(f"still running after {self._timeout:.1f} s")
        ok = "value" in box and not thread.is_alive()
        self._log_change(ok, errors)
        self._record(box.get("value") if ok else None, ok=ok)
        return ok

    def _collect_into(self, box: dict[str, T], errors: list[str]) -> None:
        try:
            box["value"] = self._collect()
        except Exception as e:  # noqa: BLE001  # a metrics source may fail any way; keep serving
            # The type only: a driver's message may quote connection details.
            errors.append(type(e).__name__)

    def _log_change(self, ok: bool, errors: list[str]) -> None:
        """Log when the source starts failing or recovers, not on every interval."""
        if not ok and not self._failing:
            log.warning("%s collection failed (%s); serving the last snapshot", self.name,
                        ", ".join(errors) or "unknown")
        elif ok and self._failing:
            log.info("%s collection recovered", self.name)
        self._failing = not ok

    def _record(self, value: T | None, *, ok: bool) -> None:
        with self._lock:
            if ok:
                self._reading = Reading(value=value, succeeded_at=self._clock(), ok=True)
            else:
                self._reading = Reading(value=self._reading.value,
                                        succeeded_at=self._reading.succeeded_at, ok=False)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self._interval)
