"""Starting and stopping real sealq processes (workers, Redis) from tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

SEALQ = [sys.executable, "-m", "producer"]


class WorkerProcess:
    """A real `sealq worker` child process with its log in a file."""

    def __init__(self, env: dict[str, str], log_path: Path, *args: str) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        full_env = {**os.environ, **env}
        self.process = subprocess.Popen([*SEALQ, "worker", *args], env=full_env,
                                        stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        """The worker's process id."""
        return self.process.pid

    def log(self) -> str:
        """Everything the worker wrote so far."""
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 300) -> None:
        """Block until Celery says the worker is ready (the engine is loaded by then)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited with {self.process.returncode}:\n"
                                     f"{self.log()[-4000:]}")
            if " ready." in self.log():
                return
            time.sleep(0.5)
        raise AssertionError(f"worker not ready after {timeout} s:\n{self.log()[-4000:]}")

    def descendants(self) -> list[psutil.Process]:
        """Every live process this worker started (the engine core among them)."""
        try:
            return psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 120) -> int:
        """Send `sig` and wait for the exit; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode


def wait_gone(processes: list[psutil.Process], timeout: float = 60) -> list[psutil.Process]:
    """Wait until the processes have exited; returns those still alive after `timeout`."""
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    return list(alive)
