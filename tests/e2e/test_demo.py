"""`sealq demo` on real parts, its output piped as in CI: stages and progress lines appear."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from support.processes import SEALQ

from producer.waiting import HEARTBEAT_SECONDS

pytestmark = pytest.mark.e2e
PROGRESS = re.compile(r"^(\d+)/(\d+) done\b.*, (\d+) s$")


@pytest.mark.timeout(900)
def test_demo_prints_stages_and_progress_lines_when_not_on_a_terminal(tmp_path: Path) -> None:
    """Piped, the demo prints each stage, `N/2 done` lines while it waits, then the results."""
    requests = tmp_path / "two.jsonl"
    requests.write_text("".join(json.dumps({"custom_id": f"q{n}", "body": {
        "messages": [{"role": "user", "content": f"Say the number {n}."}],
        "max_tokens": 8, "temperature": 0}}) + "\n" for n in range(2)))
    env = {name: value for name, value in os.environ.items() if not name.startswith("SEALQ_")}
    process = subprocess.Popen(
        [*SEALQ, "demo", str(requests), "--kind", "free_text", "--home", str(tmp_path / "home"),
         "--timeout", "600"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    lines: list[tuple[float, str]] = []
    for line in process.stdout:  # read as printed: a buffered demo would arrive at the end
        lines.append((time.monotonic(), line.rstrip("\n")))
    assert process.wait(timeout=60) == 0, [text for _, text in lines]
    texts = [text for _, text in lines]
    stages = [text for text in texts if text.startswith("• ")]
    assert [s.split(" (")[0].split(":")[0] for s in stages[:3]] == [
        "• private Redis on loopback, SQLite job database, key file",
        "• preparing the CPU model", "• worker and dispatcher started"]
    assert any(s.startswith("• waiting for results") for s in stages)
    assert any(s.startswith("• the worker is running jobs") for s in stages)
    progress = [(at, PROGRESS.match(text)) for at, text in lines if PROGRESS.match(text)]
    assert progress and progress[-1][1] is not None and progress[-1][1].group(1, 2) == ("2", "2")
    # While waiting, a line comes at least every heartbeat (plus one poll and some slack).
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(progress)]
    assert all(gap < HEARTBEAT_SECONDS + 5 for gap in gaps), gaps
    assert texts.index("• results, opened in memory:") > texts.index(
        next(text for text in texts if PROGRESS.match(text)))
