"""Tables, ratios and targets from the side results; the last line the issue asks for."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from bench.results import Run, SideResult

# The targets of issue 6 on this machine class (2 cores, CPU engine, the small model).
RAW_RATIO_TARGETS = {"main": 0.95, "one-token": 0.80}
RUN_BATCH_RATIO_TARGET = 1.0
SUBMIT_TARGET_JOBS_PER_S = 2000.0
RSS_GROWTH_TARGET = 0.05
SIDES = ("raw", "sealq", "run-batch")


@dataclass
class Report:
    """Every side's results from one bench run."""

    sides: list[SideResult] = field(default_factory=list)
    submit: dict[str, Any] | None = None

    def runs(self, side: str, workload: str) -> list[Run]:
        """Every run of `workload` on `side`, one per round."""
        return [r for s in self.sides if s.side == side for r in s.runs if r.workload == workload]

    def jobs_per_s(self, side: str, workload: str) -> float | None:
        """Mean jobs/s of that side on that workload over its rounds, None if it did not run."""
        runs = self.runs(side, workload)
        return statistics.fmean(r.jobs_per_s for r in runs) if runs else None

    def ratio(self, workload: str, reference: str) -> float | None:
        """sealq's jobs/s over `reference`'s on `workload`."""
        ours, theirs = self.jobs_per_s("sealq", workload), self.jobs_per_s(reference, workload)
        return ours / theirs if ours and theirs else None

    def workloads(self) -> list[str]:
        """Workload names in the order they first ran."""
        names: list[str] = []
        for side in self.sides:
            names += [r.workload for r in side.runs if r.workload not in names]
        return names

    def spread(self, side: str, workload: str) -> float | None:
        """(max - min) / mean of jobs/s over that side's rounds; None with fewer than two."""
        rates = [r.jobs_per_s for r in self.runs(side, workload)]
        if len(rates) < 2:
            return None
        return (max(rates) - min(rates)) / statistics.fmean(rates)

    def targets(self) -> list[dict[str, Any]]:
        """Each target with its measured value and whether it was met."""
        found: list[dict[str, Any]] = []
        for workload, goal in RAW_RATIO_TARGETS.items():
            value = self.ratio(workload, "raw")
            if value is not None:
                found.append(_target(f"sealq/raw {workload}", value, goal, value >= goal))
        for workload in self.workloads():
            value = self.ratio(workload, "run-batch")
            if value is not None:
                found.append(_target(f"sealq/run-batch {workload}", value,
                                     RUN_BATCH_RATIO_TARGET, value >= RUN_BATCH_RATIO_TARGET))
        if self.submit is not None:
            rate = self.submit["jobs_per_s"]
            found.append(_target("submit jobs/s", rate, SUBMIT_TARGET_JOBS_PER_S,
                                 rate >= SUBMIT_TARGET_JOBS_PER_S))
        rss = next((s.extra["rss"] for s in self.sides if "rss" in s.extra), None)
        if rss is not None:
            growth = rss["total_growth"]
            found.append(_target("worker RSS growth", growth, RSS_GROWTH_TARGET,
                                 growth < RSS_GROWTH_TARGET))
        return found

    def as_json(self) -> dict[str, Any]:
        """Plain values for --json."""
        ratios = {w: {"sealq/raw": self.ratio(w, "raw"),
                      "sealq/run-batch": self.ratio(w, "run-batch"),
                      **{f"{side} spread": self.spread(side, w) for side in SIDES}}
                  for w in self.workloads()}
        return {"sides": [s.as_json() for s in self.sides], "submit": self.submit,
                "ratios": ratios, "targets": self.targets()}


def _target(name: str, value: float, goal: float, met: bool) -> dict[str, Any]:
    return {"name": name, "value": value, "target": goal, "met": met}


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def lines(report: Report) -> list[str]:
    """The human part of the output: tables, latency, start-up, targets."""
    out = ["| side | round | workload | jobs x tokens | seconds | jobs/s | output tok/s |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    for side in report.sides:
        for run in side.runs:
            out.append(f"| {run.side} | {side.extra.get('round', 1)} | {run.workload} | "
                       f"{run.jobs} x {run.tokens} | {run.seconds:.2f} | {run.jobs_per_s:.2f} | "
                       f"{run.tokens_per_s:.1f} |")
    out += ["", "| workload | sealq/raw | sealq/run-batch | spread over rounds: "
                "raw / sealq / run-batch |", "| --- | --- | --- | --- |"]
    for workload in report.workloads():
        spreads = " / ".join(_percent(report.spread(side, workload)) for side in SIDES)
        out.append(f"| {workload} | {_fmt(report.ratio(workload, 'raw'))} | "
                   f"{_fmt(report.ratio(workload, 'run-batch'))} | {spreads} |")
    out += ["", "| side | round | engine start-up s | warm-up s | latency p50 s | latency p95 s |",
            "| --- | --- | --- | --- | --- | --- |"]
    for side in report.sides:
        latency = side.latency
        out.append(f"| {side.side} | {side.extra.get('round', 1)} | {side.startup_seconds:.1f} | "
                   f"{side.warmup_seconds:.2f} | "
                   f"{_fmt(latency.p50 if latency else None, 3)} | "
                   f"{_fmt(latency.p95 if latency else None, 3)} |")
    sweeps = [s for s in report.sides if s.sweep]
    if sweeps:
        out += ["", "| side | batch size | jobs/s | output tok/s |", "| --- | --- | --- | --- |"]
        for side in sweeps:
            out += [f"| {side.side} | {r.jobs} | {r.jobs_per_s:.2f} | {r.tokens_per_s:.1f} |"
                    for r in side.sweep]
    if report.submit is not None:
        s = report.submit
        out += ["", f"submit: {s['lines']} lines in {s['seconds']:.2f} s = "
                    f"{s['jobs_per_s']:.0f} jobs/s"]
    rss = next((s.extra["rss"] for s in report.sides if "rss" in s.extra), None)
    if rss is not None:
        out += [f"worker RSS over {rss['jobs']} jobs: worker {rss['worker_before_mib']:.0f} -> "
                f"{rss['worker_after_mib']:.0f} MiB ({rss['worker_growth']:+.1%}), with engine "
                f"{rss['total_before_mib']:.0f} -> {rss['total_after_mib']:.0f} MiB "
                f"({rss['total_growth']:+.1%})"]
    out += ["", "targets:"]
    for t in report.targets():
        out.append(f"  {'met   ' if t['met'] else 'MISSED'} {t['name']}: "
                   f"{t['value']:.3f} (target {t['target']})")
    return out


def last_line(report: Report) -> str:
    """`ratio sealq/raw=R1 sealq/run-batch=R2` for the main (64-token) workload."""
    return (f"ratio sealq/raw={_fmt(report.ratio('main', 'raw'))} "
            f"sealq/run-batch={_fmt(report.ratio('main', 'run-batch'))}")
