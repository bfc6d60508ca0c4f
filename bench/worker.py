"""A real `sealq worker` process for the bench: start, wait until ready, measure, stop."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import psutil

from bench import processes

# Loading the engine takes about half a minute on 2 CPU cores; a busy machine takes longer.
READY_TIMEOUT_SECONDS = 600
STOP_TIMEOUT_SECONDS = 120


class WorkerProcess:
    """`python -m producer worker` (or `module`) with `env` added, its log in a file."""

    def __init__(self, env: dict[str, str], log_path: Path,
                 module: Sequence[str] = ("producer", "worker")) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.process = processes.start([sys.executable, "-m", *module],
                                       env={**os.environ, **env}, stdout=self._log,
                                       stderr=subprocess.STDOUT)

    def log(self) -> str:
        """Everything the worker wrote so far."""
        return self.log_path.read_text(errors="replace")

    def wait_ready(self) -> None:
        """Block until Celery says ready (the engine is loaded by then), or raise."""
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited with {self.process.returncode}:\n"
                                   f"{self.log()[-4000:]}")
            if " ready." in self.log():
                return
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready after {READY_TIMEOUT_SECONDS} s")

    def rss_bytes(self) -> tuple[int, int]:
        """Resident memory of the worker alone, and of the worker with every descendant."""
        worker = psutil.Process(self.process.pid)
        own = worker.memory_info().rss
        children = 0
        for child in worker.children(recursive=True):
            try:
                children += child.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return own, own + children

    def stop(self) -> int:
        """SIGTERM (the worker shuts its engine down), then kill whatever is left."""
        engine = psutil.Process(self.process.pid).children(recursive=True) \
            if self.process.poll() is None else []
        processes.stop_group(self.process, grace=STOP_TIMEOUT_SECONDS)
        # The next side must not share the 2 cores with a leftover engine (the reaper may
        # have moved it out of the worker's process group).
        _, alive = psutil.wait_procs(engine, timeout=60)
        for process in alive:
            process.kill()
        self._log.close()
        return self.process.returncode
