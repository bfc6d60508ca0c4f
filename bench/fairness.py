"""`python -m bench --fairness`: the dispatcher's fairness and its cost, measured.

1. scale: choosing a full window with 10,000 and with 1,000,000 jobs waiting (database only).
2. head-of-line: tenant A's 2,000 bulk jobs run; tenant B submits 20 normal ones. How many of
   A's finish between B's submit and B's last result (target: at most 2 x window + 40), and
   the same workload published at once in submit order, as before the dispatcher (FIFO).
3. weights: A (weight 3) and B (weight 1) both backlogged; each one's share of a minute's
   completions (target 75% / 25%, within 5 points).
4. lanes: A's urgent backlog and B's bulk one; bulk's share (1 / lane floor expected).

Sides 2-4 share one warm `sealq worker` and one `sealq dispatch` process, on PostgreSQL and a
private Redis; jobs ask for one token, so the engine's prefill rate sets the pace.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench import machine
from bench.backend import backend
from bench.fairness_live import LiveQueue, Say, dispatching
from bench.fairness_sides import Backlog, head_of_line, shares
from bench.worker import WorkerProcess
from schemas.constants import DEFAULT_DISPATCH_HEADROOM, DISPATCH_MIN_HEADROOM
from schemas.states import Priority
from workers.lifecycle.waiting import window_for

SIDES = ("scale", "head-of-line", "fifo", "weights", "lanes")
# Prompt indices far from the other workloads', so no job repeats a prompt the engine cached.
FIRST_PROMPT = 3_000_000
# The bound on head-of-line blocking: two windows and a little.
TARGET_SLACK = 40


@dataclass(frozen=True)
class FairnessSizes:
    """How big each fairness side is."""

    scale_jobs: list[int]
    scale_tenants: int
    scale_repeats: int
    hol_bulk_jobs: int
    hol_normal_jobs: int
    fifo_bulk_jobs: int
    share_jobs: int
    share_seconds: float
    share_skip: float


FULL = FairnessSizes(scale_jobs=[10_000, 1_000_000], scale_tenants=1000, scale_repeats=20,
                     hol_bulk_jobs=2000, hol_normal_jobs=20, fifo_bulk_jobs=2000,
                     share_jobs=3000,
                     share_seconds=60.0, share_skip=5.0)
SMOKE = FairnessSizes(scale_jobs=[2000, 20_000], scale_tenants=100, scale_repeats=3,
                      hol_bulk_jobs=60, hol_normal_jobs=4, fifo_bulk_jobs=60, share_jobs=150,
                      share_seconds=10.0, share_skip=1.0)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `--fairness` group of `python -m bench`."""
    group = parser.add_argument_group("fair share and lanes (`--fairness` runs only this)")
    group.add_argument("--fairness", action="store_true",
                       help="the dispatcher's fairness and its cost; ends with one "
                            "`fairness ...` line per side")
    group.add_argument("--fairness-sides", default=",".join(SIDES),
                       help=f"which of {','.join(SIDES)} (all)")
    group.add_argument("--scale-jobs", help="waiting jobs per scale run (10000,1000000)")
    group.add_argument("--scale-tenants", type=int, help="tenants the backlog spreads over (1000)")
    group.add_argument("--scale-repeats", type=int, help="passes timed per size (20)")
    group.add_argument("--scale-slots", type=int, default=64,
                       help="slots of the fake worker row (64)")
    group.add_argument("--explain", action="store_true",
                       help="print EXPLAIN (ANALYZE, BUFFERS) of the waiting-job queries")
    group.add_argument("--hol-bulk-jobs", type=int, help="tenant A's bulk jobs (2000)")
    group.add_argument("--hol-normal-jobs", type=int, help="tenant B's normal jobs (20)")
    group.add_argument("--fifo-bulk-jobs", type=int,
                       help="tenant A's jobs in the FIFO baseline, where B waits for all of "
                            "them (2000)")
    group.add_argument("--share-jobs", type=int, help="each tenant's backlog (3000)")
    group.add_argument("--share-seconds", type=float, help="the counted interval (60)")
    group.add_argument("--share-skip", type=float,
                       help="seconds after the first finish before counting starts (5)")


