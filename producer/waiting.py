"""Showing a batch's progress while waiting: a live bar on a terminal, plain lines elsewhere.

A CI log or `| tee` gets no live display (rich turns it off there), so it gets a line when the
jobs' counts change and a heartbeat line at least every `heartbeat` seconds instead, e.g.
`3/8 done (running 2, queued 3), 42 s`. Nothing is ever silent for long.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from producer.tracker import pending

# Seconds between two progress lines when nothing changes (a log must show it is alive).
HEARTBEAT_SECONDS = 15.0


class ProgressDisplay:
    """Shows counts of one batch's jobs by state; use as a context manager."""

    def update(self, counts: dict[str, int]) -> None:
        """Show the latest counts."""
        raise NotImplementedError

    def __enter__(self) -> ProgressDisplay:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        return None


class LiveProgress(ProgressDisplay):
    """rich's live progress bar, for a terminal."""

    def __init__(self, console: Console, description: str) -> None:
        self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(), console=console)
        self._task = self._progress.add_task(description, total=None)

    def update(self, counts: dict[str, int]) -> None:
        """Move the bar."""
        total = sum(counts.values())
        self._progress.update(self._task, total=total, completed=total - pending(counts))

    def __enter__(self) -> LiveProgress:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._progress.stop()


class LineProgress(ProgressDisplay):
    """One line per change of the counts, and a heartbeat line when nothing changes."""

    def __init__(self, console: Console, *, clock: Callable[[], float] = time.monotonic,
                 heartbeat: float = HEARTBEAT_SECONDS) -> None:
        self._console = console
        self._clock = clock
        self._heartbeat = heartbeat
        self._started = clock()
        self._last_line: float | None = None
        self._last_counts: dict[str, int] | None = None

    def update(self, counts: dict[str, int]) -> None:
        """Print a line if the counts changed or the heartbeat is due."""
        now = self._clock()
        due = self._last_line is None or now - self._last_line >= self._heartbeat
        if counts == self._last_counts and not due:
            return
        self._last_counts, self._last_line = dict(counts), now
        self._console.print(progress_line(counts, elapsed=now - self._started),
                            highlight=False, markup=False)


def progress_line(counts: dict[str, int], *, elapsed: float) -> str:
    """`3/8 done (running 2, queued 3), 42 s`: finished jobs first, then what is left."""
    total = sum(counts.values())
    left = [(state, counts.get(state, 0)) for state in ("running", "queued")]
    detail = ", ".join(f"{state} {n}" for state, n in left if n)
    return (f"{total - pending(counts)}/{total} done" + (f" ({detail})" if detail else "")
            + f", {elapsed:.0f} s")


def progress_display(console: Console, description: str) -> ProgressDisplay:
    """The live bar when the console is a terminal, progress lines when it is not."""
    if console.is_terminal:
        return LiveProgress(console, description)
    return LineProgress(console)
