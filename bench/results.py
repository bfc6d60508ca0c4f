"""What a side measured: batch runs, single-job latencies, start-up; plain values for JSON."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Run:
    """One workload on one side: wall time from hand-over to the last result."""

    side: str
    workload: str
    jobs: int
    tokens: int  # asked per job
    seconds: float
    output_tokens: int  # generated, as the side itself reports them
    succeeded: int

    @property
    def jobs_per_s(self) -> float:
        """Jobs finished per second."""
        return self.jobs / self.seconds

    @property
    def tokens_per_s(self) -> float:
        """Output tokens generated per second."""
        return self.output_tokens / self.seconds

    def as_json(self) -> dict[str, Any]:
        """The run with its rates, for --json."""
        return {**self.__dict__, "jobs_per_s": self.jobs_per_s, "tokens_per_s": self.tokens_per_s}


@dataclass(frozen=True)
class Latency:
    """Single jobs one after another on an idle engine."""

    side: str
    tokens: int
    samples: list[float]

    @property
    def p50(self) -> float:
        """Median latency, seconds."""
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        """95th percentile latency (nearest rank), seconds."""
        ranked = sorted(self.samples)
        return ranked[math.ceil(0.95 * len(ranked)) - 1]

    def as_json(self) -> dict[str, Any]:
        """The samples with their percentiles, for --json."""
        return {**self.__dict__, "p50": self.p50, "p95": self.p95}


@dataclass
class SideResult:
    """Everything one engine lifetime of one side measured."""

    side: str
    startup_seconds: float
    warmup_seconds: float = 0.0
    runs: list[Run] = field(default_factory=list)
    sweep: list[Run] = field(default_factory=list)
    latency: Latency | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Plain values, for --json and for the raw child's hand-back."""
        return {"side": self.side, "startup_seconds": self.startup_seconds,
                "warmup_seconds": self.warmup_seconds,
                "runs": [r.as_json() for r in self.runs],
                "sweep": [r.as_json() for r in self.sweep],
                "latency": self.latency.as_json() if self.latency else None,
                "extra": self.extra}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SideResult:
        """The inverse of `as_json`."""
        def run(d: dict[str, Any]) -> Run:
            return Run(**{k: d[k] for k in Run.__dataclass_fields__})

        latency = data["latency"]
        return cls(side=data["side"], startup_seconds=data["startup_seconds"],
                   warmup_seconds=data["warmup_seconds"],
                   runs=[run(d) for d in data["runs"]], sweep=[run(d) for d in data["sweep"]],
                   latency=Latency(latency["side"], latency["tokens"], latency["samples"])
                   if latency else None, extra=data["extra"])
