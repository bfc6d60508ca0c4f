"""The sealq side's `sealq dispatch`: it releases the submitted jobs to the warm worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench import processes

# A dispatcher stops within one pass (a fraction of a second) of SIGTERM.
STOP_TIMEOUT_SECONDS = 30


class DispatcherProcess:
    """`python -m producer dispatch` with `env` added, its log in a file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.process = processes.start([sys.executable, "-m", "producer", "dispatch"],
                                       env={**os.environ, **env}, stdout=self._log,
                                       stderr=subprocess.STDOUT)

    def stop(self) -> int:
        """SIGTERM (it gives its lease up), then kill whatever is left; the exit code."""
        processes.stop_group(self.process, grace=STOP_TIMEOUT_SECONDS)
        self._log.close()
        return self.process.returncode
