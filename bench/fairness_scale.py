"""The dispatcher's pass against a deep backlog: does choosing a window stay flat?

Each size gets its own PostgreSQL database (filled by `bench.fairness_fill`) and its own
private Redis; a fake worker row offers the slots. The sizes are then measured in turns, one
repeat of each before the next, the order swapped every repeat, so a neighbour's load on the
machine falls on every size alike. A repeat times `Dispatcher._choose` choosing a full window,
then a whole `Dispatcher.pass_once` (lease, slots, in-flight count, choose, mark, publish),
reads Redis's memory, and puts the released jobs back to waiting with the queue emptied.
Every `WaitingJobs` call the dispatcher makes is timed and counted, so a query that grows with
the backlog shows by name.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import Engine, func, select, text

from bench.backend import backend
from bench.fairness_fill import explain, fill
from schemas.constants import DEFAULT_QUEUE, DISPATCH_MIN_HEADROOM
from schemas.db import make_engine
from schemas.states import JobState
from schemas.tables import Job
from workers.lifecycle.broker_scan import job_ids_of
from workers.lifecycle.dispatcher import Dispatcher
from workers.lifecycle.publisher import Publisher
from workers.lifecycle.waiting import WaitingJobs, window_for
from workers.runtime import utc_now
from workers.seat import Seat

FAKE_WORKER = "bench-fake-worker"
# The dispatcher's reads and writes of the job database, timed one by one.
PROFILED = ("live_slots", "in_flight", "lanes_with_work", "tenants", "weights", "next_jobs",
            "mark_released")
_RESET = text("UPDATE jobs SET enqueued_at = NULL "
              "WHERE state = 'queued' AND enqueued_at IS NOT NULL")


def summary_ms(seconds: list[float]) -> dict[str, float]:
    """Median, 90th percentile and maximum, in milliseconds."""
    ordered = sorted(seconds)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {"median_ms": statistics.median(ordered) * 1000, "p90_ms": p90 * 1000,
            "max_ms": ordered[-1] * 1000}


class QueryClock:
    """Wraps a WaitingJobs' methods (this instance only): calls, seconds and rows per name."""

    def __init__(self, waiting: WaitingJobs) -> None:
        self.calls: Counter[str] = Counter()
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.rows: Counter[str] = Counter()
        for name in PROFILED:
            setattr(waiting, name, self._timed(name, getattr(waiting, name)))

    def _timed(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            found = method(*args, **kwargs)
            self.seconds[name] += time.perf_counter() - started
            self.calls[name] += 1
            if isinstance(found, list | set | dict):
                self.rows[name] += len(found)
            return found
        return timed

    def reset(self) -> None:
        """Start counting afresh."""
        self.calls.clear()
        self.seconds.clear()
        self.rows.clear()


class ScaleBacklog:
    """One size: its database, Redis, fake worker and dispatcher, and what its repeats took."""

    def __init__(self, jobs: int, engine: Engine, broker: redis.Redis, publisher: Publisher,
                 *, slots: int, fill_seconds: float) -> None:
        self.jobs = jobs
        self.fill_seconds = fill_seconds
        self.engine = engine
        self._broker = broker
        self._seat = Seat(engine, name=FAKE_WORKER, queue=DEFAULT_QUEUE, slots=slots,
                          clock=utc_now)
        self.dispatcher = Dispatcher(engine, publisher.publish, owner="bench-scale")
        self.clock = QueryClock(self.dispatcher._waiting)
        self.window = window_for(slots, self.dispatcher.headroom, DISPATCH_MIN_HEADROOM)
        self.choose: list[float] = []
        self.choose_warm: list[float] = []
        self.passes: list[float] = []
        self.choose_queries: list[dict[str, dict[str, float]]] = []
        self.lanes: Counter[str] = Counter()
        self.tenants = 0
        self._seat.announce()
        self._reset()
        self.redis_empty = self._used_memory()
        self.redis_window = 0
        self.dispatcher.pass_once(utc_now())  # untimed: the lease row, Celery's connection
        self._reset()

    def _used_memory(self) -> int:
        return int(self._broker.info("memory")["used_memory"])

    def _reset(self) -> None:
        """Every released job waits again; the broker's queue is empty."""
        with self.engine.begin() as connection:
            connection.execute(_RESET)
        self._broker.delete(DEFAULT_QUEUE)

    def repeat(self) -> None:
        """Choose a full window, then a whole pass; Redis memory; then put it all back."""
        self._seat.announce()
        # Cold: the lanes' tenants and the weights are read anew, as once a second in steady
        # state; warm: a pass within that second, from the dispatcher's cache.
        self.dispatcher._tenant_cache.clear()
        self.dispatcher._weights_read = None
        self.clock.reset()
        started = time.perf_counter()
        chosen = self.dispatcher._choose(DEFAULT_QUEUE, self.window, utc_now())
        self.choose.append(time.perf_counter() - started)
        self.choose_queries.append({name: {"calls": self.clock.calls[name],
                                           "ms": self.clock.seconds[name] * 1000,
                                           "rows": self.clock.rows[name]}
                                    for name in self.clock.calls})
        if len(chosen) != self.window:
            raise RuntimeError(f"chose {len(chosen)} jobs for a window of {self.window}")
        started = time.perf_counter()
        self.dispatcher._choose(DEFAULT_QUEUE, self.window, utc_now())
        self.choose_warm.append(time.perf_counter() - started)
        started = time.perf_counter()
        report = self.dispatcher.pass_once(utc_now())
        self.passes.append(time.perf_counter() - started)
        in_redis = sum(len(job_ids_of(json.loads(raw)))
                       for raw in self._broker.lrange(DEFAULT_QUEUE, 0, -1))
        if report.released != self.window or in_redis != self.window:
            raise RuntimeError(f"released {report.released} ({in_redis} in Redis) for a window "
                               f"of {self.window}")
        self.redis_window = max(self.redis_window, self._used_memory())
        released = (Job.state == JobState.QUEUED.value) & Job.enqueued_at.is_not(None)
        with self.engine.connect() as connection:
            self.lanes.update(dict(connection.execute(
                select(Job.priority, func.count()).where(released).group_by(Job.priority))
                .tuples().all()))
            self.tenants += connection.scalar(
                select(func.count(func.distinct(Job.tenant))).where(released)) or 0
        self._reset()

    def result(self) -> dict[str, Any]:
        """Every figure of this size."""
        repeats = len(self.choose)
        queries: dict[str, dict[str, float]] = {}
        for name in PROFILED:
            per_pass = [q.get(name, {"calls": 0, "ms": 0.0, "rows": 0})
                        for q in self.choose_queries]
            if any(q["calls"] for q in per_pass):
                queries[name] = {
                    "calls_per_choose": statistics.fmean(q["calls"] for q in per_pass),
                    "ms_per_choose_median": statistics.median(q["ms"] for q in per_pass),
                    "rows_per_choose": statistics.fmean(q["rows"] for q in per_pass)}
        return {"jobs": self.jobs, "fill_seconds": self.fill_seconds, "window": self.window,
                "repeats": repeats,
                "choose": summary_ms(self.choose), "choose_warm": summary_ms(self.choose_warm),
                "pass": summary_ms(self.passes),
                "choose_queries": queries,
                "redis_used_memory_empty": self.redis_empty,
                "redis_used_memory_window": self.redis_window,
                "window_lanes": {lane: n / repeats for lane, n in sorted(self.lanes.items())},
                "window_tenants": self.tenants / repeats}


@contextmanager
def scale_backlog(workdir: Path, *, jobs: int, tenants: int, slots: int,
                  say: Callable[[str], None]) -> Iterator[ScaleBacklog]:
    """A fresh database with `jobs` waiting over `tenants`, a private Redis, a fake worker."""
    with backend("postgresql", workdir, concurrency=slots) as b:
        engine = make_engine(b.settings.database_url, pool_size=2)
        broker = redis.Redis.from_url(b.settings.broker_url)
        publisher = Publisher(b.settings.broker_url)
        try:
            seconds = fill(engine, jobs=jobs, tenants=tenants, say=say)
            say(f"scale: {jobs:,} waiting jobs in {seconds:.0f} s")
            yield ScaleBacklog(jobs, engine, broker, publisher, slots=slots,
                               fill_seconds=seconds)
        finally:
            publisher.close()
            broker.close()
            engine.dispose()


def measure(backlogs: list[ScaleBacklog], repeats: int, *,
            show_plans: bool) -> list[dict[str, Any]]:
    """Every size's repeats in turns, the order reversed each time; then their figures."""
    for number in range(repeats):
        for backlog in backlogs if number % 2 == 0 else reversed(backlogs):
            backlog.repeat()
    found = []
    for backlog in backlogs:
        result = backlog.result()
        if show_plans:
            result["plans"] = explain(backlog.engine, backlog.window)
        found.append(result)
    return found
