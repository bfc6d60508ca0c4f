"""`python -m bench --ceiling`: how many jobs per second sealq itself can run per worker process.

Real `sealq worker` processes (threads pool, real PostgreSQL and Redis, real envelope and
policy) on an engine that answers at once (bench.instant), so every second measured is sealq's
own cost. Each run submits its jobs as one batch, marks them all released and publishes them
in submit order (the dispatcher's window would cap the rate at its own pace: it is measured
separately, `--ceiling-dispatch`), up to 16 job ids to a message as the dispatcher sends them
under load (`--ceiling-per-message`), then waits until every job is terminal. The rate is jobs
over the time from publishing to the last `finished_at` the workers wrote.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench import machine
from bench.backend import TENANT, Backend, backend
from bench.dispatcher import DispatcherProcess
from bench.fairness_live import release_fifo
from bench.worker import WorkerProcess
from bench.workload import Workload, custom_id, request_body
from producer.client import Client
from schemas.db import make_engine
from schemas.jobs import TERMINAL_STATES, BatchLine, JobState
from schemas.messages import MAX_MESSAGE_JOBS
from schemas.tables import Job
from workers.lifecycle.publisher import Publisher

Say = Callable[[str], None]
KINDS = ("free_text", "report_analysis")
# Output tokens each job asks for (the instant engine ignores it; the policy does not).
TOKENS = 64
# Jobs run before measuring: connections, lazily built policy parts and caches warm up.
WARMUP_JOBS = 200
POLL_SECONDS = 0.05
RUN_TIMEOUT_SECONDS = 1800


@dataclass(frozen=True)
class CeilingRun:
    """One measured batch: what ran where, and how fast."""

    kind: str
    workers: int
    dispatcher: bool
    per_message: int
    jobs: int
    succeeded: int
    seconds: float

    @property
    def jobs_per_s(self) -> float:
        """Terminal jobs per second, publish to last finish."""
        return self.jobs / self.seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The --ceiling options."""
    group = parser.add_argument_group("the ceiling (`--ceiling` runs only this)")
    group.add_argument("--ceiling", action="store_true",
                       help="sealq's own jobs/s per worker process on an instant engine; ends "
                            "with a `ceiling jobs/s=N` line (free_text, 1 worker)")
    group.add_argument("--ceiling-jobs", type=int, default=2000,
                       help="jobs in each measured batch (2000)")
    group.add_argument("--ceiling-workers", default="1,2",
                       help="worker process counts to measure, e.g. 1,2 (1,2)")
    group.add_argument("--ceiling-kinds", default=",".join(KINDS),
                       help=f"kinds to measure ({','.join(KINDS)})")
    group.add_argument("--ceiling-per-message", default=str(MAX_MESSAGE_JOBS),
                       help="job ids per message when published at once, e.g. 1,16; the first "
                            f"is the headline ({MAX_MESSAGE_JOBS}, the most a message carries)")
    group.add_argument("--ceiling-dispatch", action="store_true",
                       help="also measure free_text on 1 worker through `sealq dispatch`")


class CeilingQueue:
    """Batches submitted, released at once, and timed until every job is terminal."""

    def __init__(self, b: Backend) -> None:
        self._client = Client.from_settings(b.settings)
        self._db = make_engine(b.settings.database_url, pool_size=2)
        self._publisher = Publisher(b.settings.broker_url)
        self._next_prompt = 0

    def close(self) -> None:
        """Every connection this opened."""
        self._publisher.close()
        self._client.close()
        self._db.dispose()

    def submit(self, kind: str, jobs: int) -> str:
        """`jobs` report prompts of `kind` as one batch; its id."""
        workload = Workload(kind, jobs, TOKENS, self._next_prompt)
        self._next_prompt += jobs
        lines = [BatchLine.from_request_body(request_body(i, TOKENS), custom_id(workload, i))
                 for i in workload.indices]
        result = self._client.submit(lines, tenant=TENANT, kind=kind)
        if result.created != jobs:
            raise RuntimeError(f"stored {result.created} of {jobs} jobs")
        return result.batch_id

    def release_all(self, batch_id: str, per_message: int) -> int:
        """Mark every job of the batch released and publish them in submit order."""
        return release_fifo(self._db, self._publisher, batch_id, per_message=per_message)

    def wait(self, batch_id: str, started: float) -> tuple[int, float]:
        """Block until every job is terminal; (succeeded, seconds from `started` to the last
        finish)."""
        terminal = [state.value for state in TERMINAL_STATES]
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
        with self._db.connect() as connection:
            while connection.scalar(select(func.count()).where(
                    Job.batch_id == batch_id, Job.state.not_in(terminal))):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"batch {batch_id} not done in {RUN_TIMEOUT_SECONDS} s")
                connection.rollback()
                time.sleep(POLL_SECONDS)
            last, ok = connection.execute(
                select(func.max(Job.finished_at),
                       func.count().filter(Job.state == JobState.SUCCEEDED.value))
                .where(Job.batch_id == batch_id)).one()
        if last is None:
            raise RuntimeError(f"batch {batch_id} ended with no finished job")
        return int(ok), last.timestamp() - started


