"""Task events leave the worker in batches: one flush per EVENT_FLUSH_SECONDS, not per event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workers.consumer import EVENT_FLUSH_SECONDS, Consumer


class Hub:
    """Records what the consumer asks of Celery's event loop."""

    def __init__(self) -> None:
        self.soon: list[Callable[[], Any]] = []
        self.later: list[tuple[float, Callable[[], Any]]] = []

    def call_soon(self, callback: Callable[[], Any]) -> None:
        self.soon.append(callback)

    def call_later(self, delay: float, callback: Callable[[], Any]) -> None:
        self.later.append((delay, callback))


def consumer_with(hub: Hub | None) -> tuple[Consumer, list[int]]:
    """A Consumer with only what the event path touches; counts its flushes."""
    consumer = Consumer.__new__(Consumer)  # no broker connection: only the event path runs
    consumer.hub = hub
    flushes: list[int] = []
    consumer._flush_events = lambda: flushes.append(1)
    return consumer, flushes


def test_many_events_arm_one_timed_flush() -> None:
    """Fifty events buffered before the loop turns: one timer, one flush."""
    hub = Hub()
    consumer, flushes = consumer_with(hub)
    for _ in range(50):
        consumer.on_send_event_buffered()
    assert len(hub.soon) == 1 and hub.later == []
    hub.soon.pop()()  # the loop's next turn arms the timer
    assert [delay for delay, _ in hub.later] == [EVENT_FLUSH_SECONDS]
    hub.later.pop()[1]()  # the timer fires
    assert flushes == [1]


def test_an_event_after_a_flush_arms_the_next_one() -> None:
    """Nothing buffered is left behind: the next event after a flush arms a new timer."""
    hub = Hub()
    consumer, flushes = consumer_with(hub)
    consumer.on_send_event_buffered()
    hub.soon.pop()()
    hub.later.pop()[1]()
    consumer.on_send_event_buffered()
    assert len(hub.soon) == 1
    hub.soon.pop()()
    hub.later.pop()[1]()
    assert flushes == [1, 1]


def test_without_an_event_loop_nothing_is_scheduled() -> None:
    """No hub (Celery's non-loop pools): Celery sends each event itself; nothing to arm."""
    consumer, flushes = consumer_with(None)
    consumer.on_send_event_buffered()
    assert flushes == []
