"""`python -m bench`: raw vLLM, run_batch and sealq on the same prompts, one after another.

Sides never run at the same time (two engines would fight over the cores and memory); each
engine is gone before the next starts. Every side runs once per round, in the order
raw, sealq, run-batch in odd rounds and reversed in even ones, so a steady drift in the
machine's speed favours no side over two rounds, and the spread between rounds shows the noise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import ceiling, fairness, machine, processes, report
from bench.backend import backend
from bench.engine import options_to_json
from bench.plan import Plan, build_plan
from bench.results import SideResult
from bench.workload import Workload
from schemas.settings import Settings
from workers.engine.options import EngineOptions

# Prompt ranges far from the plan's, so these jobs never repeat a prompt the plan ran.
RSS_FIRST_PROMPT = 1_000_000
SUBMIT_FIRST_PROMPT = 2_000_000
SIDES = ("raw", "sealq", "run-batch")


@dataclass(frozen=True)
class Sizes:
    """How big each workload is."""

    jobs: int
    tokens: int
    one_token_jobs: int
    latency_jobs: int
    latency_tokens: int
    sweep: list[int]
    submit_lines: int
    rss_jobs: int
    rounds: int


FULL = Sizes(jobs=64, tokens=64, one_token_jobs=512, latency_jobs=20, latency_tokens=16,
             sweep=[1, 4, 16, 64], submit_lines=10_000, rss_jobs=2_000, rounds=2)
# Each side's engine start-up alone takes 20-30 s on 2 cores: the smoke sizes are tiny.
SMOKE = Sizes(jobs=4, tokens=8, one_token_jobs=8, latency_jobs=2, latency_tokens=4,
              sweep=[1, 4], submit_lines=500, rss_jobs=16, rounds=1)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Options; unset sizes come from the full or the --smoke preset."""
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks the harness works")
    p.add_argument("--jobs", type=int, help="jobs in the main workload (64)")
    p.add_argument("--tokens", type=int, help="output tokens per job in the main workload (64)")
    p.add_argument("--one-token-jobs", type=int, help="jobs in the 1-token workload (512)")
    p.add_argument("--latency-jobs", type=int, help="single jobs for p50/p95 (20)")
    p.add_argument("--latency-tokens", type=int, help="output tokens of each single job (16)")
    p.add_argument("--sweep", help="batch sizes for the plot, e.g. 1,4,16,64")
    p.add_argument("--submit-lines", type=int, help="lines in the submit-rate file (10000)")
    p.add_argument("--rss-jobs", type=int, help="1-token jobs between the RSS readings (2000)")
    p.add_argument("--rounds", type=int,
                   help="rounds of every side; round 1 runs the whole plan, later ones the "
                        "two main workloads, order reversed each round (2)")
    p.add_argument("--max-num-seqs", type=int, default=64,
                   help="engine batch slots on every side, and sealq worker threads (64)")
    p.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    for side in ("raw", "sealq", "run-batch", "submit", "rss", "latency", "sweep"):
        p.add_argument(f"--skip-{side}", action="store_true", help=f"do not run {side}")
    p.add_argument("--json", type=Path, help="write every number to this file")
    p.add_argument("--plot", type=Path, help="write the batch-size plot (PNG) here")
    p.add_argument("--workdir", type=Path, help="keep logs and files here (default: temp)")
    gateway = p.add_argument_group("the gateway (`--gateway` runs only this)")
    gateway.add_argument("--gateway", action="store_true",
                         help="upload + create of a big file through `sealq api`, then read "
                              "latency at a fixed rate; ends with a `gateway ...` line")
    gateway.add_argument("--gateway-lines", type=int, default=50_000,
                         help="requests in the uploaded file (50000)")
    gateway.add_argument("--gateway-prompt-bytes", type=int, default=2000,
                         help="bytes of each request's prompt (2000)")
    gateway.add_argument("--read-rate", type=float, default=200.0,
                         help="GET /v1/batches/{id} per second (200)")
    gateway.add_argument("--read-seconds", type=float, default=30.0,
                         help="how long the reads go on (30)")
    fairness.add_arguments(p)
    ceiling.add_arguments(p)
    p.add_argument("--guard", action="store_true",
                   help="only the input guard's cost per 2 kB prompt; ends with a `guard ms` "
                        "line")
    from bench import growth

    growth.add_arguments(p)
    return p.parse_args(argv)