def _measure(queue: CeilingQueue, kind: str, jobs: int, *,
             per_message: int | None) -> tuple[int, float]:
    """Time one batch; published at once `per_message` to a message, or (None) left to the
    dispatcher."""
    batch_id = queue.submit(kind, jobs)
    started = time.time()  # wall clock: compared with the workers' finished_at
    if per_message is not None:
        queue.release_all(batch_id, per_message)
    return queue.wait(batch_id, started)


def run_config(b: Backend, queue: CeilingQueue, workdir: Path, *, kind: str, workers: int,
               jobs: int, dispatcher: bool, per_message: int, say: Say) -> CeilingRun:
    """Start `workers` instant workers (and a dispatcher), warm them up, time one batch."""
    tag = f"{kind}-{workers}w-{'dispatch' if dispatcher else f'{per_message}pm'}"
    started = [WorkerProcess(b.env, workdir / f"worker-{tag}-{n}.log",
                             module=("bench.instant",)) for n in range(workers)]
    dispatch = DispatcherProcess(b.env, workdir / f"dispatch-{tag}.log") if dispatcher else None
    try:
        for worker in started:
            worker.wait_ready()
        publish = None if dispatch is not None else per_message
        _measure(queue, kind, WARMUP_JOBS * workers, per_message=publish)
        succeeded, seconds = _measure(queue, kind, jobs, per_message=publish)
    finally:
        if dispatch is not None:
            dispatch.stop()
        for worker in started:
            worker.stop()
    run = CeilingRun(kind, workers, dispatcher, 0 if dispatcher else per_message, jobs,
                     succeeded, seconds)
    say(f"ceiling {tag}: {jobs} jobs in {seconds:.2f} s = {run.jobs_per_s:.0f} jobs/s, "
        f"{run.jobs_per_s / workers:.0f} per worker ({succeeded} succeeded)")
    return run


def run_ceiling(args: argparse.Namespace, say: Say) -> list[CeilingRun]:
    """Every configuration asked for, on one PostgreSQL backend; prints the last line."""
    import tempfile

    kinds = [k for k in args.ceiling_kinds.split(",") if k]
    counts = [int(n) for n in args.ceiling_workers.split(",") if n]
    sizes = [int(n) for n in args.ceiling_per_message.split(",") if n]
    if not sizes or not all(1 <= n <= MAX_MESSAGE_JOBS for n in sizes):
        raise SystemExit(f"--ceiling-per-message: each size must be 1 to {MAX_MESSAGE_JOBS}")
    jobs = 200 if args.smoke else args.ceiling_jobs
    runs: list[CeilingRun] = []
    with tempfile.TemporaryDirectory(prefix="sealq-ceiling-") as temp, \
            machine.LoadSampler() as load:
        workdir = args.workdir or Path(temp)
        workdir.mkdir(parents=True, exist_ok=True)
        with backend("postgresql", workdir, concurrency=args.max_num_seqs) as b:
            queue = CeilingQueue(b)
            try:
                for kind in kinds:
                    for workers in counts:
                        for size in sizes:
                            runs.append(run_config(b, queue, workdir, kind=kind,
                                                   workers=workers, jobs=jobs,
                                                   dispatcher=False, per_message=size, say=say))
                if args.ceiling_dispatch:
                    runs.append(run_config(b, queue, workdir, kind=kinds[0], workers=1,
                                           jobs=jobs, dispatcher=True, per_message=0, say=say))
            finally:
                queue.close()
    found: dict[str, Any] = {"machine": machine.describe(), "load_1min": load.summary(),
                             "threads_per_worker": args.max_num_seqs,
                             "runs": [{**asdict(r), "jobs_per_s": r.jobs_per_s} for r in runs]}
    if args.json:
        args.json.write_text(json.dumps(found, indent=2))
    for r in runs:
        print(f"{r.kind:16} workers={r.workers} dispatcher={'yes' if r.dispatcher else 'no ':3} "
              f"per_message={r.per_message or '-':>2} "
              f"jobs/s={r.jobs_per_s:7.1f} per worker={r.jobs_per_s / r.workers:7.1f} "
              f"succeeded={r.succeeded}/{r.jobs}")
    headline = runs[0]
    print(f"ceiling jobs/s={headline.jobs_per_s / headline.workers:.0f}")
    return runs
