"""The benchmark harness runs end to end on tiny workloads; numbers are sane, never timed."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1500)]

REPO = Path(__file__).parents[2]
LAST_LINE = re.compile(r"^ratio sealq/raw=(\d+\.\d\d) sealq/run-batch=(\d+\.\d\d)$")
# About 3 minutes on a quiet 2-core machine (three engine start-ups); a busy one is far slower.
SMOKE_TIMEOUT_SECONDS = 1200


def _run_bench(*args: str) -> tuple[int, str, str]:
    """Run `python -m bench`; on a timeout, SIGTERM lets it stop its engines before it dies."""
    process = subprocess.Popen([sys.executable, "-m", "bench", *args], cwd=REPO, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = process.communicate(timeout=SMOKE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=180)
        pytest.fail(f"bench smoke run took over {SMOKE_TIMEOUT_SECONDS} s:\n{err[-3000:]}")
    return process.returncode, out, err


def test_smoke_run_measures_all_three_sides(tmp_path: Path) -> None:
    """`python -m bench --smoke` runs every side, counts every token, and ends with the ratios."""
    results, plot = tmp_path / "bench.json", tmp_path / "sweep.png"
    code, out, err = _run_bench("--smoke", "--database", "postgresql",
                                "--workdir", str(tmp_path / "work"),
                                "--json", str(results), "--plot", str(plot))
    assert code == 0, err[-4000:]
    last = out.strip().splitlines()[-1]
    assert LAST_LINE.match(last), last

    data = json.loads(results.read_text())
    assert {side["side"] for side in data["sides"]} == {"raw", "sealq", "run-batch"}
    for side in data["sides"]:
        assert side["startup_seconds"] > 0
        for run in side["runs"] + side["sweep"]:
            # ignore_eos: every job generates exactly what it asked for, on every side.
            assert run["succeeded"] == run["jobs"], run
            assert run["output_tokens"] == run["jobs"] * run["tokens"], run
            assert run["seconds"] > 0, run
    sealq = next(side for side in data["sides"] if side["side"] == "sealq")
    assert sealq["extra"]["worker_exit_code"] == 0
    assert sealq["latency"]["p50"] > 0
    rss = sealq["extra"]["rss"]
    assert rss["succeeded"] == rss["jobs"] and rss["total_before_mib"] > 0
    assert data["submit"]["jobs_per_s"] > 0
    ratios = data["ratios"]["main"]
    assert 0 < ratios["sealq/raw"] < 10 and 0 < ratios["sealq/run-batch"] < 10
    assert plot.read_bytes().startswith(b"\x89PNG")


GATEWAY_LAST_LINE = re.compile(
    r"^gateway upload lines/s=(\d+) create lines/s=(\d+) rss_peak_mib=(\d+) "
    r"read p50_ms=([\d.]+) p99_ms=([\d.]+) at 20/s$")


def test_gateway_bench_uploads_creates_and_reads(tmp_path: Path) -> None:
    """`python -m bench --gateway` uploads through the SDK, creates, reads at a fixed rate."""
    results = tmp_path / "gateway.json"
    code, out, err = _run_bench("--gateway", "--gateway-lines", "300", "--read-rate", "20",
                                "--read-seconds", "2", "--json", str(results))
    assert code == 0, err[-3000:]
    match = GATEWAY_LAST_LINE.match(out.strip().splitlines()[-1])
    assert match, out[-500:]
    found = json.loads(results.read_text())
    assert found["lines"] == 300 and found["reads"] == 40
    assert found["rss_peak_mib"] >= found["rss_before_mib"] > 0
    assert 0 < found["read_p50_ms"] <= found["read_p99_ms"] <= found["read_max_ms"]


FAIRNESS_SCALE_LINE = re.compile(
    r"^fairness scale choose_ms_2k=([\d.]+) choose_ms_20k=([\d.]+) ratio=([\d.]+) "
    r"warm_ms_2k=([\d.]+) warm_ms_20k=([\d.]+) redis_2k=(\d+) redis_20k=(\d+)$")


def test_fairness_scale_times_a_full_window_at_both_sizes(tmp_path: Path) -> None:
    """`--fairness --smoke` on the scale side fills two backlogs, releases full windows from
    both and reports every query the dispatcher made."""
    results = tmp_path / "scale.json"
    code, out, err = _run_bench("--fairness", "--smoke", "--fairness-sides", "scale",
                                "--scale-repeats", "2", "--json", str(results))
    assert code == 0, err[-3000:]
    assert FAIRNESS_SCALE_LINE.match(out.strip().splitlines()[-1]), out[-500:]
    scale = json.loads(results.read_text())["scale"]
    assert [run["jobs"] for run in scale["runs"]] == [2000, 20_000]
    for run in scale["runs"]:
        assert run["window"] == 80 and run["repeats"] == 2
        assert sum(run["window_lanes"].values()) == 80
        assert run["choose_queries"]["next_jobs"]["calls_per_choose"] >= 1
        assert run["choose_warm"]["median_ms"] > 0
        assert run["redis_used_memory_window"] > run["redis_used_memory_empty"] > 0


GUARD_LINE = re.compile(
    r"^guard ms en=([\d.]+) zh=([\d.]+) lookalike_en=([\d.]+) lookalike_zh=([\d.]+) "
    r"typeset_en=([\d.]+) mixed_zh=([\d.]+) budget=2\.0$")


def test_guard_bench_reports_every_side(tmp_path: Path) -> None:
    """`--guard --smoke` measures the guard on all six prompts and ends with its line."""
    results = tmp_path / "guard.json"
    code, out, err = _run_bench("--guard", "--smoke", "--json", str(results))
    assert code == 0, err[-3000:]
    assert GUARD_LINE.match(out.strip().splitlines()[-1]), out[-500:]
    found = json.loads(results.read_text())
    assert set(found) == {"en", "zh", "lookalike_en", "lookalike_zh", "typeset_en", "mixed_zh"}
    assert all(ms > 0 for ms in found.values()), found


GROWTH_LAST_LINE = re.compile(r"^growth submit=(\d+\.\d\d) claim=(\d+\.\d\d) sweep=(\d+\.\d\d)$")


def test_growth_bench_measures_both_sizes_and_ends_with_the_ratios(tmp_path: Path) -> None:
    """`--growth --growth-rows 20000` fills 2,000 and 20,000 job rows, measures submit,
    claim+finish and sweep on each in every round, and ends with three positive ratios."""
    results = tmp_path / "growth.json"
    code, out, err = _run_bench("--growth", "--growth-rows", "20000", "--json", str(results))
    assert code == 0, err[-3000:]
    match = GROWTH_LAST_LINE.match(out.strip().splitlines()[-1])
    assert match, out[-500:]
    assert all(float(ratio) > 0 for ratio in match.groups())
    found = json.loads(results.read_text())
    assert [size["rows"] for size in found["sizes"]] == [2000, 20_000]
    for size in found["sizes"]:
        assert all(len(size["rates"][name]) == found["rounds"] and min(size["rates"][name]) > 0
                   for name in ("submit", "claim", "sweep"))


CEILING_LINE = re.compile(r"^ceiling jobs/s=(\d+)$")


def test_ceiling_bench_runs_real_workers_on_the_instant_engine(tmp_path: Path) -> None:
    """`--ceiling --smoke` runs both kinds through a real worker, every job succeeds, and it
    ends with the jobs/s line."""
    results = tmp_path / "ceiling.json"
    code, out, err = _run_bench("--ceiling", "--smoke", "--ceiling-workers", "1",
                                "--json", str(results))
    assert code == 0, err[-3000:]
    match = CEILING_LINE.match(out.strip().splitlines()[-1])
    assert match and int(match.group(1)) > 0, out[-500:]
    runs = json.loads(results.read_text())["runs"]
    assert [run["kind"] for run in runs] == ["free_text", "report_analysis"]
    assert all(run["succeeded"] == run["jobs"] == 200 for run in runs), runs
