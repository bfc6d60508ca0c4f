"""The dispatcher's loop outlives a failing database and its own bugs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from schemas import constants
from schemas.errors import StoreUnavailable
from workers.lifecycle import dispatcher as dispatcher_module
from workers.lifecycle.dispatcher import Dispatcher, DispatchReport

T0 = datetime(2030, 1, 1, tzinfo=UTC)


class Scripted(Dispatcher):
    """A dispatcher whose passes fail as scripted, then stops its own loop."""

    def __init__(self, stop: threading.Event, script: list[BaseException | None]) -> None:
        self._stop_event = stop
        self._script = script
        self.passes = 0
        self.resigned = False
        self._renew_at = None

    def pass_once(self, now: datetime) -> DispatchReport:
        self.passes += 1
        outcome = self._script.pop(0) if self._script else None
        if not self._script:
            self._stop_event.set()
        if outcome is not None:
            raise outcome
        return DispatchReport(active=True)

    def resign(self, now: datetime) -> None:
        self.resigned = True


def test_failures_are_waited_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """A database outage and an unexpected error each cost a retry, not the dispatcher."""
    monkeypatch.setattr(dispatcher_module, "RETRY_INTERVAL_SECONDS", (0.001, 0.002))
    stop = threading.Event()
    scripted = Scripted(stop, [StoreUnavailable("database unreachable"), RuntimeError("bug"),
                               None])
    scripted.run(stop, lambda: T0, interval=0.001)
    assert scripted.passes == 3 and scripted.resigned


class Ear:
    """Stands in for the LISTEN connection: records how long each wait was allowed."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def wait(self, stop: threading.Event, seconds: float, *, deaf_seconds: float) -> bool:
        self.waits.append(seconds)
        return True


def test_an_active_dispatcher_listens_between_passes_and_a_failing_one_backs_off(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """After a good pass it waits on its ear for up to the quiet tick; after a failed pass it
    waits out the retry interval without listening (a wake-up must not hurry a retry)."""
    monkeypatch.setattr(dispatcher_module, "RETRY_INTERVAL_SECONDS", (0.001, 0.002))
    monkeypatch.setattr(constants, "DISPATCH_GAP_SECONDS", 0.0)
    stop = threading.Event()
    scripted = Scripted(stop, [None, StoreUnavailable("database unreachable"), None, None])
    ear = Ear()
    scripted.run(stop, lambda: T0, interval=0.001, wakeups=ear)  # type: ignore[arg-type]
    assert scripted.passes == 4
    assert ear.waits == [constants.DISPATCH_IDLE_SECONDS] * 3  # after passes 1, 3 and 4