def sizes_from(args: argparse.Namespace) -> FairnessSizes:
    """The preset (full or --smoke) with every size given on the command line put in."""
    preset = SMOKE if args.smoke else FULL
    given = {name: getattr(args, name) for name in asdict(preset)
             if name != "scale_jobs" and getattr(args, name, None) is not None}
    scale = ([int(n) for n in args.scale_jobs.split(",")] if args.scale_jobs
             else preset.scale_jobs)
    return FairnessSizes(**{**asdict(preset), **given, "scale_jobs": scale})


def run_scale(sizes: FairnessSizes, args: argparse.Namespace, workdir: Path,
              say: Say) -> dict[str, Any]:
    """Every size filled, then measured in turns; the largest's median over the smallest's."""
    from bench.fairness_scale import measure, scale_backlog

    with ExitStack() as stack:
        backlogs = [stack.enter_context(scale_backlog(
            workdir / f"scale-{jobs}", jobs=jobs, tenants=sizes.scale_tenants,
            slots=args.scale_slots, say=say)) for jobs in sizes.scale_jobs]
        say(f"scale: {sizes.scale_repeats} repeats of each size, in turns")
        runs = measure(backlogs, sizes.scale_repeats, show_plans=args.explain)
    small, large = runs[0], runs[-1]
    return {"tenants": sizes.scale_tenants, "runs": runs,
            "choose_ratio": large["choose"]["median_ms"] / small["choose"]["median_ms"],
            "choose_warm_ratio": (large["choose_warm"]["median_ms"]
                                  / small["choose_warm"]["median_ms"]),
            "pass_ratio": large["pass"]["median_ms"] / small["pass"]["median_ms"]}


def run_live(sizes: FairnessSizes, args: argparse.Namespace, sides: set[str], workdir: Path,
             say: Say) -> dict[str, Any]:
    """One warm worker for every live side; the dispatcher process for all but FIFO."""
    found: dict[str, Any] = {}
    slots = args.max_num_seqs
    window = window_for(slots, DEFAULT_DISPATCH_HEADROOM, DISPATCH_MIN_HEADROOM)
    prompt = FIRST_PROMPT
    with backend("postgresql", workdir, concurrency=slots) as b:
        queue = LiveQueue(b)
        for tenant, weight in [("fifo-a", 1), ("fifo-b", 1), ("hol-a", 1), ("hol-b", 1),
                               ("share-a", 3), ("share-b", 1), ("lane-a", 1), ("lane-b", 1)]:
            queue.add_tenant(tenant, weight)
        worker = WorkerProcess(b.env, workdir / "worker.log")
        try:
            say("live: starting the worker (engine load)")
            worker.wait_ready()
            hol = partial(head_of_line, queue, b_jobs=sizes.hol_normal_jobs, warm=window,
                          say=say)
            if "fifo" in sides:
                say("head-of-line, FIFO: every job published at submit, no dispatcher")
                found["fifo"] = hol(a="fifo-a", b="fifo-b", a_jobs=sizes.fifo_bulk_jobs,
                                    fifo=True, first_prompt=prompt)
            prompt += 100_000
            dispatcher = partial(dispatching, b, workdir / "dispatch.log")
            if "head-of-line" in sides:
                say("head-of-line, through the dispatcher")
                with dispatcher():
                    found["head_of_line"] = hol(a="hol-a", b="hol-b",
                                                a_jobs=sizes.hol_bulk_jobs, fifo=False,
                                                first_prompt=prompt)
            prompt += 100_000
            share = partial(shares, queue, dispatcher=dispatcher, skip=sizes.share_skip,
                            seconds=sizes.share_seconds, say=say)
            if "weights" in sides:
                say("weights: A (3) and B (1), both backlogged")
                found["weights"] = share([
                    Backlog("share-a", 3, Priority.NORMAL, sizes.share_jobs),
                    Backlog("share-b", 1, Priority.NORMAL, sizes.share_jobs)],
                    first_prompt=prompt)
            prompt += 100_000
            if "lanes" in sides:
                say("lanes: A urgent, B bulk, both backlogged")
                found["lanes"] = share([
                    Backlog("lane-a", 1, Priority.URGENT, sizes.share_jobs),
                    Backlog("lane-b", 1, Priority.BULK, sizes.share_jobs)],
                    first_prompt=prompt)
        finally:
            found["worker_exit_code"] = worker.stop()
            queue.close()
    found.update(slots=slots, window=window, target=2 * window + TARGET_SLACK,
                 lane_floor=b.settings.dispatch_lane_floor)
    return found


