"""`sealq exporter` on real PostgreSQL and Redis, and the worker's metrics endpoint.

The exporter must answer every scrape quickly from its last snapshot, even while the database
hangs, and say how stale that snapshot is.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, insert

from schemas.constants import TASK_GENERATE
from schemas.tables import AuditEvent, Batch, DispatcherLease, Job, WorkerSeat
from workers.engine.base import EngineStats
from workers.lifecycle.publisher import Publisher

QUEUE = "sealq.exportertest"
# A queue with work waiting and no worker consuming it.
IDLE_QUEUE = "sealq.exporteridle"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def scrape(port: int, timeout: float = 2) -> tuple[float, Samples]:
    """GET /metrics; returns how long it took and every sample by (name, labels)."""
    started = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",  # loopback
                                timeout=timeout) as response:
        assert response.status == 200
        text = response.read().decode()
    elapsed = time.monotonic() - started
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return elapsed, samples


def value(samples: Samples, name: str, **labels: str) -> float | None:
    """One sample's value, or None when it is absent."""
    return samples.get((name, frozenset(labels.items())))


def wait_for(what: str, check: Callable[[], Any], timeout: float = 30) -> Any:
    """Poll `check` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
        except OSError:
            result = None
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def job_row(batch_id: str, n: int, *, now: datetime, state: str, kind: str,
            queue: str = QUEUE, age_seconds: float = 0, policy: dict[str, int] | None = None,
            erased: bool = False, tenant: str = "t1", priority: str = "normal",
            released_seconds_ago: float | None = None) -> dict[str, Any]:
    """A job row with sealq's columns; the sealed parts are placeholders. A queued job waits
    in the database unless `released_seconds_ago` says when the dispatcher released it."""
    created = now - timedelta(seconds=age_seconds)
    finished = now - timedelta(seconds=30) if state not in {"queued", "running"} else None
    released = (now - timedelta(seconds=released_seconds_ago)
                if released_seconds_ago is not None else None)
    return {"id": uuid.uuid4().hex, "batch_id": batch_id, "tenant": tenant,
            "custom_id": f"c{n}", "position": n, "kind": kind, "queue": queue,
            "priority": priority, "state": state, "attempts": 1, "created_at": created,
            "enqueued_at": released, "expires_at": now + timedelta(days=1),
            "finished_at": finished, "erased_at": now if erased else None,
            "sealed_prompt": None if erased else b"sealed", "key_id": "k1", "policy": policy}


@pytest.fixture
def populated_pg(pg_url: str) -> str:
    """A migrated PostgreSQL job database holding jobs in several states, kinds, codes, lanes
    and tenants, live and gone workers, and the dispatcher's lease row."""
    import migrations

    migrations.upgrade(pg_url)
    engine = create_engine(pg_url)
    batch = uuid.uuid4().hex
    now = datetime.now(UTC)
    rows = [
        job_row(batch, 0, now=now, state="queued", kind="report_analysis", age_seconds=600),
        job_row(batch, 1, now=now, state="queued", kind="report_analysis", age_seconds=5),
        job_row(batch, 2, now=now, state="running", kind="report_analysis"),
        job_row(batch, 3, now=now, state="succeeded", kind="report_analysis",
                policy={"pii_redacted": 2, "injection_suspected": 1}),
        job_row(batch, 4, now=now, state="succeeded", kind="free_text", policy={"pii_redacted": 1}),
        job_row(batch, 5, now=now, state="rejected", kind="free_text", erased=True),
        job_row(batch, 6, now=now, state="expired", kind="free_text", erased=True),
        # Waiting in other lanes and tenants, in another queue, and one already released.
        job_row(batch, 7, now=now, state="queued", kind="free_text", tenant="acme",
                priority="urgent", age_seconds=120),
        job_row(batch, 8, now=now, state="queued", kind="free_text", tenant="acme",
                priority="urgent", age_seconds=60),
        job_row(batch, 9, now=now, state="queued", kind="free_text", tenant="globex",
                priority="bulk", age_seconds=300, queue=IDLE_QUEUE),
        job_row(batch, 10, now=now, state="queued", kind="free_text", tenant="acme",
                age_seconds=50, released_seconds_ago=40),
    ]
    with engine.begin() as conn:
        conn.execute(insert(Batch), [{"id": batch, "tenant": "t1", "kind": "report_analysis",
                                      "queue": QUEUE, "submit_key": "k", "job_count": len(rows),
                                      "created_at": now, "expires_at": now + timedelta(days=1)}])
        conn.execute(insert(Job), rows)
        conn.execute(insert(AuditEvent), [
            {"at": now - timedelta(minutes=m), "action": action, "status": status,
             "outcome": outcome, "tenant": "t1", "request_bytes": 0, "response_bytes": 0}
            for m, action, status, outcome in (
                (1, "batches.list", 200, "ok"),
                (2, "batches.list", 401, "unauthorized.revoked_key"),
                (3, "files.create", 401, "unauthorized.revoked_key"),
                (4, "batches.retrieve", 401, "unauthorized.unknown_key"),
                # Outside the hour the exporter looks at: not counted.
                (120, "batches.list", 401, "unauthorized.revoked_key"))])
        # Heard from ahead of `now`, so they stay live however long the exporter takes to
        # start; the third went quiet long ago and no longer counts.
        conn.execute(insert(WorkerSeat), [
            {"name": name, "queue": QUEUE, "slots": slots, "started_at": now - timedelta(hours=1),
             "seen_at": now + timedelta(seconds=seen)}
            for name, slots, seen in (("gpu-1", 8, 600), ("gpu-2", 4, 600), ("gpu-3", 64, -300))])
        conn.execute(insert(DispatcherLease), [{
            "name": "dispatcher", "owner": "beat@host-1", "passed_at": now - timedelta(seconds=2),
            "released_at": now - timedelta(seconds=30),
            "lease_expires_at": now + timedelta(seconds=13), "released_total": 4321,
            "windows": {QUEUE: {"slots": 12, "window": 15, "in_flight": 3, "released": 0}}}])
    engine.dispose()
    return pg_url


