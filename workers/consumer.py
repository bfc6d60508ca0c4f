"""Celery's consumer, sending the worker's task events in batches every EVENT_FLUSH_SECONDS.

Celery buffers task events and already publishes a buffer as one message, but it flushes on the
next turn of its event loop after any event, so at hundreds of jobs per second nearly every
event costs its consumer thread a Redis round trip of its own (a third of that thread's time).
Flushing at most every EVENT_FLUSH_SECONDS sends the same events, a fraction of a second later
(Flower shows them then), in a handful of messages per second.
"""

from __future__ import annotations

from celery.worker.consumer import Consumer as CeleryConsumer

# Celery's `worker_consumer` for sealq workers.
CONSUMER = "workers.consumer:Consumer"
# How long a task event may wait for company before it is sent.
EVENT_FLUSH_SECONDS = 0.1


class Consumer(CeleryConsumer):  # type: ignore[misc]  # Celery ships no type hints
    """Flushes buffered task events on a timer instead of on every loop turn."""

    _flush_pending = False

    def on_send_event_buffered(self) -> None:
        """Called (from any thread) when an event was buffered: make sure a flush is coming."""
        if self.hub is None or self._flush_pending:
            return
        self._flush_pending = True
        # Timers belong to the loop thread: it arms this one on its next turn.
        self.hub.call_soon(self._arm_flush)

    def _arm_flush(self) -> None:
        self.hub.call_later(EVENT_FLUSH_SECONDS, self._flush_buffered)

    def _flush_buffered(self) -> None:
        # Cleared first: an event buffered during the flush arms the next one.
        self._flush_pending = False
        self._flush_events()