def last_lines(found: dict[str, Any]) -> list[str]:
    """One `fairness ...` line per side that ran."""
    lines = []
    live = found.get("live", {})
    if "head_of_line" in live or "fifo" in live:
        hol, fifo = live.get("head_of_line"), live.get("fifo")
        line = (f"fairness head_of_line a_finished={hol['a_finished']} "
                if hol else "fairness head_of_line ")
        line += f"window={live['window']} target={live['target']}"
        if fifo:
            line += f" fifo_a_finished={fifo['a_finished']}"
        lines.append(line)
    if "weights" in live:
        share = live["weights"]["shares"]
        lines.append(f"fairness weights a_share={share['share-a']:.3f} "
                     f"b_share={share['share-b']:.3f}")
    if "lanes" in live:
        lanes = live["lanes"]
        lines.append(f"fairness lanes bulk_share={lanes['shares']['lane-b']:.3f} "
                     f"expected={1 / live['lane_floor']:.3f}")
    if "scale" in found:
        scale = found["scale"]
        small, large = scale["runs"][0], scale["runs"][-1]
        lines.append(
            f"fairness scale choose_ms_{_size(small['jobs'])}={small['choose']['median_ms']:.1f} "
            f"choose_ms_{_size(large['jobs'])}={large['choose']['median_ms']:.1f} "
            f"ratio={scale['choose_ratio']:.2f} "
            f"warm_ms_{_size(small['jobs'])}={small['choose_warm']['median_ms']:.1f} "
            f"warm_ms_{_size(large['jobs'])}={large['choose_warm']['median_ms']:.1f} "
            f"redis_{_size(small['jobs'])}={small['redis_used_memory_window']} "
            f"redis_{_size(large['jobs'])}={large['redis_used_memory_window']}")
    return lines


def _size(jobs: int) -> str:
    if jobs % 1_000_000 == 0:
        return f"{jobs // 1_000_000}m"
    return f"{jobs // 1000}k" if jobs % 1000 == 0 else str(jobs)


def run_fairness(args: argparse.Namespace, say: Say) -> None:
    """The chosen sides; every figure as JSON, then the `fairness ...` lines."""
    sides = {side.strip() for side in args.fairness_sides.split(",") if side.strip()}
    unknown = sides - set(SIDES)
    if unknown:
        raise SystemExit(f"unknown fairness sides: {', '.join(sorted(unknown))}")
    sizes = sizes_from(args)
    found: dict[str, Any] = {"sizes": asdict(sizes)}
    with tempfile.TemporaryDirectory(prefix="sealq-bench-") as temp, \
            machine.LoadSampler() as load:
        workdir = args.workdir or Path(temp)
        if "scale" in sides:
            found["scale"] = run_scale(sizes, args, workdir, say)
        if sides - {"scale"}:
            found["live"] = run_live(sizes, args, sides, workdir / "live", say)
    found["machine"] = machine.describe()
    found["load_1min"] = load.summary()
    plans = [(run["jobs"], run.pop("plans")) for run in found.get("scale", {}).get("runs", [])
             if "plans" in run]
    if args.json:
        args.json.write_text(json.dumps(found, indent=2, default=str))
    print(json.dumps(found, indent=2, default=str))
    for jobs, plan in plans:
        for name, text in plan.items():
            print(f"\nEXPLAIN {name}, {jobs:,} jobs waiting:\n{text}")
    print("\n".join(last_lines(found)))
