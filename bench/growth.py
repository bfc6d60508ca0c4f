"""`python -m bench --growth`: do submit, claim+finish and sweep stay flat as the job table grows?

Two PostgreSQL job databases are aged by SQL (`bench.growth_fill`): a small one (10,000 job
rows) and a big one (`--growth-rows`, 1,000,000), mostly tombstones, some finished work not yet
collected, some queued and running. Then, in rounds, the same work is timed on each:

- submit: `Client.submit` of `work` lines, the producer's real path (validate, seal, store),
  as `SUBMIT_SLICES` batches that alternate between the sizes (a submit takes tens of
  milliseconds, so a burst of a neighbour's work could otherwise land on one size alone);
- claim+finish: `WorkerStore.claim` then `WorkerStore.finish` of each of those jobs, the
  worker's database path without an engine, one job after another;
- sweep: one `Sweeper.run` (retention 30 days) at a `now` where exactly `work` finished jobs
  are past expiry and `work` tombstones past retention: rows erased plus rows dropped, per
  second.

Within a round each measurement runs on both sizes back to back, which one first alternating
by round, and gives a ratio: big size's rate over small size's. A busy neighbour slows both
sides of a ratio alike, while it would swing rates taken minutes apart several-fold. The last
line gives each ratio's median over the rounds: 1.0 is flat.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from bench import machine
from bench.backend import TENANT, fresh_database
from bench.growth_fill import fill, sweep_time
from bench.workload import KIND, request_body
from producer.client import Client
from schemas.constants import KEY_STORE_POOL_SIZE
from schemas.db import make_engine
from schemas.jobs import BatchLine, JobState
from schemas.keyfile import init_key_file, load_key_file
from schemas.keystore import KeyStore
from schemas.settings import Settings
from schemas.tables import Job
from workers.lifecycle.sweeper import Sweeper
from workers.store import Outcome, WorkerStore

Say = Callable[[str], None]
DEFAULT_ROWS = 1_000_000
SMALL_ROWS = 10_000
ROUNDS = 5
RETENTION = timedelta(days=30)
SEALED_RESULT = b"\x5a" * 400
SEALED_OUTCOME = b"\x6b" * 80
RATES = ("submit", "claim", "sweep")
SUBMIT_SLICES = 5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`--growth` and `--growth-rows`."""
    parser.add_argument("--growth", action="store_true",
                        help="only submit, claim+finish and sweep rates at 10,000 job rows and "
                             "at --growth-rows; ends with a `growth ...` line of ratios")
    parser.add_argument("--growth-rows", type=int, default=DEFAULT_ROWS,
                        help="job rows of the big table (1000000); the small one has a tenth, "
                             "at most 10000")


@dataclass
class Size:
    """One job database of a given size and what was measured on it."""

    rows: int
    engine: Engine
    settings: Settings
    fill_seconds: float = 0.0
    rates: dict[str, list[float]] = field(default_factory=lambda: {r: [] for r in RATES})
    batch_ids: list[str] = field(default_factory=list)
    submit_seconds: float = 0.0

    def median(self, rate: str) -> float:
        """The median of one rate over the rounds."""
        return statistics.median(self.rates[rate])