@pytest.fixture
def run_exporter(tmp_path: Path) -> Iterator[Callable[..., int]]:
    """Start real `sealq exporter` processes; yields a starter that returns the port."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(database_url: str, broker_url: str, **extra: str) -> int:
        port = free_port()
        env = {**os.environ, "SEALQ_DATABASE_URL": database_url, "SEALQ_BROKER_URL": broker_url,
               "SEALQ_QUEUE": QUEUE, "SEALQ_EXPORTER_INTERVAL_SECONDS": "1",
               "SEALQ_EXPORTER_TIMEOUT_SECONDS": "1", **extra}
        log = (tmp_path / f"exporter-{port}.log").open("wb")
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "producer", "exporter", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT))
        wait_for("the exporter to listen", lambda: scrape(port))
        return port

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word (a hung database)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


@pytest.mark.integration
@pytest.mark.timeout(120)
def test_exporter_reports_queues_jobs_ages_policy_and_erasures(
        populated_pg: str, redis_url: str, run_exporter: Callable[..., int]) -> None:
    """Queue depth from Redis, jobs by state and kind, ages, policy codes, erasures."""
    publisher = Publisher(redis_url)
    try:
        publisher.publish([uuid.uuid4().hex for _ in range(3)], QUEUE)
    finally:
        publisher.close()
    port = run_exporter(populated_pg, redis_url)
    _, samples = wait_for("a fresh snapshot",
                          lambda: (s := scrape(port)) and
                          value(s[1], "sealq_exporter_up") == 1 and s)

    assert value(samples, "sealq_queue_depth", queue=QUEUE) == 3
    assert value(samples, "sealq_queue_depth", queue="sealq.maintenance") == 0
    assert value(samples, "sealq_broker_unacked_messages") == 0
    assert value(samples, "sealq_jobs", state="queued", kind="report_analysis") == 2
    assert value(samples, "sealq_jobs", state="queued", kind="free_text") == 4
    assert value(samples, "sealq_jobs", state="running", kind="report_analysis") == 1
    assert value(samples, "sealq_jobs", state="succeeded", kind="free_text") == 1
    assert value(samples, "sealq_jobs", state="failed", kind="free_text") == 0
    age = value(samples, "sealq_oldest_queued_job_age_seconds", queue=QUEUE)
    assert age is not None and 600 <= age < 700
    assert value(samples, "sealq_jobs_erased_total") == 2
    assert value(samples, "sealq_policy_decisions_recent", code="pii_redacted") == 3
    assert value(samples, "sealq_policy_decisions_recent", code="injection_suspected") == 1
    snapshot_age = value(samples, "sealq_exporter_snapshot_age_seconds")
    assert snapshot_age is not None and snapshot_age < 5
    # The gateway's audit trail: key misuse by reason, calls by action and outcome.
    assert value(samples, "sealq_api_auth_failures_recent", reason="revoked_key") == 2
    assert value(samples, "sealq_api_auth_failures_recent", reason="unknown_key") == 1
    assert value(samples, "sealq_api_auth_failures_recent", reason="expired_key") == 0
    assert value(samples, "sealq_api_requests_recent", action="batches.list",
                 outcome="ok") == 1
    # Labels are ids of queues, lanes, tenants, states, codes and actions only: no custom
    # id, job id, worker name or key.
    labels = {name for _, pairs in samples for name, _ in pairs}
    assert labels <= {"queue", "lane", "tenant", "state", "kind", "code", "action", "outcome",
                      "reason"}


@pytest.mark.integration
@pytest.mark.timeout(120)
def test_exporter_reports_the_backlog_by_lane_and_tenant_and_the_dispatcher(
        populated_pg: str, redis_url: str, run_exporter: Callable[..., int]) -> None:
    """Waiting jobs and their oldest age by queue, lane and tenant; released jobs; live
    workers' slots; the dispatcher's last pass, release, lease, total and windows."""
    port = run_exporter(populated_pg, redis_url)
    _, samples = wait_for("a fresh snapshot",
                          lambda: (s := scrape(port)) and
                          value(s[1], "sealq_exporter_up") == 1 and s)

    def between(name: str, low: float, high: float, **labels: str) -> None:
        found = value(samples, name, **labels)
        assert found is not None and low <= found < high, (name, labels, found)

    assert value(samples, "sealq_jobs_waiting", queue=QUEUE, lane="normal", tenant="t1") == 2
    assert value(samples, "sealq_jobs_waiting", queue=QUEUE, lane="urgent", tenant="acme") == 2
    assert value(samples, "sealq_jobs_waiting", queue=IDLE_QUEUE, lane="bulk",
                 tenant="globex") == 1
    # The released job is no longer waiting; no (queue, lane, tenant) without work is shown.
    assert value(samples, "sealq_jobs_waiting", queue=QUEUE, lane="normal",
                 tenant="acme") is None
    assert len([key for key in samples if key[0] == "sealq_jobs_waiting"]) == 3
    between("sealq_oldest_waiting_seconds", 600, 700, queue=QUEUE, lane="normal", tenant="t1")
    between("sealq_oldest_waiting_seconds", 120, 220, queue=QUEUE, lane="urgent", tenant="acme")
    between("sealq_oldest_waiting_seconds", 300, 400, queue=IDLE_QUEUE, lane="bulk",
            tenant="globex")
    assert value(samples, "sealq_jobs_released", queue=QUEUE) == 1
    assert value(samples, "sealq_jobs_released", queue=IDLE_QUEUE) == 0
    between("sealq_oldest_released_seconds", 40, 140, queue=QUEUE)
    assert value(samples, "sealq_workers", queue=QUEUE) == 2
    assert value(samples, "sealq_worker_slots", queue=QUEUE) == 12
    assert value(samples, "sealq_worker_slots", queue=IDLE_QUEUE) == 0
    assert value(samples, "sealq_dispatcher_window", queue=QUEUE) == 15
    assert value(samples, "sealq_dispatcher_window", queue=IDLE_QUEUE) == 0
    assert value(samples, "sealq_dispatcher_in_flight", queue=QUEUE) == 3
    assert value(samples, "sealq_dispatcher_released_total") == 4321
    now = time.time()
    between("sealq_dispatcher_last_pass_timestamp_seconds", now - 102, now - 2)
    between("sealq_dispatcher_last_release_timestamp_seconds", now - 130, now - 30)
    between("sealq_dispatcher_lease_expires_timestamp_seconds", now - 87, now + 13)


@pytest.mark.integration
@pytest.mark.timeout(120)
def test_scrape_answers_at_once_while_the_database_never_answers(
        silent_server: int, redis_url: str, run_exporter: Callable[..., int]) -> None:
    """A database that accepts and never answers: scrapes stay fast, up 0, Redis still shown."""
    port = run_exporter(f"postgresql://sealq@127.0.0.1:{silent_server}/sealq", redis_url)
    for _ in range(5):
        elapsed, samples = scrape(port)
        assert elapsed < 1.0
        assert value(samples, "sealq_exporter_up") == 0
        assert value(samples, "sealq_jobs", state="queued", kind="report_analysis") is None
        time.sleep(0.5)
    _, samples = wait_for("the broker snapshot",
                          lambda: (s := scrape(port)) and
                          value(s[1], "sealq_queue_depth", queue=QUEUE) is not None and s)
    assert value(samples, "sealq_queue_depth", queue=QUEUE) == 0


@pytest.mark.integration
@pytest.mark.timeout(120)
def test_locked_jobs_table_makes_the_snapshot_stale_not_the_scrape_slow(
        populated_pg: str, redis_url: str, run_exporter: Callable[..., int]) -> None:
    """A lock on the jobs table: up drops to 0, staleness grows, data stays; then recovers."""
    port = run_exporter(populated_pg, redis_url)
    wait_for("a fresh snapshot", lambda: value(scrape(port)[1], "sealq_exporter_up") == 1)
    conninfo = populated_pg.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as locker:
        locker.execute("LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE")
        _, stale = wait_for("up to drop", lambda: (s := scrape(port)) and
                            value(s[1], "sealq_exporter_up") == 0 and s, timeout=20)
        time.sleep(2)
        elapsed, later = scrape(port)
        assert elapsed < 1.0
        assert value(later, "sealq_exporter_up") == 0
        first_age = value(stale, "sealq_exporter_snapshot_age_seconds")
        later_age = value(later, "sealq_exporter_snapshot_age_seconds")
        assert first_age is not None and later_age is not None and later_age > first_age
        # The last good numbers are still served beside the staleness gauge.
        assert value(later, "sealq_jobs", state="queued", kind="report_analysis") == 2
        locker.rollback()
    wait_for("recovery", lambda: value(scrape(port)[1], "sealq_exporter_up") == 1, timeout=20)


@pytest.mark.integration
@pytest.mark.timeout(60)
def test_exporter_without_database_url_exits_2(redis_url: str) -> None:
    """A missing SEALQ_DATABASE_URL is a one-line error naming it, exit code 2."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEALQ_")}
    env["SEALQ_BROKER_URL"] = redis_url
    done = subprocess.run([sys.executable, "-m", "producer", "exporter"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "sealq: SEALQ_DATABASE_URL is not set; see .env.example for what it takes"]


class FakeTask:
    """Stands in for the Celery task object task_postrun sends as its sender."""

    name = TASK_GENERATE


@pytest.mark.integration
@pytest.mark.timeout(60)
def test_worker_metrics_endpoint_reports_engine_stats_and_outcomes() -> None:
    """The worker's endpoint: engine gauges, generated tokens, and finished jobs by code."""
    from celery.signals import task_postrun

    from workers.ops.worker_metrics import serve_worker_metrics

    stats = EngineStats(running=7, waiting=3, kv_cache_usage=0.42, generation_tokens_total=1234)
    port = free_port()
    serve_worker_metrics(lambda: stats, port=port, address="127.0.0.1")
    task_postrun.send(sender=FakeTask(), retval="succeeded")
    task_postrun.send(sender=FakeTask(), retval="prompt_injection")
    task_postrun.send(sender=FakeTask(), retval="free text that must not become a label")
    task_postrun.send(sender=FakeTask(), retval=RuntimeError("boom"))
    _, samples = scrape(port)
    assert value(samples, "sealq_engine_up") == 1
    assert value(samples, "sealq_engine_running_requests") == 7
    assert value(samples, "sealq_engine_waiting_requests") == 3
    assert value(samples, "sealq_engine_kv_cache_usage_ratio") == 0.42
    assert value(samples, "sealq_engine_generation_tokens_total") == 1234
    for code in ("succeeded", "prompt_injection", "other", "worker_error"):
        assert value(samples, "sealq_worker_jobs_finished_total", code=code) == 1, code
