"""Faults on real processes with a batch in flight: nothing lost, nothing finished twice.

Each test submits a batch of 32 free-text jobs (16 run at once), waits until some have finished
while others still run and wait, injects one fault, and then checks the invariants through the
database and its audit trigger: every job in exactly one terminal state, a result exactly for
the succeeded ones, none missing, none finished twice or changed after finishing.

The dispatcher inside `sealq beat` releases the batch: 20 jobs at a time for the worker's 16
slots, so at any moment some jobs run, a few wait as messages in Redis, the rest wait in the
database. A lost message comes back through the reconciler (back to waiting) and the
dispatcher (released again).
"""

from __future__ import annotations

import signal
import subprocess
from typing import Any

import psutil
import pytest
from support.fleet import Fleet, engine_processes, fault_batch, wait_until
from support.processes import wait_gone

from schemas.constants import DEFAULT_QUEUE

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1500)]

BATCH = 32
# Bounded waits, not timings: how long a stage may take on a loaded 2-core machine.
SETTLE_SECONDS = 420
GONE_SECONDS = 60
EXIT_SECONDS = 180


def _in_flight(fleet: Fleet, prefix: str, *, waiting: int = 0) -> tuple[str, dict[str, int]]:
    """Submit a batch and wait until it is mid-way: some done, some running, some queued (at
    least one of them released to Redis, at least `waiting` not released yet)."""
    fleet.worker  # noqa: B018  # a serving worker (started if the last one is gone)
    batch = fleet.submit(fault_batch(prefix, BATCH))
    assert batch.created == BATCH
    counts = fleet.wait_for(
        batch.batch_id, "the batch to be in flight",
        lambda c: c.get("succeeded", 0) >= 1 and c.get("running", 0) >= 4
        and c.get("queued", 0) >= 4 and _released(c) >= 1 and c.get("waiting", 0) >= waiting,
        timeout=SETTLE_SECONDS)
    return batch.batch_id, counts


def _released(counts: dict[str, int]) -> int:
    """Queued jobs the dispatcher has released (their messages are in Redis)."""
    return counts.get("queued", 0) - counts.get("waiting", 0)


def _all_succeeded_once(fleet: Fleet, batch_id: str) -> list[dict[str, Any]]:
    fleet.wait_settled(batch_id, timeout=SETTLE_SECONDS)
    rows = fleet.assert_settled_once(batch_id, BATCH)
    assert {r["state"] for r in rows} == {"succeeded"}, [
        (r["custom_id"], r["state"], r["error_code"]) for r in rows if r["state"] != "succeeded"]
    client = fleet.client()
    try:
        records = list(client.results(batch_id))
    finally:
        client.close()
    assert len(records) == BATCH and all(r["error"] is None for r in records)
    return rows


def test_flushall_mid_batch_loses_no_job(fleet: Fleet) -> None:
    """FLUSHALL mid-batch drops every message; the reconciler puts their jobs back to waiting
    and the dispatcher releases them again."""
    batch_id, at_fault = _in_flight(fleet, "flush")
    admin = fleet.redis.admin()
    try:
        admin.flushall()
    finally:
        admin.close()
    fleet.faults.append("flushall")
    assert _released(at_fault) >= 1, "messages were waiting when Redis was flushed"
    _all_succeeded_once(fleet, batch_id)


def test_redis_restart_without_persistence_mid_batch_loses_no_job(fleet: Fleet) -> None:
    """Redis killed and restarted empty mid-batch: the worker reconnects, every job ends once."""
    batch_id, at_fault = _in_flight(fleet, "redis")
    fleet.redis.kill()
    fleet.redis.start()
    fleet.faults.append("redis restart")
    assert _released(at_fault) >= 1
    _all_succeeded_once(fleet, batch_id)
    assert fleet.worker is fleet.workers[-1], "the worker survived the restart"


def test_postgres_restart_mid_batch_commits_nothing_twice(fleet: Fleet) -> None:
    """PostgreSQL crashed and restarted mid-batch: the worker reconnects, no job ends twice."""
    worker = fleet.worker
    batch_id, _ = _in_flight(fleet, "pg")
    seen = len(worker.log())
    fleet.postgres.stop("immediate")
    fleet.faults.append("postgres restart")
    try:
        # Down until a job tried to write (and failed): then the fault hit work in flight.
        wait_until("a worker write to fail", lambda: any(
            word in worker.log()[seen:] for word in ("StoreUnavailable",
                                                     "database unavailable")), timeout=60)
    finally:
        fleet.postgres.start()
    _all_succeeded_once(fleet, batch_id)
    assert worker.process.poll() is None, "the worker survived the database restart"


