"""Least-privilege database users on a real PostgreSQL: each role can do its work and no more.

One private cluster for the module (roles are cluster-wide, and its TCP logins check SCRAM
passwords, unlike the shared server's trust). `sealq db upgrade` runs as the tables' owner
with a roles file, as compose's `migrate` does; every check then connects as a role.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import redis
from psycopg import errors
from support.processes import SEALQ
from support.services import PrivatePostgres

from producer.client import Client
from schemas.constants import KEY_STORE_POOL_SIZE
from schemas.db import make_engine
from schemas.grants import ROLES
from schemas.jobs import BatchLine, JobState
from schemas.keyfile import init_key_file, load_key_file
from schemas.keystore import KeyStore
from schemas.settings import Settings
from workers.lifecycle.broker_scan import RedisBrokerScan
from workers.lifecycle.dispatcher import TENANTS_FRESH, Dispatcher
from workers.lifecycle.publisher import Publisher
from workers.lifecycle.reconciler import Reconciler
from workers.lifecycle.sweeper import Sweeper
from workers.ops.facts import exporter_engine, read_database
from workers.seat import Seat
from workers.store import Outcome, WorkerStore

pytestmark = pytest.mark.integration

PREFIX = "sealq_"
# `api` is left out of the roles file: its user must exist but be unable to log in.
WITH_PASSWORD = ("producer", "worker", "beat", "exporter")


@dataclass
class Cluster:
    """The private cluster, its two databases and the role passwords."""

    postgres: PrivatePostgres
    passwords: dict[str, str]
    env: dict[str, str]

    def connect(self, role: str, database: str = "sealq",
                password: str | None = None) -> psycopg.Connection[tuple[object, ...]]:
        """A TCP connection as a role's user, password checked by PostgreSQL."""
        return psycopg.connect(host="127.0.0.1", port=self.postgres.port, dbname=database,
                               user=PREFIX + role, connect_timeout=5, autocommit=True,
                               password=password or self.passwords.get(role, "none"))

    def url(self, role: str, database: str = "sealq") -> str:
        """SQLAlchemy URL of a role's user."""
        return self.postgres.role_url(database, PREFIX + role, self.passwords[role])

    def upgrade(self) -> subprocess.CompletedProcess[str]:
        """`sealq db upgrade` as the owner, with the roles file."""
        return subprocess.run([*SEALQ, "db", "upgrade"], env=self.env, capture_output=True,
                              text=True, timeout=180)

    def admin(self, database: str = "sealq") -> psycopg.Connection[tuple[object, ...]]:
        """The superuser, over the cluster's socket."""
        return psycopg.connect(self.postgres.conninfo(database), autocommit=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A private PostgreSQL with the job database and key store migrated and roles applied."""
    root = tmp_path_factory.mktemp("roles")
    postgres = PrivatePostgres()
    try:
        postgres.init()
        postgres.create_database("sealq")
        postgres.create_database("sealq_keys")
        passwords = {role: secrets.token_hex(24) for role in WITH_PASSWORD}
        roles_file = root / "db-roles"
        roles_file.write_text("# role=password\n" + "".join(
            f"{role}={password}\n" for role, password in passwords.items()))
        roles_file.chmod(0o600)
        keys = root / "keys.json"
        init_key_file(keys)
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("SEALQ_")},
               "SEALQ_DATABASE_URL": postgres.url("sealq"),
               "SEALQ_KEY_STORE_URL": postgres.url("sealq_keys"),
               "SEALQ_BROKER_URL": "redis://127.0.0.1:6379/0", "SEALQ_KEYS_FILE": str(keys),
               "SEALQ_DB_ROLES_FILE": str(roles_file)}
        result = Cluster(postgres=postgres, passwords=passwords, env=env)
        done = result.upgrade()
        assert done.returncode == 0, done.stderr
        yield result
    finally:
        postgres.destroy()


def refused(connection: psycopg.Connection[tuple[object, ...]], statement: str) -> str:
    """Run a statement that must be refused for lack of privilege; returns the message."""
    with pytest.raises(errors.InsufficientPrivilege) as error:
        connection.execute(statement)
    return str(error.value)


def test_every_role_logs_in_with_its_password_and_only_with_it(cluster: Cluster) -> None:
    """Each role's user authenticates with the password from the roles file; a wrong one fails."""
    for role in WITH_PASSWORD:
        with cluster.connect(role) as connection:
            user = connection.execute("SELECT current_user").fetchone()
            assert user == (PREFIX + role,)
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            cluster.connect(role, password="wrong-" + cluster.passwords[role]).close()


def test_a_role_without_a_password_cannot_log_in(cluster: Cluster) -> None:
    """A role left out of the roles file exists but may not log in, whatever password it tries."""
    with cluster.admin() as admin:
        row = admin.execute("SELECT rolcanlogin, rolpassword IS NULL FROM pg_authid "
                            "WHERE rolname = %s", (PREFIX + "api",)).fetchone()
    assert row == (False, True)
    with pytest.raises(psycopg.OperationalError):
        cluster.connect("api", password="anything-at-all").close()


def test_no_role_is_privileged_or_owns_anything(cluster: Cluster) -> None:
    """Only the migrating user owns tables; no role is superuser, creates roles or databases."""
    with cluster.admin() as admin:
        attributes = admin.execute(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
            "FROM pg_roles WHERE rolname LIKE 'sealq\\_%'").fetchall()
        owners = {row[0] for row in admin.execute(
            "SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")}
        members = admin.execute(
            "SELECT count(*) FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member "
            "WHERE u.rolname LIKE 'sealq\\_%'").fetchone()
    assert {row[0] for row in attributes} == {PREFIX + role for role in ROLES}
    assert all(not any(row[1:]) for row in attributes), attributes
    assert owners == {"postgres"}
    assert members == (0,)


@pytest.mark.parametrize("role", WITH_PASSWORD)
def test_no_role_may_run_programs_read_files_or_change_the_schema(cluster: Cluster,
                                                                  role: str) -> None:
    """COPY TO PROGRAM, server files, DDL, TRUNCATE and DELETE FROM tenants are all refused,
    and DELETE FROM jobs to all but beat."""
    with cluster.connect(role) as connection:
        # Any user may lift the exporter's read-only default: the grants must hold alone.
        connection.execute("SET default_transaction_read_only = off")
        refused(connection, "COPY (SELECT 1) TO PROGRAM 'id'")
        refused(connection, "SELECT pg_read_file('/etc/passwd')")
        refused(connection, "CREATE TABLE mine (x int)")
        refused(connection, "CREATE TEMP TABLE mine (x int)")
        refused(connection, "TRUNCATE jobs")
        refused(connection, "DELETE FROM tenants")
        if role != "beat":
            refused(connection, "DELETE FROM jobs")
        refused(connection, "ALTER TABLE jobs ADD COLUMN x int")
        with pytest.raises(errors.InsufficientPrivilege, match="must be owner"):
            connection.execute("DROP TABLE jobs")


def test_exporter_reads_counts_but_never_a_sealed_column(cluster: Cluster) -> None:
    """The exporter counts jobs; sealed_prompt, sealed_result, wrapped_key and writes refused."""
    with cluster.connect("exporter") as connection:
        connection.execute("SET default_transaction_read_only = off")
        assert connection.execute("SELECT count(*) FROM jobs WHERE state = 'queued'").fetchone()
        for column in ("sealed_prompt", "sealed_result", "wrapped_key"):
            message = refused(connection, f"SELECT {column} FROM jobs")  # noqa: S608  # fixed names
            assert "permission denied" in message
        refused(connection, "SELECT * FROM jobs")
        refused(connection, "UPDATE jobs SET state = 'queued'")
        refused(connection, "INSERT INTO batches (id) VALUES ('x')")
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        cluster.connect("exporter", database="sealq_keys").close()


def test_only_beat_may_destroy_bucket_keys(cluster: Cluster) -> None:
    """DELETE on bucket_keys: beat yes; producer and worker refused; worker cannot add keys."""
    for role in ("producer", "worker"):
        with cluster.connect(role, database="sealq_keys") as connection:
            connection.execute("SELECT count(*) FROM bucket_keys")
            refused(connection, "DELETE FROM bucket_keys")
            refused(connection, "UPDATE bucket_keys SET not_after = now()")
    with cluster.connect("worker", database="sealq_keys") as connection:
        refused(connection, "INSERT INTO bucket_keys (id) VALUES ('x')")
    with cluster.connect("beat", database="sealq_keys") as connection:
        connection.execute("DELETE FROM bucket_keys WHERE id = 'none'")
        refused(connection, "UPDATE bucket_keys SET not_after = now()")


def test_beat_deletes_jobs_and_batches_and_nothing_else(cluster: Cluster) -> None:
    """Beat may DELETE jobs and batches (tombstones past retention), reading of a batch only
    its id and expiry; every other table's rows, and writing batches, are refused."""
    with cluster.connect("beat") as connection:
        connection.execute("DELETE FROM jobs WHERE id = 'none' AND erased_at IS NOT NULL")
        connection.execute("DELETE FROM batches WHERE id = 'none' "
                           "AND expires_at < now() - interval '30 days'")
        connection.execute("SELECT id, expires_at FROM batches LIMIT 1")
        for table in ("tenants", "api_keys", "audit_events", "dispatcher"):
            refused(connection, f"DELETE FROM {table}")  # noqa: S608  # fixed names
        refused(connection, "SELECT tenant FROM batches")
        refused(connection, "SELECT labels FROM batches")
        refused(connection, "UPDATE batches SET expires_at = now()")
        refused(connection, "INSERT INTO batches (id) VALUES ('x')")
    for role in ("producer", "worker", "exporter"):
        with cluster.connect(role) as connection:
            connection.execute("SET default_transaction_read_only = off")
            refused(connection, "DELETE FROM batches")


def test_worker_may_not_rewrite_a_prompt_or_insert_jobs(cluster: Cluster) -> None:
    """The worker's UPDATE covers the run's columns only; prompts, tenants and inserts refused."""
    with cluster.connect("worker") as connection:
        connection.execute("UPDATE jobs SET state = state WHERE id = 'none'")
        refused(connection, "UPDATE jobs SET sealed_prompt = NULL")
        refused(connection, "UPDATE jobs SET tenant = 'other'")
        refused(connection, "INSERT INTO jobs (id) VALUES ('x')")
        refused(connection, "SELECT * FROM batches")


def test_each_role_does_its_real_work_as_its_own_user(cluster: Cluster, tmp_path: Path,
                                                      redis_url: str) -> None:
    """Producer submits and reads results, worker announces its seat, claims, finishes and
    gives a job back, beat dispatches, reconciles and sweeps, exporter counts: sealq's own
    code, each on its role's connection."""
    keys = Path(cluster.env["SEALQ_KEYS_FILE"])
    settings = Settings(_env_file=None, database_url=cluster.url("producer"),
                        key_store_url=cluster.url("producer", "sealq_keys"),
                        broker_url=redis_url, keys_file=keys)
    client = Client.from_settings(settings)
    lines = [BatchLine.from_request_body({"messages": [{"role": "user", "content": "hi"}],
                                          "max_tokens": 8}, f"r{i}") for i in range(3)]
    batch = client.submit(lines, kind="free_text", ttl_seconds=60)
    assert batch.created == 3
    now = datetime.now(UTC)
    with psycopg.connect(cluster.postgres.conninfo("sealq")) as admin:
        rows = admin.execute("SELECT id, enqueued_at FROM jobs WHERE batch_id = %s "
                             "ORDER BY position", (batch.batch_id,)).fetchall()
    job_ids = [str(row[0]) for row in rows]
    assert [row[1] for row in rows] == [None] * 3  # waiting for the dispatcher
    worker_db = make_engine(cluster.url("worker"), pool_size=2)
    beat_db = make_engine(cluster.url("beat"), pool_size=2)
    seat = Seat(worker_db, name="w1", queue="sealq", slots=2, clock=lambda: now)
    seat.announce()
    publisher = Publisher(redis_url)
    dispatcher = Dispatcher(beat_db, publisher.publish, owner="beat-1")
    assert dispatcher.pass_once(now).released == 3
    store = WorkerStore(worker_db, owner="w1", lease_seconds=60, max_attempts=3)
    claim = store.claim(job_ids[0], now=now)
    assert claim is not None and claim.sealed_prompt is not None
    assert store.renew(claim, now=now)
    assert store.finish(claim, Outcome(state=JobState.FAILED, error_code="engine_error"),
                        now=now)
    given_back = store.claim(job_ids[2], now=now)
    assert given_back is not None and store.release(given_back)
    # A later pass, once the dispatcher's list of waiting tenants is due for a fresh read.
    assert dispatcher.pass_once(now + TENANTS_FRESH).released == 1
    seat.leave()
    publisher.close()
    assert client.cancel(job_ids[1]).cancelled == 1
    assert client.status(batch.batch_id)["failed"] == 1
    assert len(list(client.results(batch.batch_id))) == 2
    client.close()
    flush = redis.Redis.from_url(redis_url)
    flush.flushdb()
    flush.close()
    scan = RedisBrokerScan(redis_url)
    reconciled = Reconciler(beat_db, scan, max_attempts=3,
                            stale_after=timedelta(seconds=5)).run(now=now + timedelta(seconds=10))
    scan.close()
    assert (reconciled.lost_requeued, reconciled.broker_error) == (1, None)
    beat_keys = KeyStore(make_engine(cluster.url("beat", "sealq_keys"),
                                     pool_size=KEY_STORE_POOL_SIZE), load_key_file(keys),
                         bucket_seconds=3600)
    sweeper = Sweeper(beat_db, beat_keys, tombstone_retention=timedelta(days=30))
    report = sweeper.run(now=now + timedelta(days=2))
    # The cancelled job was erased at once; the sweep takes the finished and the unfinished.
    assert (report.erased, report.expired) == (2, 1) and report.keys_destroyed >= 1
    assert report.tombstones_dropped == 0
    facts = read_database(exporter_engine(cluster.url("exporter"), timeout=5),
                          now=now, policy_window=timedelta(hours=1))
    assert facts.erased == 3
    assert facts.ended == {("failed", "engine_error"): 1, ("cancelled", "cancelled"): 1,
                           ("expired", "expired"): 1}
    # Past retention the tombstones go, and the batch with them.
    report = sweeper.run(now=now + timedelta(days=32))
    assert (report.tombstones_dropped, report.batches_dropped) == (3, 1)
    worker_db.dispose()
    beat_db.dispose()


def test_upgrade_again_changes_nothing_and_takes_back_what_was_added_by_hand(
        cluster: Cluster) -> None:
    """Re-running is idempotent: the same grants, and extra rights granted by hand revoked."""
    query = ("SELECT grantee, table_name, privilege_type FROM information_schema."
             "role_table_grants WHERE grantee LIKE 'sealq\\_%' ORDER BY 1, 2, 3")
    columns = ("SELECT grantee, table_name, column_name, privilege_type FROM "
               "information_schema.column_privileges WHERE grantee LIKE 'sealq\\_%' "
               "ORDER BY 1, 2, 3, 4")
    with cluster.admin() as admin:
        before = admin.execute(query).fetchall(), admin.execute(columns).fetchall()
        admin.execute("GRANT DELETE ON jobs TO sealq_worker")
        admin.execute("GRANT pg_execute_server_program TO sealq_exporter")
    done = cluster.upgrade()
    assert done.returncode == 0, done.stderr
    with cluster.admin() as admin:
        after = admin.execute(query).fetchall(), admin.execute(columns).fetchall()
    assert after == before
    with cluster.connect("worker") as connection:
        refused(connection, "DELETE FROM jobs")
    with cluster.connect("exporter") as connection:
        refused(connection, "COPY (SELECT 1) TO PROGRAM 'id'")


def test_roles_file_readable_by_others_is_refused(cluster: Cluster, tmp_path: Path) -> None:
    """A roles file other users can read stops `db upgrade` with exit 2 and the fix."""
    loose = tmp_path / "db-roles"
    loose.write_text("worker=" + "x" * 32 + "\n")
    loose.chmod(0o644)
    done = subprocess.run([*SEALQ, "db", "upgrade"], capture_output=True, text=True,
                          env={**cluster.env, "SEALQ_DB_ROLES_FILE": str(loose)}, timeout=120)
    assert done.returncode == 2
    assert f"run `chmod 600 {loose}`" in done.stderr


@pytest.mark.timeout(240)
def test_upgrade_waits_for_a_database_that_starts_late(tmp_path: Path) -> None:
    """`db upgrade --wait` keeps retrying while PostgreSQL is not up (compose starts migrate
    beside it), then migrates once it is."""
    postgres = PrivatePostgres()
    keys = tmp_path / "keys.json"
    init_key_file(keys)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SEALQ_")},
           "SEALQ_DATABASE_URL": postgres.url("sealq"),
           "SEALQ_KEY_STORE_URL": postgres.url("sealq_keys"),
           "SEALQ_BROKER_URL": "redis://127.0.0.1:6379/0", "SEALQ_KEYS_FILE": str(keys)}
    try:
        upgrade = subprocess.Popen([*SEALQ, "db", "upgrade", "--wait", "120"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        assert upgrade.poll() is None, upgrade.communicate()
        postgres.init()
        postgres.create_database("sealq")
        postgres.create_database("sealq_keys")
        _, stderr = upgrade.communicate(timeout=180)
        assert upgrade.returncode == 0, stderr
        assert "job database at revision" in stderr
        no_wait = subprocess.run([*SEALQ, "db", "upgrade"], capture_output=True, text=True,
                                 env={**env, "SEALQ_DATABASE_URL": "postgresql://x@127.0.0.1:1/x"},
                                 timeout=120)
        assert no_wait.returncode == 1 and "unreachable" in no_wait.stderr
    finally:
        postgres.destroy()


def test_a_non_superuser_owner_with_createrole_sets_up_the_users(cluster: Cluster,
                                                                 tmp_path: Path) -> None:
    """A hand-run server's set-up (README): the tables' owner is no superuser, only allowed to
    create roles, and `db upgrade` still creates and grants every user."""
    owner_password = secrets.token_hex(16)
    with cluster.admin() as admin:
        admin.execute(f"CREATE ROLE hand_owner LOGIN CREATEROLE PASSWORD '{owner_password}'")
        admin.execute("CREATE DATABASE hand_jobs OWNER hand_owner")
        admin.execute("CREATE DATABASE hand_keys OWNER hand_owner")
    env = {**cluster.env,
           "SEALQ_DATABASE_URL": cluster.postgres.role_url("hand_jobs", "hand_owner",
                                                          owner_password),
           "SEALQ_KEY_STORE_URL": cluster.postgres.role_url("hand_keys", "hand_owner",
                                                           owner_password),
           "SEALQ_DB_ROLE_PREFIX": "hand_"}
    for _ in range(2):  # and again: idempotent without superuser rights too
        done = subprocess.run([*SEALQ, "db", "upgrade"], env=env, capture_output=True,
                              text=True, timeout=180)
        assert done.returncode == 0, done.stderr
    worker = psycopg.connect(host="127.0.0.1", port=cluster.postgres.port, dbname="hand_jobs",
                             user="hand_worker", password=cluster.passwords["worker"],
                             autocommit=True)
    with worker:
        worker.execute("UPDATE jobs SET state = state WHERE id = 'none'")
        refused(worker, "DELETE FROM jobs")
