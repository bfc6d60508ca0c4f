"""A whole private sealq deployment for fault tests: real processes, every byte observable.

PostgreSQL (own cluster, every statement logged), Redis (compose's ACL, every command recorded
by MONITOR), `sealq beat` (sweeper, reconciler and the dispatcher), `sealq flower`, the gateway
(`sealq api`) and real `sealq worker`s with the vLLM engine, all with TMPDIR in the fleet's
folder and DEBUG logs. Each process connects as its role, to Redis and to PostgreSQL (the users
`sealq db upgrade` creates), as in compose. A trigger records every change of a job's state or
result, so a test can prove a job was finished once, not just that it looks finished.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import psutil
import psycopg
from sqlalchemy import Engine, create_engine, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

import migrations
from migrations.roles import apply_roles
from producer.client import Client, SubmitResult
from producer.tenants import Role, TenantDirectory
from schemas.constants import DEFAULT_QUEUE
from schemas.db import make_engine
from schemas.grants import ROLES as DB_ROLES
from schemas.jobs import TERMINAL_STATES, BatchLine
from schemas.keyfile import init_key_file, load_key_file
from schemas.keystore import KeyStore
from schemas.settings import Settings
from schemas.tables import Job
from support.processes import SEALQ, WorkerProcess
from support.services import AclRedis, PrivatePostgres, RedisMonitor, free_port

T = TypeVar("T")

# Confidential-text stand-ins: put in prompts, and asked of the model so they are in results.
CANARY_PROMPT = "CANARY-RELIAB-9K3X"
CANARY_ECHO = "ZEBRA-CANARY-4471"
CANARIES = (CANARY_PROMPT, CANARY_ECHO)

# Jobs held here wait in the database for a queue no worker announces, so the dispatcher
# releases none of them and a test can alter them before any worker sees them
# (see Fleet.release).
HOLD_QUEUE = "sealq.hold"
LEASE_SECONDS = 10
RECONCILE_SECONDS = 2
CONCURRENCY = 16
# A worker loads its engine in about 30 s on an idle machine; minutes on a busy shared one.
READY_SECONDS = 600
FLOWER_USER, FLOWER_PASSWORD = "ops", "reliability-suite-password"
TERMINAL = tuple(sorted(s.value for s in TERMINAL_STATES))

AUDIT_SQL = """
CREATE TABLE job_audit (
    seq bigserial PRIMARY KEY, job_id varchar(40) NOT NULL, old_state varchar(16),
    new_state varchar(16), attempts int, result_set boolean, at timestamptz
);
-- SECURITY DEFINER: it writes the audit table as its owner, not as the worker's user.
CREATE FUNCTION job_audit() RETURNS trigger SECURITY DEFINER AS $$
BEGIN
    IF OLD.state IS DISTINCT FROM NEW.state
       OR OLD.sealed_result IS DISTINCT FROM NEW.sealed_result THEN
        INSERT INTO job_audit (job_id, old_state, new_state, attempts, result_set, at)
        VALUES (NEW.id, OLD.state, NEW.state, NEW.attempts, NEW.sealed_result IS NOT NULL,
                clock_timestamp());
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER job_audit AFTER UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION job_audit();
"""


def wait_until(what: str, check: Callable[[], T | None], timeout: float,
               every: float = 0.25) -> T:
    """Poll `check` until it returns something truthy; AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


def line(custom_id: str, content: str, max_tokens: int = 32) -> BatchLine:
    """One free-text request at temperature 0."""
    return BatchLine.from_request_body({"messages": [{"role": "user", "content": content}],
                                        "max_tokens": max_tokens, "temperature": 0}, custom_id)


def fault_batch(prefix: str, size: int) -> list[BatchLine]:
    """A batch of canary-bearing requests; every fourth asks the model to echo CANARY_ECHO."""
    lines = []
    for i in range(size):
        if i % 4 == 0:
            lines.append(line(f"{prefix}-echo-{i}", f"Repeat exactly: {CANARY_ECHO}",
                              max_tokens=24))
        else:
            lines.append(line(f"{prefix}-note-{i}", f"Write two sentences about the number {i} "
                                                    f"for the internal memo {CANARY_PROMPT}."))
    return lines


def engine_processes(processes: Sequence[psutil.Process]) -> list[psutil.Process]:
    """Those of `processes` that are vLLM's engine core (by process title)."""
    found = []
    for process in processes:
        try:
            if "VLLM" in process.name() or "EngineCore" in " ".join(process.cmdline()):
                found.append(process)
        except psutil.Error:
            continue
    return found


