"""Child processes in their own process groups, so nothing outlives the bench.

vLLM starts engine processes of its own; killing the group of the child that started them
reaches those too, even when the bench itself is stopped with SIGTERM or a timeout.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from typing import Any

# Children stopped with SIGTERM get this long to shut their engines down cleanly.
TERM_GRACE_SECONDS = 60

_running: list[subprocess.Popen[bytes]] = []


def start(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """Popen in a new session (its own process group), remembered for `stop_all`."""
    process: subprocess.Popen[bytes] = subprocess.Popen(argv, start_new_session=True, **kwargs)
    _running.append(process)
    return process


def stop_group(process: subprocess.Popen[bytes], grace: float = TERM_GRACE_SECONDS) -> None:
    """SIGTERM the child, then SIGKILL whatever is left of its process group."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    if process in _running:
        _running.remove(process)


def stop_all() -> None:
    """Stop every child still running."""
    for process in list(_running):
        stop_group(process)


@contextlib.contextmanager
def cleanup_on_exit() -> Iterator[None]:
    """Turn SIGTERM into SystemExit, and stop every child on the way out."""
    def terminate(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        stop_all()
        signal.signal(signal.SIGTERM, previous)
