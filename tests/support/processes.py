"""Starting and stopping real sealq processes (workers, the dispatcher) from tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

SEALQ = [sys.executable, "-m", "producer"]


class SealqProcess:
    """A real `sealq <command>` child process with its log in a file."""

    def __init__(self, command: str, env: dict[str, str], log_path: Path, *args: str) -> None:
        self.command = command
        self.log_path = log_path
        self._log = log_path.open("ab")
        full_env = {**os.environ, **env}
        self.process = subprocess.Popen([*SEALQ, command, *args], env=full_env,
                                        stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        """The process id."""
        return self.process.pid

    def log(self) -> str:
        """Everything the process wrote so far."""
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float, *, since: int = 0) -> None:
        """Block until `text` appears in the log (after its first `since` characters)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"sealq {self.command} exited with "
                                     f"{self.process.returncode}:\n{self.log()[-4000:]}")
            if text in self.log()[since:]:
                return
            time.sleep(0.5)
        raise AssertionError(f"sealq {self.command}: no {text!r} after {timeout} s:\n"
                             f"{self.log()[-4000:]}")

    def descendants(self) -> list[psutil.Process]:
        """Every live process this one started (a worker's engine core among them)."""
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


class WorkerProcess(SealqProcess):
    """A real `sealq worker`."""

    def __init__(self, env: dict[str, str], log_path: Path, *args: str) -> None:
        super().__init__("worker", env, log_path, *args)

    def wait_ready(self, timeout: float = 300) -> None:
        """Block until Celery says the worker is ready (the engine is loaded by then)."""
        self.wait_for_log(" ready.", timeout)


class DispatcherProcess(SealqProcess):
    """A real `sealq dispatch`: releases waiting jobs to the workers that announce slots."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        super().__init__("dispatch", env, log_path)


def wait_gone(processes: list[psutil.Process], timeout: float = 60) -> list[psutil.Process]:
    """Wait until the processes have exited; returns those still alive after `timeout`."""
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    return list(alive)
