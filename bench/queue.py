"""The sealq side: a warm `sealq worker` and `sealq dispatch`; time from `Client.submit` until
every job is committed (the dispatcher's releasing included).

The end of a batch is the latest `finished_at` the worker wrote, so polling the database
tells when to look but adds nothing to the measured time. It polls a batch once a second: on a
2-core machine every query is CPU taken from the engine's cores, which raw vLLM, waiting
inside its own call, does not pay.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine as SqlEngine
from sqlalchemy import func, select

from bench.backend import TENANT, Backend
from bench.dispatcher import DispatcherProcess
from bench.plan import Plan, execute
from bench.results import Run, SideResult
from bench.worker import WorkerProcess
from bench.workload import KIND, Workload, custom_id, request_body
from producer.client import Client
from schemas.db import make_engine
from schemas.jobs import TERMINAL_STATES, BatchLine, JobState
from schemas.tables import Job

SIDE = "sealq"
BATCH_POLL_SECONDS = 1.0
SINGLE_POLL_SECONDS = 0.02
# A batch that has not finished in this long is stuck, not slow.
BATCH_TIMEOUT_SECONDS = 3600
MIB = 1 << 20


class QueueSide:
    """Jobs submitted through the producer API to a worker that is already warm."""

    name = SIDE

    def __init__(self, client: Client, jobs_db: SqlEngine) -> None:
        self._client = client
        self._db = jobs_db

    def batch(self, workload: Workload) -> Run:
        """Submit the workload as one batch; wait until every job is terminal."""
        return self._run(workload, BATCH_POLL_SECONDS)

    def single(self, index: int, tokens: int) -> float:
        """One job alone: submit, then its commit."""
        return self._run(Workload("single", 1, tokens, index), SINGLE_POLL_SECONDS).seconds

    def _run(self, workload: Workload, poll: float) -> Run:
        started = time.time()  # wall clock: compared with the worker's finished_at
        lines = [BatchLine.from_request_body(request_body(i, workload.tokens),
                                             custom_id(workload, i)) for i in workload.indices]
        submitted = self._client.submit(lines, tenant=TENANT, kind=KIND)
        if submitted.created != workload.jobs:
            raise RuntimeError(f"{workload.name}: stored {submitted.created} of "
                               f"{workload.jobs}")
        deadline = time.monotonic() + BATCH_TIMEOUT_SECONDS
        while self._pending(submitted.batch_id):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{workload.name}: not finished after "
                                   f"{BATCH_TIMEOUT_SECONDS} s")
            time.sleep(poll)
        last, generated, succeeded = self._summary(submitted.batch_id)
        return Run(SIDE, workload.name, workload.jobs, workload.tokens,
                   last.timestamp() - started, generated, succeeded)

    def _pending(self, batch_id: str) -> bool:
        terminal = [state.value for state in TERMINAL_STATES]
        query = select(func.count()).where(Job.batch_id == batch_id,
                                           Job.state.not_in(terminal))
        with self._db.connect() as connection:
            return bool(connection.scalar(query))

    def _summary(self, batch_id: str) -> tuple[datetime, int, int]:
        succeeded = func.count().filter(Job.state == JobState.SUCCEEDED.value)
        query = select(func.max(Job.finished_at), func.coalesce(func.sum(Job.completion_tokens),
                                                                0), succeeded)
        with self._db.connect() as connection:
            last, generated, ok = connection.execute(query.where(Job.batch_id == batch_id)).one()
        if last is None:
            raise RuntimeError(f"batch {batch_id} ended with no finished job")
        return last, int(generated or 0), int(ok)


def run_queue_side(backend: Backend, plan: Plan, workdir: Path,
                   rss_workload: Workload | None) -> SideResult:
    """Start a worker and the dispatcher, wait until the worker is ready, run the plan, then
    the memory check; stop both."""
    client = Client.from_settings(backend.settings)
    jobs_db = make_engine(backend.settings.database_url)
    started = time.perf_counter()
    worker = WorkerProcess(backend.env, workdir / "worker.log")
    dispatcher = DispatcherProcess(backend.env, workdir / "dispatcher.log")
    try:
        worker.wait_ready()
        side = QueueSide(client, jobs_db)
        result = execute(side, plan, time.perf_counter() - started)
        if rss_workload is not None:
            result.extra["rss"] = _memory_check(worker, side, rss_workload)
    finally:
        dispatcher_exit_code = dispatcher.stop()
        exit_code = worker.stop()
        client.close()
        jobs_db.dispose()
    result.extra["worker_exit_code"] = exit_code
    result.extra["dispatcher_exit_code"] = dispatcher_exit_code
    return result


def _memory_check(worker: WorkerProcess, side: QueueSide, workload: Workload) -> dict[str, float]:
    """RSS of the worker (alone, and with its engine) before and after `workload`."""
    own_before, total_before = worker.rss_bytes()
    run = side.batch(workload)
    own_after, total_after = worker.rss_bytes()
    return {"jobs": workload.jobs, "tokens": workload.tokens, "seconds": run.seconds,
            "succeeded": run.succeeded,
            "worker_before_mib": own_before / MIB, "worker_after_mib": own_after / MIB,
            "total_before_mib": total_before / MIB, "total_after_mib": total_after / MIB,
            "worker_growth": own_after / own_before - 1,
            "total_growth": total_after / total_before - 1}