def sizes_for(rows: int) -> tuple[int, int, int]:
    """(small rows, big rows, work per measurement) for a big table of `rows`."""
    small = min(SMALL_ROWS, rows // 10)
    # The sweeper's slices of every round must fit in the small table with room to spare.
    return small, rows, small // (4 * ROUNDS)


def measure_submit(client: Client, name: str, lines: int) -> tuple[float, str]:
    """Submit `lines` lines as the bench tenant, custom ids `name-<n>`; (seconds, batch id)."""
    batch = [BatchLine.from_request_body(request_body(i, 16), f"{name}-{i}")
             for i in range(lines)]
    started = time.perf_counter()
    result = client.submit(batch, tenant=TENANT, kind=KIND, ttl_seconds=24 * 3600)
    seconds = time.perf_counter() - started
    if result.created != lines:
        raise RuntimeError(f"submit stored {result.created} of {lines} lines")
    return seconds, result.batch_id


def measure_claim_finish(engine: Engine, batch_ids: list[str]) -> float:
    """Claim and finish every job of these batches, one after another; jobs/s."""
    with engine.connect() as connection:
        job_ids = list(connection.scalars(select(Job.id).where(Job.batch_id.in_(batch_ids))
                                          .order_by(Job.batch_id, Job.position)))
    store = WorkerStore(engine, owner="bench-growth", lease_seconds=300, max_attempts=3)
    outcome = Outcome(state=JobState.SUCCEEDED, sealed_result=SEALED_RESULT,
                      sealed_outcome=SEALED_OUTCOME, prompt_tokens=300, completion_tokens=16,
                      finish_reason="length", policy={})
    started = time.perf_counter()
    for job_id in job_ids:
        now = datetime.now(UTC)
        claim = store.claim(job_id, now=now)
        if claim is None or not store.finish(claim, outcome, now=now):
            raise RuntimeError(f"job {job_id} could not be claimed and finished")
    return len(job_ids) / (time.perf_counter() - started)


def measure_sweep(sweeper: Sweeper, now: datetime, work: int) -> float:
    """One sweep that must erase `work` rows and drop `work` tombstones; rows/s."""
    started = time.perf_counter()
    report = sweeper.run(now=now)
    seconds = time.perf_counter() - started
    if (report.erased, report.tombstones_dropped, report.complete) != (work, work, True):
        raise RuntimeError(f"sweep at {now} did not do its slice: {report}")
    return 2 * work / seconds


@contextmanager
def _databases(rows: tuple[int, ...], workdir: Path) -> Iterator[list[Size]]:
    keys = workdir / "keys" / "sealq-keys.json"
    init_key_file(keys)
    with ExitStack() as stack:
        sizes = []
        for count in rows:
            url = stack.enter_context(fresh_database("postgresql", workdir))
            settings = Settings(database_url=url, broker_url="redis://127.0.0.1:6379/0",
                                keys_file=keys, key_store_url=f"sqlite:///{workdir}/keys.db")
            engine = make_engine(url, pool_size=2)
            stack.callback(engine.dispose)
            sizes.append(Size(rows=count, engine=engine, settings=settings))
        yield sizes


def measure_growth(rows: int, workdir: Path, say: Say) -> dict[str, Any]:
    """Fill both tables, then measure every rate on each, rounds alternating the order."""
    small_rows, big_rows, work = sizes_for(rows)
    base = datetime.now(UTC).replace(microsecond=0)
    with _databases((small_rows, big_rows), workdir) as sizes:
        for size in sizes:
            say(f"growth: filling {size.rows:,} job rows")
            size.fill_seconds = fill(size.engine, rows=size.rows, work=work, rounds=ROUNDS,
                                     retention=RETENTION, base=base, say=say)
        keystore = KeyStore(make_engine(sizes[0].settings.resolved_key_store_url,
                                        pool_size=KEY_STORE_POOL_SIZE),
                            load_key_file(sizes[0].settings.keys_file), bucket_seconds=3600)
        keystore.create_schema()
        clients = {size.rows: Client.from_settings(size.settings) for size in sizes}
        sweepers = {size.rows: Sweeper(size.engine, keystore, tombstone_retention=RETENTION)
                    for size in sizes}
        small, big = sizes
        ratios: dict[str, list[float]] = {name: [] for name in RATES}
        try:
            for round_no in range(ROUNDS):
                order = sizes if round_no % 2 == 0 else sizes[::-1]
                for size in sizes:
                    size.batch_ids, size.submit_seconds = [], 0.0
                for part in range(SUBMIT_SLICES):
                    for size in order if part % 2 == 0 else order[::-1]:
                        seconds, batch_id = measure_submit(
                            clients[size.rows], f"growth-{round_no}-{part}",
                            work // SUBMIT_SLICES)
                        size.submit_seconds += seconds
                        size.batch_ids.append(batch_id)
                for size in order:
                    size.rates["submit"].append(
                        work // SUBMIT_SLICES * SUBMIT_SLICES / size.submit_seconds)
                for size in order:
                    size.rates["claim"].append(measure_claim_finish(size.engine, size.batch_ids))
                for size in order:
                    size.rates["sweep"].append(measure_sweep(
                        sweepers[size.rows], sweep_time(base, ROUNDS, round_no), work))
                for name in RATES:
                    ratios[name].append(big.rates[name][-1] / small.rates[name][-1])
                say(f"growth: round {round_no + 1}: " + ", ".join(
                    f"{name} {small.rates[name][-1]:,.0f} -> {big.rates[name][-1]:,.0f}/s"
                    for name in RATES))
        finally:
            for client in clients.values():
                client.close()
        return {
            "work_per_measurement": work, "rounds": ROUNDS,
            "sizes": [{"rows": s.rows, "fill_seconds": s.fill_seconds, "rates": s.rates,
                       "median": {name: s.median(name) for name in RATES}} for s in sizes],
            "round_ratios": ratios,
            "ratios": {name: statistics.median(values) for name, values in ratios.items()},
        }


def run_growth(args: argparse.Namespace, say: Say) -> None:
    """Measure, print the figures, end with the `growth ...` line."""
    with tempfile.TemporaryDirectory(prefix="sealq-growth-") as temp, \
            machine.LoadSampler() as load:
        workdir = args.workdir or Path(temp)
        workdir.mkdir(parents=True, exist_ok=True)
        found = measure_growth(args.growth_rows, workdir, say)
    found["machine"] = machine.describe()
    found["load_1min"] = load.summary()
    if args.json:
        args.json.write_text(json.dumps(found, indent=2))
    for size in found["sizes"]:
        print(f"{size['rows']:>9,} rows: " + "  ".join(
            f"{name} {size['median'][name]:,.0f}/s" for name in RATES))
    ratios = found["ratios"]
    print(f"growth submit={ratios['submit']:.2f} claim={ratios['claim']:.2f} "
          f"sweep={ratios['sweep']:.2f}")
