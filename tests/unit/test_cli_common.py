"""What every key-holding sealq process does at start."""

from __future__ import annotations

import logging
import subprocess
import sys

from schemas.cli_common import configure_logging


def test_key_holding_processes_write_no_core_dump() -> None:
    """forbid_core_dumps sets the core-file limit to zero for good (soft and hard)."""
    code = ("import resource; from schemas.cli_common import forbid_core_dumps; "
            "forbid_core_dumps(); print(resource.getrlimit(resource.RLIMIT_CORE))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "(0, 0)"


def test_libraries_that_could_echo_content_or_repeat_themselves_stay_quiet() -> None:
    """At DEBUG, content-echoing libraries stay at INFO and presidio (a line per scanned text)
    at WARNING; at WARNING everything is at WARNING."""
    configure_logging("DEBUG")
    try:
        assert logging.getLogger("vllm").level == logging.INFO
        assert logging.getLogger("presidio-analyzer").level == logging.WARNING
        assert not logging.getLogger("presidio-analyzer").isEnabledFor(logging.INFO)
        configure_logging("WARNING")
        assert logging.getLogger("vllm").level == logging.WARNING
        assert logging.getLogger("presidio-analyzer").level == logging.WARNING
    finally:
        configure_logging("INFO")