@dataclass
class Fleet:
    """The running deployment and the test's handles on it."""

    root: Path
    redis: AclRedis
    postgres: PrivatePostgres
    monitor: RedisMonitor
    jobs_url: str
    keystore_url: str
    keys_file: Path
    tmpdir: Path
    db_passwords: dict[str, str] = field(default_factory=dict)
    workers: list[WorkerProcess] = field(default_factory=list)
    services: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    flower_url: str = ""
    api_url: str = ""
    faults: list[str] = field(default_factory=list)
    _db: Engine | None = None

    # --- lifetime --------------------------------------------------------------------------

    @classmethod
    def start(cls, root: Path) -> Fleet:
        """Bring up PostgreSQL, Redis, beat and Flower (workers start on demand)."""
        postgres = PrivatePostgres()
        redis_server = AclRedis(root / "redis")
        fleet = cls(root=root, redis=redis_server, postgres=postgres,
                    monitor=RedisMonitor(redis_server, root / "redis" / "monitor.log"),
                    jobs_url=postgres.url("sealq"), keystore_url=postgres.url("sealq_keys"),
                    keys_file=root / "keys" / "sealq-keys.json", tmpdir=root / "tmp")
        try:
            postgres.init()
            postgres.create_database("sealq")
            postgres.create_database("sealq_keys")
            init_key_file(fleet.keys_file)
            fleet._migrate()
            with psycopg.connect(postgres.conninfo("sealq"), autocommit=True) as connection:
                connection.execute(AUDIT_SQL)
            fleet.tmpdir.mkdir()
            redis_server.start()
            fleet.monitor.start()
            # Launched together, waited for together: each takes seconds to minutes here.
            worker = fleet._launch_worker()
            fleet.start_beat()
            fleet._start_flower()
            fleet._start_api()
            worker.wait_ready(READY_SECONDS)
        except BaseException:
            fleet.close()
            raise
        return fleet

    def close(self) -> None:
        """Stop everything this fleet started, workers first."""
        for worker in self.workers:
            worker.stop()
        for process in self.services.values():
            _stop(process)
        if self._db is not None:
            self._db.dispose()
        if self.redis.process is not None:
            self.monitor.stop()
            self.redis.stop()
        self.postgres.destroy()

    def _migrate(self) -> None:
        """What `sealq db upgrade` does: tables, the key store, one user per role."""
        migrations.upgrade(self.jobs_url)
        self.db_passwords = {role: secrets.token_hex(16) for role in DB_ROLES}
        for database, url in (("job database", self.jobs_url), ("key store", self.keystore_url)):
            engine = make_engine(url, pool_size=1)
            if database == "key store":
                KeyStore(engine, load_key_file(self.keys_file), bucket_seconds=3600) \
                    .create_schema()
            apply_roles(engine, database, self.db_passwords, prefix="sealq_")
            engine.dispose()

    def role_url(self, role: str, database: str = "sealq") -> str:
        """The URL a role's process uses for a database (its own, password-checked user)."""
        return self.postgres.role_url(database, f"sealq_{role}", self.db_passwords[role])

    def env(self, role: str) -> dict[str, str]:
        """Settings of a sealq process acting as `role` on this fleet."""
        return {
            "SEALQ_DATABASE_URL": self.role_url(role),
            "SEALQ_KEY_STORE_URL": self.role_url(role, "sealq_keys"),
            "SEALQ_BROKER_URL": self.redis.url(role), "SEALQ_KEYS_FILE": str(self.keys_file),
            "SEALQ_LOG_LEVEL": "DEBUG", "SEALQ_WORKER_CONCURRENCY": str(CONCURRENCY),
            "SEALQ_LEASE_SECONDS": str(LEASE_SECONDS), "SEALQ_KV_CACHE_GIB": "1",
            "SEALQ_RECONCILE_INTERVAL_SECONDS": str(RECONCILE_SECONDS),
            "TMPDIR": str(self.tmpdir), "VLLM_CACHE_ROOT": str(self.root / "vllm-cache"),
            # vLLM pins every CPU engine to core 0 by default: on a machine shared with other
            # engines they all queue on that one core. One unpinned thread goes where it can.
            "VLLM_CPU_OMP_THREADS_BIND": os.environ.get("VLLM_CPU_OMP_THREADS_BIND", "nobind"),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
        }

    def start_beat(self) -> None:
        """Start `sealq beat` (sweeper, reconciler, dispatcher); wait until it is ready."""
        path = self.root / "beat.log"
        seen = path.stat().st_size if path.exists() else 0
        with path.open("ab") as log:
            self.services["beat"] = subprocess.Popen(
                [*SEALQ, "beat"], env={**os.environ, **self.env("beat")}, stdout=log,
                stderr=subprocess.STDOUT)
        wait_until("beat to be ready",
                   lambda: b" ready." in path.read_bytes()[seen:], timeout=120)

    def stop_beat(self, sig: int) -> int:
        """Send `sealq beat` (and its dispatcher) `sig`; its exit code once it has exited."""
        beat = self.services["beat"]
        beat.send_signal(sig)
        return beat.wait(timeout=60)

    def dispatcher_owner(self) -> str | None:
        """Who holds the dispatcher lease now (None: nobody does, or it has lapsed)."""
        rows = self.query("SELECT owner FROM dispatcher WHERE lease_expires_at > now()")
        return str(rows[0]["owner"]) if rows else None

    def _start_flower(self) -> None:
        port = free_port()
        env = {**os.environ, "SEALQ_BROKER_URL": self.redis.url("flower"),
               "SEALQ_FLOWER_BASIC_AUTH": f"{FLOWER_USER}:{FLOWER_PASSWORD}",
               "SEALQ_LOG_LEVEL": "DEBUG", "TMPDIR": str(self.tmpdir)}
        with (self.root / "flower.log").open("ab") as log:
            self.services["flower"] = subprocess.Popen(
                [*SEALQ, "flower", "--port", str(port)], env=env, stdout=log,
                stderr=subprocess.STDOUT)
        self.flower_url = f"http://127.0.0.1:{port}"
        wait_until("Flower to listen",
                   lambda: self.flower_get("/healthcheck", auth=False)[0] == 200, timeout=60)

    def _start_api(self) -> None:
        port = free_port()
        with (self.root / "api.log").open("ab") as log:
            self.services["api"] = subprocess.Popen(
                [*SEALQ, "api", "--port", str(port)], env={**os.environ, **self.env("api")},
                stdout=log, stderr=subprocess.STDOUT)
        self.api_url = f"http://127.0.0.1:{port}/v1"

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(  # noqa: S310  # loopback
                        self.api_url.removesuffix("/v1") + "/healthz", timeout=5) as answer:
                    return int(answer.status) == 200
            except OSError:
                return False

        wait_until("the gateway to listen", healthy, timeout=120)

    def api_key(self, tenant: str) -> str:
        """A new submitter key for the tenant (registered first if needed)."""
        directory = TenantDirectory(self.db())
        now = datetime.now(UTC)
        if directory.get(tenant) is None:
            directory.add(tenant, now=now)
        return directory.issue_key(tenant, role=Role.SUBMITTER, now=now)[1]

    def log(self, service: str) -> str:
        """Everything a service (beat, flower, api) wrote so far."""
        return (self.root / f"{service}.log").read_text(errors="replace")

    # --- workers ---------------------------------------------------------------------------

    def _launch_worker(self) -> WorkerProcess:
        worker = WorkerProcess(self.env("worker"), self.root / f"worker-{len(self.workers)}.log")
        self.workers.append(worker)
        return worker

    def start_worker(self) -> WorkerProcess:
        """A new `sealq worker` (real engine), ready to consume."""
        worker = self._launch_worker()
        worker.wait_ready(READY_SECONDS)
        return worker

    @property
    def worker(self) -> WorkerProcess:
        """The worker currently serving, started if none is alive."""
        if not self.workers or self.workers[-1].process.poll() is not None:
            return self.start_worker()
        return self.workers[-1]

    # --- jobs ------------------------------------------------------------------------------

    def settings(self, queue: str = DEFAULT_QUEUE) -> Settings:
        """A producer's settings on this fleet."""
        return Settings(_env_file=None, database_url=self.role_url("producer"),
                        broker_url=self.redis.url("producer"), keys_file=self.keys_file,
                        key_store_url=self.role_url("producer", "sealq_keys"), queue=queue)

    def submit(self, lines: Sequence[BatchLine], *, kind: str = "free_text",
               tenant: str = "acme", held: bool = False) -> SubmitResult:
        """Submit a batch as a producer would (held: to HOLD_QUEUE, which no worker serves)."""
        client = Client.from_settings(self.settings(HOLD_QUEUE if held else DEFAULT_QUEUE))
        try:
            if client.tenants.get(tenant) is None:
                client.tenants.add(tenant, now=datetime.now(UTC))
            return client.submit(lines, tenant=tenant, kind=kind)
        finally:
            client.close()

    def client(self) -> Client:
        """A producer client (for status and results); close it after use."""
        return Client.from_settings(self.settings())

    def release(self, job_ids: Sequence[str]) -> None:
        """Move held jobs, all still waiting, to the served queue: the dispatcher takes it
        from there."""
        with self.db().begin() as connection:
            moved = connection.execute(
                update(Job).where(Job.id.in_(list(job_ids)), Job.queue == HOLD_QUEUE,
                                  Job.state == "queued", Job.enqueued_at.is_(None))
                .values(queue=DEFAULT_QUEUE))
        assert moved.rowcount == len(job_ids), "a held job was released or changed"

    def db(self) -> Engine:
        """The test's own connection to the job database (no pool: survives restarts)."""
        if self._db is None:
            self._db = create_engine(self.jobs_url, poolclass=NullPool)
        return self._db

    def query(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        """Rows of a query, retried while the database restarts."""
        deadline = time.monotonic() + 120
        while True:
            try:
                with self.db().connect() as connection:
                    return [dict(r._mapping) for r in connection.execute(text(sql), params)]
            except OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def jobs(self, batch_id: str) -> list[dict[str, Any]]:
        """The batch's job rows with what the invariants need."""
        return self.query(
            "SELECT id, custom_id, state, error_code, attempts, lease_token, tenant, "
            "sealed_result IS NOT NULL AS has_result FROM jobs WHERE batch_id = :b "
            "ORDER BY position", b=batch_id)

    def counts(self, batch_id: str) -> dict[str, int]:
        """Jobs per state (only states present), and under "waiting" those of the queued the
        dispatcher has not released yet."""
        rows = self.query(
            "SELECT state, count(*) AS n, count(*) FILTER (WHERE enqueued_at IS NULL) AS waiting "
            "FROM jobs WHERE batch_id = :b GROUP BY state", b=batch_id)
        counts = {r["state"]: int(r["n"]) for r in rows}
        waiting = sum(int(r["waiting"]) for r in rows if r["state"] == "queued")
        if waiting:
            counts["waiting"] = waiting
        return counts

    def wait_for(self, batch_id: str, what: str, check: Callable[[dict[str, int]], bool],
                 timeout: float) -> dict[str, int]:
        """Poll the batch's counts until `check` holds."""
        def probe() -> dict[str, int] | None:
            counts = self.counts(batch_id)
            return counts if check(counts) else None
        return wait_until(what, probe, timeout, every=0.2)

    def wait_settled(self, batch_id: str, timeout: float = 300) -> dict[str, int]:
        """Wait until no job of the batch is queued or running."""
        return self.wait_for(batch_id, "every job to end",
                             lambda c: not c.get("queued") and not c.get("running"), timeout)

    def audit(self, batch_id: str) -> list[dict[str, Any]]:
        """Every recorded state or result change of the batch's jobs, in order."""
        return self.query(
            "SELECT a.job_id, a.old_state, a.new_state, a.attempts, a.result_set "
            "FROM job_audit a JOIN jobs j ON j.id = a.job_id WHERE j.batch_id = :b "
            "ORDER BY a.seq", b=batch_id)

    def assert_settled_once(self, batch_id: str, expected: int) -> list[dict[str, Any]]:
        """The invariants: each job in one terminal state, a result iff it succeeded, none
        lost, and (from the audit trigger) each finished exactly once, never changed after."""
        rows = self.jobs(batch_id)
        assert len(rows) == expected, f"{expected - len(rows)} jobs lost"
        for row in rows:
            assert row["state"] in TERMINAL, row
            assert row["has_result"] == (row["state"] == "succeeded"), row
            assert row["lease_token"] is None, row
        finished: dict[str, int] = {}
        for change in self.audit(batch_id):
            assert change["old_state"] not in TERMINAL, f"a finished job changed: {change}"
            if change["new_state"] in TERMINAL:
                finished[change["job_id"]] = finished.get(change["job_id"], 0) + 1
        twice = {job: n for job, n in finished.items() if n != 1}
        assert not twice, f"jobs finished more than once: {twice}"
        assert set(finished) == {row["id"] for row in rows}
        return rows

    # --- Flower ----------------------------------------------------------------------------

    def flower_get(self, path: str, *, auth: bool = True) -> tuple[int, bytes]:
        """GET a Flower page or API answer; returns status and body."""
        request = urllib.request.Request(self.flower_url + path)  # noqa: S310  # loopback
        if auth:
            token = base64.b64encode(f"{FLOWER_USER}:{FLOWER_PASSWORD}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return int(response.status), response.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except OSError:
            return 0, b""

    def flower_tasks(self) -> dict[str, Any]:
        """Flower's /api/tasks answer, parsed."""
        status, body = self.flower_get("/api/tasks")
        assert status == 200, status
        tasks: dict[str, Any] = json.loads(body)
        return tasks


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
