"""Waiting on a batch is never silent: a live bar on a terminal, progress lines elsewhere."""

from __future__ import annotations

import io

from rich.console import Console

from producer.waiting import LineProgress, LiveProgress, progress_display, progress_line


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def counts(queued: int, running: int, succeeded: int, failed: int = 0) -> dict[str, int]:
    """Counts in the shape status returns (every state present)."""
    return {"queued": queued, "running": running, "succeeded": succeeded, "failed": failed,
            "rejected": 0, "cancelled": 0, "expired": 0}


def test_progress_line_says_done_of_total_and_what_is_left() -> None:
    """`3/8 done (running 2, queued 3), 42 s`; finished batches say only done and time."""
    assert progress_line(counts(3, 2, 2, 1), elapsed=42.4) == "3/8 done (running 2, queued 3), 42 s"
    assert progress_line(counts(0, 0, 7, 1), elapsed=90) == "8/8 done, 90 s"


def test_lines_on_change_and_a_heartbeat_when_nothing_moves() -> None:
    """A line for the first poll, each change, and every heartbeat while nothing changes."""
    out, clock = io.StringIO(), Clock()
    display = LineProgress(Console(file=out, width=200), clock=clock, heartbeat=15)
    for moment, now_counts in [(0, counts(8, 0, 0)), (1, counts(8, 0, 0)), (14, counts(8, 0, 0)),
                               (16, counts(8, 0, 0)), (17, counts(4, 4, 0)),
                               (18, counts(4, 4, 0)), (40, counts(0, 0, 8))]:
        clock.now = 100 + moment
        display.update(now_counts)
    assert out.getvalue().splitlines() == [
        "0/8 done (queued 8), 0 s", "0/8 done (queued 8), 16 s",
        "0/8 done (running 4, queued 4), 17 s", "8/8 done, 40 s"]


def test_the_terminal_gets_the_live_bar_and_a_pipe_gets_lines() -> None:
    """progress_display picks rich's bar for a terminal and plain lines for a file or pipe."""
    piped = Console(file=io.StringIO())
    terminal = Console(file=io.StringIO(), force_terminal=True)
    assert isinstance(progress_display(piped, "jobs"), LineProgress)
    live = progress_display(terminal, "jobs")
    assert isinstance(live, LiveProgress)
    with live:
        live.update(counts(1, 1, 2))
