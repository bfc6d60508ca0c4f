"""The three measurements on a live worker: head-of-line blocking, weighted shares, lane floor.

Each reads `finished_at` from the job database, so polling only tells when to look. Each ends
its leftover backlog (cancelled, the worker's queue drained) so the next starts clean.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bench.fairness_live import LiveQueue, Say
from schemas.states import Priority
from workers.runtime import utc_now

# Commits land a moment after their finished_at: wait this long past an interval's end.
COMMIT_LAG_SECONDS = 2.0


@dataclass(frozen=True)
class Backlog:
    """One tenant's side of a share measurement: its name, weight, lane and jobs."""

    tenant: str
    weight: int
    lane: Priority
    jobs: int


def head_of_line(queue: LiveQueue, *, a: str, b: str, a_jobs: int, b_jobs: int, warm: int,
                 first_prompt: int, fifo: bool, say: Say) -> dict[str, Any]:
    """A's bulk backlog runs; B's few normal jobs arrive: how many of A's finish before B's
    last, once `warm` of A's (at most a quarter) have finished. `fifo`: no dispatcher, every
    job is published the moment it is submitted."""
    warm = min(warm, a_jobs // 4)
    a_batch = queue.submit(a, a_jobs, first_prompt=first_prompt, priority=Priority.BULK)
    if fifo:
        queue.release_fifo(a_batch)
    queue.wait_until(lambda: queue.succeeded([a_batch]) >= warm, f"{a}'s first {warm} jobs")
    say(f"{a}: {warm} of {a_jobs} bulk jobs done; {b} submits {b_jobs} normal jobs")
    start = utc_now()
    b_batch = queue.submit(b, b_jobs, first_prompt=first_prompt + a_jobs,
                           priority=Priority.NORMAL)
    if fifo:
        queue.release_fifo(b_batch)
    queue.wait_until(lambda: queue.open_jobs([b_batch]) == 0, f"{b}'s jobs")
    b_first, b_last = queue.finished_range([b_batch])
    a_finished = queue.succeeded([a_batch], start, b_last)
    a_before = queue.succeeded([a_batch], None, start)
    a_left = queue.open_jobs([a_batch])
    cancelled = queue.end([a_batch])
    return {"fifo": fifo, "a_jobs": a_jobs, "b_jobs": b_jobs,
            "b_succeeded": queue.succeeded([b_batch]), "a_finished": a_finished,
            "a_done_before_b": a_before, "a_open_after_b": a_left, "a_cancelled": cancelled,
            "b_first_seconds": (b_first - start).total_seconds(),
            "b_last_seconds": (b_last - start).total_seconds()}


def shares(queue: LiveQueue, backlogs: list[Backlog], *,
           dispatcher: Callable[[], AbstractContextManager[object]], first_prompt: int,
           skip: float, seconds: float, say: Say) -> dict[str, Any]:
    """Every backlog submitted, then a dispatcher started; each tenant's share of the jobs
    that finished in [first finish + skip, + seconds], and whether every tenant still had work
    at the end. The dispatcher starts after the submits so its first window already sees every
    tenant: a window released to one tenant alone takes the engine most of a minute to finish
    on a small CPU, and would be counted as unfairness."""
    batches: dict[str, str] = {}
    for backlog in backlogs:
        batches[backlog.tenant] = queue.submit(backlog.tenant, backlog.jobs,
                                               first_prompt=first_prompt,
                                               priority=backlog.lane)
        first_prompt += backlog.jobs
    with dispatcher():
        found = _count_shares(queue, backlogs, batches, skip=skip, seconds=seconds, say=say)
    queue.end(list(batches.values()))
    return found


def _count_shares(queue: LiveQueue, backlogs: list[Backlog], batches: dict[str, str], *,
                  skip: float, seconds: float, say: Say) -> dict[str, Any]:
    every = list(batches.values())
    queue.wait_until(lambda: queue.succeeded(every) > 0, "the first finished job")
    first, _ = queue.finished_range(every)
    start = first + timedelta(seconds=skip)
    end = start + timedelta(seconds=seconds)
    say(f"shares: counting jobs finished in the {seconds:g} s from {start:%H:%M:%S}")
    wait = (end - utc_now()).total_seconds() + COMMIT_LAG_SECONDS
    if wait > 0:
        time.sleep(wait)
    counts = {tenant: queue.succeeded([batch], start, end) for tenant, batch in batches.items()}
    still_open = {tenant: queue.open_jobs([batch]) for tenant, batch in batches.items()}
    total = sum(counts.values())
    return {"seconds": seconds, "skip_seconds": skip, "completed": total,
            "jobs_per_s": total / seconds, "counts": counts,
            "shares": {tenant: (count / total if total else 0.0)
                       for tenant, count in counts.items()},
            "weights": {b.tenant: b.weight for b in backlogs},
            "lanes": {b.tenant: b.lane.value for b in backlogs},
            "open_at_end": still_open,
            "all_backlogged": all(count > 0 for count in still_open.values())}