def sizes_from(args: argparse.Namespace) -> Sizes:
    """The preset with every size given on the command line put in."""
    preset = SMOKE if args.smoke else FULL
    sweep = [int(s) for s in args.sweep.split(",")] if args.sweep else preset.sweep
    def pick(name: str) -> int:
        given = getattr(args, name)
        return int(getattr(preset, name) if given is None else given)

    return Sizes(jobs=pick("jobs"), tokens=pick("tokens"), one_token_jobs=pick("one_token_jobs"),
                 latency_jobs=0 if args.skip_latency else pick("latency_jobs"),
                 latency_tokens=pick("latency_tokens"),
                 sweep=[] if args.skip_sweep else sweep, submit_lines=pick("submit_lines"),
                 rss_jobs=0 if args.skip_rss else pick("rss_jobs"),
                 rounds=pick("rounds"))


def engine_options(max_num_seqs: int) -> EngineOptions:
    """The engine every side runs, from SEALQ_* settings as the worker reads them."""
    # Only the engine fields are read from these Settings; the worker gets its real
    # database, broker and keys from the bench backend, and the same SEALQ_* engine fields.
    settings = Settings(database_url="sqlite://", broker_url="redis://127.0.0.1/0",
                        keys_file=Path("unused"), worker_concurrency=max_num_seqs)
    return EngineOptions.from_settings(settings)


def say(message: str) -> None:
    """Progress on stderr; stdout carries the results only."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_raw(options: EngineOptions, plan: Plan, workdir: Path, round_no: int) -> SideResult:
    """The raw side in a child process, so its engine is freed completely when it ends."""
    given, out = workdir / f"raw-{round_no}.plan.json", workdir / f"raw-{round_no}.json"
    given.write_text(json.dumps({"options": options_to_json(options), "plan": plan.as_json()}))
    log = workdir / f"raw-{round_no}.log"
    with log.open("wb") as f:
        process = processes.start([sys.executable, "-m", "bench.raw", str(given), str(out)],
                                  stdout=f, stderr=subprocess.STDOUT)
        try:
            code = process.wait()
        finally:
            processes.stop_group(process)
    if code != 0:
        raise RuntimeError(f"raw side failed ({code}); see {log}")
    return SideResult.from_json(json.loads(out.read_text()))


def run_all(args: argparse.Namespace, sizes: Sizes, workdir: Path) -> report.Report:
    """The submit rate, then every side once per round: raw, sealq, run-batch, then reversed."""
    from bench.submit import measure_submit

    options = engine_options(args.max_num_seqs)
    runs = [("main", sizes.jobs, sizes.tokens), ("one-token", sizes.one_token_jobs, 1)]
    plan = build_plan(runs=runs, latency_jobs=sizes.latency_jobs,
                      latency_tokens=sizes.latency_tokens, sweep_sizes=sizes.sweep,
                      sweep_tokens=sizes.tokens)
    # Later rounds re-run the main workloads only: the spread is what they are for.
    repeat = Plan(warmup=plan.warmup, runs=plan.runs, latency=None, sweep=[])
    result = report.Report()
    if not args.skip_submit:
        say(f"submit rate: {sizes.submit_lines} lines, {args.database}")
        with backend(args.database, workdir / "submit", concurrency=args.max_num_seqs) as b:
            lines = Workload("submit", sizes.submit_lines, sizes.tokens, SUBMIT_FIRST_PROMPT)
            result.submit = measure_submit(b, lines, workdir / "submit")
    sides = [side for side in SIDES if not getattr(args, "skip_" + side.replace("-", "_"))]
    for round_no in range(1, sizes.rounds + 1):
        for side in sides if round_no % 2 else reversed(sides):
            say(f"{side}, round {round_no}")
            round_plan = plan if round_no == 1 else repeat
            for side_result in _run_side(side, args, sizes, options, round_plan, workdir,
                                         round_no):
                side_result.extra["round"] = round_no
                result.sides.append(side_result)
    return result


def _run_side(side: str, args: argparse.Namespace, sizes: Sizes, options: EngineOptions,
              plan: Plan, workdir: Path, round_no: int) -> list[SideResult]:
    """One side's round in a fresh engine: its own process (raw, run-batch) or worker (sealq)."""
    from bench.queue import run_queue_side
    from bench.runbatch import run_one

    if side == "raw":
        return [run_raw(options, plan, workdir, round_no)]
    if side == "sealq":
        rss = None
        if sizes.rss_jobs and round_no == 1:
            rss = Workload("rss", sizes.rss_jobs, 1, RSS_FIRST_PROMPT)
        here = workdir / f"sealq-{round_no}"
        with backend(args.database, here, concurrency=args.max_num_seqs) as b:
            return [run_queue_side(b, plan, here, rss)]
    here = workdir / f"run-batch-{round_no}"
    here.mkdir(parents=True, exist_ok=True)
    # The smoke run checks run_batch on the main workload only: each run costs a start-up.
    return [run_one(options, workload, here)
            for workload in (plan.runs[:1] if args.smoke else plan.runs)]


