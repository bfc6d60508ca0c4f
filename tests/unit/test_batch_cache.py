"""The gateway's batch cache: at most one reading per batch and second, never a queue."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from producer.api.batch_cache import MAX_BATCHES, BatchCache
from producer.store import BatchTotals
from schemas.tables import Batch

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def row(batch_id: str) -> Batch:
    """A batch row as the database would give it."""
    return Batch(id=batch_id, tenant="acme", kind="free_text", queue="sealq", submit_key="k",
                 job_count=1, created_at=NOW, expires_at=NOW)


class Database:
    """A stand-in for the two reads: records each call, can be held mid-count."""

    def __init__(self) -> None:
        self.counts: list[tuple[str, ...]] = []
        self.loads: list[str] = []
        self.value = 0
        self.hold: threading.Event | None = None
        self.entered = threading.Event()
        self.missing: set[str] = set()

    def load(self, batch_id: str) -> Batch | None:
        self.loads.append(batch_id)
        return None if batch_id in self.missing else row(batch_id)

    def count(self, batch_ids: Sequence[str]) -> dict[str, BatchTotals]:
        self.counts.append(tuple(batch_ids))
        self.entered.set()
        if self.hold is not None:
            self.hold.wait(5)
        return {b: BatchTotals({"queued": self.value}, 0, 0, None) for b in batch_ids}


class Clock:
    """Seconds that move only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def cache(db: Database, clock: Clock, fresh: float = 1.0) -> BatchCache:
    """A cache over the stand-in."""
    return BatchCache(db.load, db.count, fresh_seconds=fresh, clock=clock)


def settled(batches: BatchCache, batch_id: str, queued: int) -> bool:
    """Whether the batch's reading shows `queued` within a few seconds (background reads)."""
    deadline = time.monotonic() + 5
    while (view := batches.view(batch_id)) is None or view[1].counts["queued"] != queued:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_batch_is_read_once_per_second() -> None:
    """The first read reads; reads within a second share it; after it, one read again."""
    db, clock = Database(), Clock()
    batches = cache(db, clock)
    view = batches.view("b")
    assert view is not None and view[1].counts["queued"] == 0
    db.value = 5
    clock.now += 0.5
    assert batches.view("b")[1].counts["queued"] == 0  # type: ignore[index]  # found above
    assert db.counts == [("b",)]
    clock.now += 0.6
    assert settled(batches, "b", 5)
    assert db.counts == [("b",), ("b",)] and db.loads == ["b", "b"]


def test_a_stale_reading_is_served_at_once_and_read_again_behind_it() -> None:
    """Past its second, a batch is answered from the last reading while one background read
    (never two) refreshes it; no request waits for the count."""
    db, clock = Database(), Clock()
    batches = cache(db, clock)
    batches.view("b")
    clock.now += 2
    db.value, db.hold, db.entered = 7, threading.Event(), threading.Event()
    assert batches.view("b")[1].counts["queued"] == 0  # type: ignore[index]  # stale, at once
    assert db.entered.wait(5), "a background read started"
    assert batches.view("b")[1].counts["queued"] == 0  # type: ignore[index]  # still reading
    db.hold.set()
    assert settled(batches, "b", 7), "the background read landed"
    assert len(db.counts) == 2


def test_missing_batches_are_not_remembered_forget_and_the_bound() -> None:
    """A missing id is looked up again next time; a forgotten batch is read again at once;
    the cache never holds more than its bound."""
    db, clock = Database(), Clock()
    batches = cache(db, clock, fresh=60)
    db.missing = {"later"}
    assert batches.view("later") is None
    db.missing = set()
    assert batches.view("later") is not None
    batches.view("b")
    batches.forget("b")
    batches.view("b")
    assert db.loads == ["later", "later", "b", "b"]
    batches.totals([row(f"x{i}") for i in range(MAX_BATCHES + 10)])
    assert len(batches._entries) == MAX_BATCHES
