"""The bench's round order and its ratios, spreads and targets, without any engine."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from bench import cli, report
from bench.plan import Plan
from bench.results import Run, SideResult


def _side(side: str, seconds: float, round_no: int, jobs: int = 64) -> SideResult:
    run = Run(side, "main", jobs, 64, seconds, jobs * 64, jobs)
    return SideResult(side, startup_seconds=20.0, runs=[run], extra={"round": round_no})


def test_rounds_alternate_the_order_and_later_rounds_repeat_the_main_workloads(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[str, int, bool]] = []

    def fake_side(side: str, args: Any, sizes: Any, options: Any, plan: Plan, workdir: Path,
                  round_no: int) -> list[SideResult]:
        calls.append((side, round_no, plan.latency is None and not plan.sweep))
        return [_side(side, 10.0, round_no)]

    monkeypatch.setattr(cli, "_run_side", fake_side)
    monkeypatch.setattr(cli, "engine_options", lambda max_num_seqs: None)
    args = cli.parse_args(["--rounds", "3", "--skip-submit", "--skip-run-batch"])
    result = cli.run_all(args, cli.sizes_from(args), tmp_path)

    assert calls == [("raw", 1, False), ("sealq", 1, False),
                     ("sealq", 2, True), ("raw", 2, True),
                     ("raw", 3, True), ("sealq", 3, True)]
    assert [s.extra["round"] for s in result.sides] == [1, 1, 2, 2, 3, 3]


def test_ratios_use_the_mean_over_rounds_and_spread_is_relative() -> None:
    result = report.Report(sides=[_side("raw", 10.0, 1), _side("sealq", 10.0, 1),
                                  _side("run-batch", 8.0, 1), _side("run-batch", 12.0, 2),
                                  _side("sealq", 12.5, 2), _side("raw", 12.5, 2)])
    # jobs/s: raw and sealq 6.4 and 5.12 (mean 5.76); run-batch 8.0 and 5.33 (mean 6.67)
    assert result.ratio("main", "raw") == pytest.approx(1.0)
    assert result.ratio("main", "run-batch") == pytest.approx(5.76 / (8.0 + 16 / 3) * 2)
    assert result.spread("raw", "main") == pytest.approx((6.4 - 5.12) / 5.76)
    assert result.spread("sealq", "one-token") is None
    met = {t["name"]: t["met"] for t in result.targets()}
    assert met == {"sealq/raw main": True, "sealq/run-batch main": False}
    assert report.last_line(result) == "ratio sealq/raw=1.00 sealq/run-batch=0.86"


def test_a_side_that_did_not_run_gives_no_ratio() -> None:
    result = report.Report(sides=[_side("sealq", 10.0, 1)])
    assert result.ratio("main", "raw") is None
    assert report.last_line(result) == "ratio sealq/raw=n/a sealq/run-batch=n/a"
    assert result.targets() == []


def test_smoke_preset_runs_one_round_and_sizes_given_win() -> None:
    smoke = cli.sizes_from(cli.parse_args(["--smoke"]))
    full = cli.sizes_from(cli.parse_args(["--jobs", "8", "--skip-rss"]))
    assert smoke.rounds == 1 and full.rounds == 2
    assert full.jobs == 8 and full.rss_jobs == 0 and full.one_token_jobs == 512
    assert isinstance(cli.parse_args([]), argparse.Namespace)