def test_sigterm_mid_batch_stops_cleanly_and_leaves_no_engine(fleet: Fleet) -> None:
    """SIGTERM mid-batch: exit 0, no engine process left; a new worker finishes the batch."""
    worker = fleet.worker
    batch_id, _ = _in_flight(fleet, "term")
    descendants = worker.descendants()
    assert engine_processes(descendants), "the engine core runs as a child of the worker"
    assert worker.stop(signal.SIGTERM, timeout=EXIT_SECONDS) == 0, worker.log()[-3000:]
    fleet.faults.append("worker SIGTERM")
    assert wait_gone(descendants, timeout=GONE_SECONDS) == [], "engine outlived the worker"
    fleet.start_worker()
    _all_succeeded_once(fleet, batch_id)


def test_sigkill_mid_batch_requeues_and_leaves_no_engine(fleet: Fleet) -> None:
    """SIGKILL mid-batch: no engine process left; leases lapse, a new worker finishes the batch."""
    worker = fleet.worker
    batch_id, at_fault = _in_flight(fleet, "kill")
    descendants = worker.descendants()
    assert engine_processes(descendants)
    assert worker.stop(signal.SIGKILL, timeout=30) == -signal.SIGKILL
    fleet.faults.append("worker SIGKILL")
    assert wait_gone(descendants, timeout=GONE_SECONDS) == [], "engine outlived the worker"
    fleet.start_worker()
    rows = _all_succeeded_once(fleet, batch_id)
    assert at_fault["running"] >= 4
    assert any(r["attempts"] >= 2 for r in rows), "jobs in flight were run again"


def test_engine_death_exits_3_and_a_new_worker_finishes(fleet: Fleet) -> None:
    """The EngineCore dies mid-batch: the worker gives its jobs back and exits 3 (no hang)."""
    worker = fleet.worker
    batch_id, _ = _in_flight(fleet, "engine")
    descendants = worker.descendants()
    cores = [p for p in engine_processes(descendants) if "EngineCor" in p.name()]  # comm: 15 chars
    assert len(cores) == 1, engine_processes(descendants)
    cores[0].kill()
    fleet.faults.append("engine core SIGKILL")
    try:
        code = worker.process.wait(timeout=EXIT_SECONDS)
    except subprocess.TimeoutExpired:
        worker.stop(signal.SIGKILL)
        pytest.fail(f"the worker hung after its engine died:\n{worker.log()[-3000:]}")
    worker.stop()  # closes its log; it has exited already
    assert code == 3, worker.log()[-3000:]
    assert "inference engine died" in worker.log()
    assert wait_gone(descendants, timeout=GONE_SECONDS) == [], "engine processes outlived it"
    fleet.start_worker()
    _all_succeeded_once(fleet, batch_id)


def test_dispatcher_sigkill_mid_batch_loses_no_job(fleet: Fleet) -> None:
    """`sealq beat` SIGKILLed mid-batch, its dispatcher and its scheduler process with it: what
    waits stays waiting; a new beat's dispatcher takes the lapsed lease over and every job ends
    once."""
    batch_id, at_fault = _in_flight(fleet, "dispatch", waiting=4)
    killed = fleet.dispatcher_owner()
    assert killed is not None, "a dispatcher held the lease"
    scheduler = psutil.Process(fleet.services["beat"].pid).children(recursive=True)
    assert any("celery beat" in " ".join(p.cmdline()) for p in scheduler), scheduler
    assert fleet.stop_beat(signal.SIGKILL) == -signal.SIGKILL
    fleet.faults.append("beat SIGKILL")
    # Celery's embedded scheduler, a child process, does not outlive the beat that started it.
    assert wait_gone(scheduler, timeout=GONE_SECONDS) == [], "the scheduler outlived beat"
    admin = fleet.redis.admin()
    try:
        # The worker runs what was released; with no dispatcher nothing more comes.
        idle = fleet.wait_for(batch_id, "the worker to run out of released jobs",
                              lambda c: not c.get("running") and not admin.llen(DEFAULT_QUEUE),
                              timeout=SETTLE_SECONDS)
    finally:
        admin.close()
    assert idle.get("waiting", 0) >= 1, (at_fault, idle)
    fleet.start_beat()
    taken_over = wait_until("a new dispatcher to take the lease", lambda: (
        owner if (owner := fleet.dispatcher_owner()) not in (None, killed) else None),
        timeout=GONE_SECONDS)
    assert taken_over.startswith("beat@")
    _all_succeeded_once(fleet, batch_id)
