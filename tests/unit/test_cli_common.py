"""What every key-holding sealq process does at start."""

from __future__ import annotations

import subprocess
import sys


def test_key_holding_processes_write_no_core_dump() -> None:
    """forbid_core_dumps sets the core-file limit to zero for good (soft and hard)."""
    code = ("import resource; from schemas.cli_common import forbid_core_dumps; "
            "forbid_core_dumps(); print(resource.getrlimit(resource.RLIMIT_CORE))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "(0, 0)"
