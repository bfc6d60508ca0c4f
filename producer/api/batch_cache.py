"""Batches as the gateway reads them (the row and its totals), cached for a second.

Counting a 50,000-job batch costs tens of milliseconds, and tenants poll the same batch over
and over: reading it at most once a second per gateway process keeps `GET /v1/batches/{id}`
cheap. A stale reading is answered at once while a background thread reads the batch again,
so no request waits behind a count (a reading is served up to a few seconds old). A cancel
or a delete through this process forgets the batch at once; other gateway processes show it
within a second or two.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from producer.store import BatchTotals
from schemas.tables import Batch

log = logging.getLogger("sealq.api")

# How old a batch's reading may be before the next request reads it again.
FRESH_SECONDS = 1.0
# How old it may be and still be served while another thread reads it again.
STALE_SECONDS = 10.0
# Batches remembered at most (least recently used go first).
MAX_BATCHES = 4096

Count = Callable[[Sequence[str]], dict[str, BatchTotals]]
Load = Callable[[str], Batch | None]
View = tuple[Batch, BatchTotals]


class BatchCache:
    """(row, totals) per batch id, read again at most once per `fresh_seconds`."""

    def __init__(self, load: Load, count: Count, *, fresh_seconds: float = FRESH_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._load = load
        self._count = count
        self._fresh = fresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float, View]] = OrderedDict()
        self._reading: set[str] = set()

    def view(self, batch_id: str) -> View | None:
        """The batch and its totals (None if there is no such batch). A fresh reading is
        served as it is; a stale one too, while a background thread reads the batch again
        (no request waits for a count); only a batch never read is read on the spot, and
        every read is with `fresh_seconds` 0."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(batch_id)
            if entry is not None:
                self._entries.move_to_end(batch_id)
                age = now - entry[0]
                if age < self._fresh:
                    return entry[1]
                if self._fresh > 0 and age < STALE_SECONDS:
                    if batch_id not in self._reading:
                        self._reading.add(batch_id)
                        threading.Thread(target=self._refresh_quietly, args=(batch_id,),
                                         name="sealq-batch-read", daemon=True).start()
                    return entry[1]
            self._reading.add(batch_id)
        return self._refresh(batch_id)

    def _refresh_quietly(self, batch_id: str) -> None:
        try:
            self._refresh(batch_id)
        except Exception as e:  # noqa: BLE001  # the last reading stays; the next read retries
            log.warning("batch %s: reading it again failed (%s)", batch_id, type(e).__name__)

    def _refresh(self, batch_id: str) -> View | None:
        started = self._clock()
        try:
            batch = self._load(batch_id)
            if batch is None:
                self.forget(batch_id)
                return None  # never cached: an id that appears later is found at once
            found = (batch, self._count([batch_id])[batch_id])
        finally:
            with self._lock:
                self._reading.discard(batch_id)
        self._remember([found], started)
        return found

    def totals(self, batches: Sequence[Batch]) -> dict[str, BatchTotals]:
        """Totals of a page of batches: counted together in one query, then remembered."""
        counted = self._count([batch.id for batch in batches]) if batches else {}
        self._remember([(batch, counted[batch.id]) for batch in batches], self._clock())
        return counted

    def forget(self, batch_id: str) -> None:
        """Drop a batch (it was just cancelled or had a file deleted)."""
        with self._lock:
            self._entries.pop(batch_id, None)

    def _remember(self, views: Sequence[View], now: float) -> None:
        with self._lock:
            for view in views:
                self._entries[view[0].id] = (now, view)
                self._entries.move_to_end(view[0].id)
            while len(self._entries) > MAX_BATCHES:
                self._entries.popitem(last=False)