def run_gateway(args: argparse.Namespace) -> None:
    """The gateway's costs alone; prints its figures and a last `gateway ...` line."""
    from bench.gateway import measure_gateway

    with tempfile.TemporaryDirectory(prefix="sealq-bench-") as temp, \
            machine.LoadSampler() as load:
        workdir = args.workdir or Path(temp)
        say(f"gateway: {args.gateway_lines} lines of {args.gateway_prompt_bytes} B, then "
            f"{args.read_rate:g} reads/s for {args.read_seconds:g} s ({args.database})")
        with backend(args.database, workdir, concurrency=args.max_num_seqs) as b:
            found = measure_gateway(b, workdir / "gateway", lines=args.gateway_lines,
                                    prompt_bytes=args.gateway_prompt_bytes,
                                    rate=args.read_rate, seconds=args.read_seconds)
    found["machine"] = machine.describe()
    found["load_1min"] = load.summary()
    found["database"] = args.database
    if args.json:
        args.json.write_text(json.dumps(found, indent=2))
    print(json.dumps(found, indent=2))
    print(f"gateway upload lines/s={found['upload_lines_per_s']:.0f} "
          f"create lines/s={found['create_lines_per_s']:.0f} "
          f"rss_peak_mib={found['rss_peak_mib']:.0f} "
          f"read p50_ms={found['read_p50_ms']:.1f} p99_ms={found['read_p99_ms']:.1f} "
          f"at {found['read_rate_per_s']:g}/s")


def main(argv: list[str] | None = None) -> None:
    """Run the bench, print the tables, and end with the ratio line."""
    args = parse_args(argv)
    if args.gateway:
        run_gateway(args)
        return
    if args.ceiling:
        with processes.cleanup_on_exit():
            ceiling.run_ceiling(args, say)
        return
    if args.guard:
        from bench.guard import last_line, measure_guard

        say("guard: milliseconds added per 2 kB prompt, best of 7 rounds")
        found = measure_guard(rounds=2 if args.smoke else 7)
        if args.json:
            args.json.write_text(json.dumps(found, indent=2))
        print(last_line(found))
        return
    if args.growth:
        from bench.growth import run_growth

        run_growth(args, say)
        return
    if args.fairness:
        with processes.cleanup_on_exit():
            fairness.run_fairness(args, say)
        return
    sizes = sizes_from(args)
    # Every side's engine binds the same cores (raw and run_batch are child processes).
    for name, value in engine_options(args.max_num_seqs).environment().items():
        os.environ.setdefault(name, value)
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="sealq-bench-") as temp, \
            machine.LoadSampler() as load, processes.cleanup_on_exit():
        workdir = args.workdir or Path(temp)
        workdir.mkdir(parents=True, exist_ok=True)
        result = run_all(args, sizes, workdir)
    about = {"date": started.isoformat(timespec="seconds"), "machine": machine.describe(),
             "load_1min": load.summary(), "sizes": sizes.__dict__,
             "engine": options_to_json(engine_options(args.max_num_seqs)),
             "database": args.database, "argv": sys.argv[1:]}
    if args.json:
        args.json.write_text(json.dumps({**about, **result.as_json()}, indent=2))
    if args.plot:
        from bench.plot import plot_sweep

        info = about["machine"]
        title = (f"{about['engine']['name']}, {info['nproc']} x {info['cpu']}\n"
                 f"{sizes.tokens} tokens/job, max_num_seqs {args.max_num_seqs}")
        plot_sweep(result.sides, args.plot, title=title)
    load_info: dict[str, Any] = about["load_1min"]
    print(f"{about['date']}  {about['machine']['nproc']} x {about['machine']['cpu']}, "
          f"{about['machine']['ram_gib']} GiB; load 1-min min/mean/max "
          f"{load_info['min']:.2f}/{load_info['mean']:.2f}/{load_info['max']:.2f}")
    print("\n".join(report.lines(result)))
    print(report.last_line(result))
