"""What each engine lifetime runs, in the same order on every side, and the loop that runs it."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from bench.results import Latency, Run, SideResult
from bench.workload import Workload


@dataclass(frozen=True)
class Plan:
    """Warm-up, the measured workloads, single-job latency and the batch-size sweep."""

    warmup: Workload
    runs: list[Workload]
    latency: Workload | None  # `jobs` single jobs, one after another
    sweep: list[Workload]

    def as_json(self) -> dict[str, Any]:
        """Plain values, to hand to a child process."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        """The inverse of `as_json`."""
        latency = data["latency"]
        return cls(warmup=Workload(**data["warmup"]),
                   runs=[Workload(**w) for w in data["runs"]],
                   latency=Workload(**latency) if latency else None,
                   sweep=[Workload(**w) for w in data["sweep"]])


def build_plan(*, runs: list[tuple[str, int, int]], latency_jobs: int, latency_tokens: int,
               sweep_sizes: list[int], sweep_tokens: int) -> Plan:
    """A plan whose workloads use disjoint prompt ranges, so no prompt is seen twice."""
    first = 0
    workloads: list[Workload] = []

    def take(name: str, jobs: int, tokens: int) -> Workload:
        nonlocal first
        workload = Workload(name, jobs, tokens, first)
        first += jobs
        return workload

    warmup = take("warmup", 1, 8)
    workloads = [take(name, jobs, tokens) for name, jobs, tokens in runs]
    latency = take("latency", latency_jobs, latency_tokens) if latency_jobs else None
    sweep = [take(f"sweep{size}", size, sweep_tokens) for size in sweep_sizes]
    return Plan(warmup=warmup, runs=workloads, latency=latency, sweep=sweep)


class Side(Protocol):
    """One way of running prompts on a warm engine."""

    name: str

    def batch(self, workload: Workload) -> Run:
        """Run the whole workload at once; time from hand-over to the last result."""

    def single(self, index: int, tokens: int) -> float:
        """Run one prompt alone; its latency in seconds."""


def execute(side: Side, plan: Plan, startup_seconds: float) -> SideResult:
    """Run the plan on a started side, in plan order."""
    started = time.perf_counter()
    side.batch(plan.warmup)
    result = SideResult(side.name, startup_seconds, time.perf_counter() - started)
    for workload in plan.runs:
        result.runs.append(side.batch(workload))
    if plan.latency is not None:
        samples = [side.single(i, plan.latency.tokens) for i in plan.latency.indices]
        result.latency = Latency(side.name, plan.latency.tokens, samples)
    for workload in plan.sweep:
        # A sweep point the plan already measured (the main workload) is not run twice.
        same = [r for r in result.runs if (r.jobs, r.tokens) == (workload.jobs, workload.tokens)]
        result.sweep.append(same[0] if same else side.batch(workload))
    return result
