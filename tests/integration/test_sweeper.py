"""The sweeper: expiry, erasure, crypto-shredding of backups, batching, concurrency, purge,
tombstone retention."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from lifecycle_support import (
    HOUR,
    T0,
    Clock,
    client,
    insert_expired_rows,
    jobs_of,
    lines,
    live_keystore,
    open_prompt,
    settings_env,
)
from sqlalchemy import Engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from typer.testing import CliRunner

import migrations
from schemas.db import make_engine
from schemas.errors import EnvelopeError, NotFound
from schemas.jobs import JobState
from schemas.tables import Batch, Job
from workers.lifecycle.cli import purge_command
from workers.lifecycle.sweeper import Sweeper, SweepReport

pytestmark = pytest.mark.integration

Backup = Callable[[str], str]


@pytest.fixture
def backup(tmp_path: Path) -> Iterator[Backup]:
    """Copy a job database as an operator's backup would: SQLite backup API, or pg_dump."""
    made: list[str] = []

    def copy(url: str) -> str:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            target = tmp_path / f"backup-{len(made)}.db"
            with sqlite3.connect(str(parsed.database)) as source, \
                    sqlite3.connect(target) as destination:
                source.backup(destination)
            made.append(str(target))
            return f"sqlite:///{target}"
        name = f"{parsed.database}_backup"
        dump = tmp_path / "jobs.dump"
        pg = ["-h", "127.0.0.1", "-U", "postgres"]
        subprocess.run(["pg_dump", *pg, "-Fc", "-f", str(dump), str(parsed.database)],
                       check=True)
        subprocess.run(["createdb", *pg, name], check=True)
        made.append(name)
        subprocess.run(["pg_restore", *pg, "-d", name, str(dump)], check=True)
        return str(parsed.set(database=name))

    yield copy
    for name in made:
        if not name.endswith(".db"):
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--force", name],
                           check=False)


@pytest.fixture
def migrated_pg(pg_url: str) -> str:
    """A migrated PostgreSQL job database."""
    migrations.upgrade(pg_url)
    return pg_url


def test_backup_taken_before_expiry_opens_nothing_expired_after_bucket_end(
        db_url: str, redis_url: str, settings_factory: Any, backup: Backup) -> None:
    """A pre-expiry backup read with the live keys opens no expired job, every unexpired one."""
    settings = settings_factory(database_url=db_url, broker_url=redis_url)
    clock = Clock(T0)
    producer = client(settings, clock)
    short = producer.submit(lines("short", 4), ttl_seconds=600)
    long = producer.submit(lines("long", 4), ttl_seconds=24 * 3600)
    copy_url = backup(db_url)
    live, copy = make_engine(db_url), make_engine(copy_url)
    sweeper = Sweeper(live, live_keystore(settings), batch_size=3)

    # Just past expiry: the live rows are erased, but the bucket key still lives, so the
    # backup still opens until the bucket ends (what the README says).
    just_expired = T0 + timedelta(seconds=601)
    report = sweeper.run(now=just_expired)
    assert (report.expired, report.erased, report.keys_destroyed) == (4, 4, 0)
    assert all(job.sealed_prompt is None and job.wrapped_key is None
               for job in jobs_of(live, short.batch_id))
    in_backup = jobs_of(copy, short.batch_id)
    assert open_prompt(live_keystore(settings), in_backup[0], now=just_expired)

    bucket_end = T0 + HOUR
    report = sweeper.run(now=bucket_end)
    assert (report.expired, report.erased, report.keys_destroyed) == (0, 0, 1)
    keystore = live_keystore(settings)  # fresh: nothing cached from before the sweep
    for job in jobs_of(copy, short.batch_id):
        assert job.sealed_prompt is not None  # the backup still holds the ciphertext...
        for claimed_now in (bucket_end, T0):  # ...and no claimed clock brings the key back
            with pytest.raises(EnvelopeError):
                open_prompt(keystore, job, now=claimed_now)
    for job, line in zip(jobs_of(copy, long.batch_id), lines("long", 4), strict=True):
        assert open_prompt(keystore, job, now=bucket_end) == line.body.model_dump_json().encode()

    clock.now = bucket_end
    records = list(producer.results(short.batch_id))
    assert [r["error"]["code"] for r in records] == ["expired"] * 4
    producer.close()
    live.dispose()
    copy.dispose()


def test_tombstone_keeps_facts_and_loses_sealed_parts(db_url: str, settings_factory: Any) -> None:
    """An erased row keeps ids, states, timings, token counts and codes; a rerun changes nothing."""
    settings = settings_factory(database_url=db_url)
    engine = make_engine(db_url)
    batch = insert_expired_rows(engine, 5, expires_at=T0)
    with Session(engine) as session, session.begin():
        session.get_one(Job, jobs_of(engine, batch)[0].id).policy = {"PII_EMAIL": 2}
    sweeper = Sweeper(engine, live_keystore(settings))
    report = sweeper.run(now=T0)
    assert (report.expired, report.erased, report.batches) == (0, 5, 1)
    for job in jobs_of(engine, batch):
        assert (job.sealed_prompt, job.sealed_result, job.wrapped_key) == (None, None, None)
        assert job.erased_at == T0 and job.state == JobState.SUCCEEDED
        assert (job.prompt_tokens, job.completion_tokens, job.key_id) == (10, 20, "bk-fake")
        assert job.custom_id.startswith("c-") and job.finished_at == T0 - HOUR
    assert jobs_of(engine, batch)[0].policy == {"PII_EMAIL": 2}
    assert sweeper.run(now=T0 + HOUR) == type(report)()  # idempotent: nothing left to do
    engine.dispose()


def test_unfinished_jobs_past_expiry_end_expired(db_url: str, settings_factory: Any) -> None:
    """Queued and running jobs past expiry become `expired`; unexpired ones are untouched."""
    settings = settings_factory(database_url=db_url)
    engine = make_engine(db_url)
    queued = insert_expired_rows(engine, 3, expires_at=T0, state=JobState.QUEUED.value)
    running = insert_expired_rows(engine, 2, expires_at=T0, state=JobState.RUNNING.value)
    later = insert_expired_rows(engine, 2, expires_at=T0 + HOUR, state=JobState.QUEUED.value)
    report = Sweeper(engine, live_keystore(settings)).run(now=T0)
    assert (report.expired, report.erased) == (5, 5)
    for job in jobs_of(engine, queued) + jobs_of(engine, running):
        assert (job.state, job.error_code, job.finished_at) == ("expired", "expired", T0)
        assert job.lease_token is None
    assert all(job.state == "queued" and job.sealed_prompt for job in jobs_of(engine, later))
    engine.dispose()


def test_run_is_bounded_and_the_next_run_finishes(db_url: str, settings_factory: Any) -> None:
    """max_batches caps one run's work; the report says more is left, the next run ends it."""
    settings = settings_factory(database_url=db_url)
    engine = make_engine(db_url)
    insert_expired_rows(engine, 25, expires_at=T0)
    sweeper = Sweeper(engine, live_keystore(settings), batch_size=10, max_batches=2)
    first = sweeper.run(now=T0)
    assert (first.erased, first.batches, first.complete) == (20, 2, False)
    second = sweeper.run(now=T0)
    assert (second.erased, second.batches, second.complete) == (5, 1, True)
    engine.dispose()


def test_dry_run_counts_and_changes_nothing(db_url: str, redis_url: str,
                                            settings_factory: Any) -> None:
    """A dry run reports what would be expired, erased and destroyed, and changes nothing."""
    settings = settings_factory(database_url=db_url, broker_url=redis_url)
    producer = client(settings, Clock(T0))
    batch = producer.submit(lines("dry", 3), ttl_seconds=600).batch_id
    engine = make_engine(db_url)
    report = Sweeper(engine, live_keystore(settings)).run(now=T0 + HOUR, dry_run=True)
    assert (report.would_expire, report.would_erase, report.would_destroy_keys) == (3, 3, 1)
    assert (report.expired, report.erased, report.keys_destroyed) == (0, 0, 0)
    assert all(job.state == "queued" and job.sealed_prompt for job in jobs_of(engine, batch))
    assert live_keystore(settings).count_expired(now=T0 + HOUR) == 1
    producer.close()
    engine.dispose()


def test_purge_cli_dry_run_then_purge(db_url: str, redis_url: str,
                                      settings_factory: Any) -> None:
    """`sealq purge --dry-run --json` counts and changes nothing; `sealq purge` erases."""
    from datetime import UTC, datetime

    settings = settings_factory(database_url=db_url, broker_url=redis_url)
    # The CLI reads the real clock at its edge: submit three days in the past.
    producer = client(settings, Clock(datetime.now(UTC) - timedelta(days=3)))
    batch = producer.submit(lines("purge", 3), ttl_seconds=600).batch_id
    producer.close()
    app = typer.Typer()
    app.command()(purge_command)
    env = settings_env(settings)
    engine = make_engine(db_url)

    dry = CliRunner().invoke(app, ["--dry-run", "--json"], env=env)
    assert dry.exit_code == 0, dry.output
    counts = json.loads(dry.stdout)
    assert (counts["dry_run"], counts["would_erase"], counts["would_expire"],
            counts["would_destroy_keys"], counts["erased"]) == (True, 3, 3, 1, 0)
    assert all(job.sealed_prompt for job in jobs_of(engine, batch))

    done = CliRunner().invoke(app, [], env=env)
    assert done.exit_code == 0, done.output
    assert "erased 3 jobs' sealed data" in done.stdout
    assert "destroyed 1 bucket keys" in done.stdout
    assert all(job.sealed_prompt is None and job.state == "expired"
               for job in jobs_of(engine, batch))
    engine.dispose()


def race(sweepers: list[Sweeper], nows: list[Any]) -> list[SweepReport]:
    """Run each sweeper at its `now`, all started at the same moment; their reports, after
    failing the test if any of them raised."""
    start = threading.Barrier(len(sweepers))
    reports: list[Any] = [None] * len(sweepers)
    errors: list[BaseException] = []

    def sweep(index: int) -> None:
        start.wait()
        try:
            reports[index] = sweepers[index].run(now=nows[index])
        except BaseException as e:  # noqa: BLE001  # collected and failed on below
            errors.append(e)

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(len(sweepers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    return reports


def test_two_sweepers_at_once_erase_each_row_exactly_once(migrated_pg: str,
                                                          settings_factory: Any) -> None:
    """Two sweepers racing on PostgreSQL take different rows; every row is erased once."""
    settings = settings_factory(database_url=migrated_pg)
    setup = make_engine(migrated_pg)
    insert_expired_rows(setup, 20_000, expires_at=T0)
    engines = [make_engine(migrated_pg), make_engine(migrated_pg)]
    nows = [T0 + timedelta(seconds=1), T0 + timedelta(seconds=2)]
    sweepers = [Sweeper(engine, live_keystore(settings), batch_size=200, max_batches=1000)
                for engine in engines]
    reports = race(sweepers, nows)
    assert reports[0].erased + reports[1].erased == 20_000
    with Session(setup) as session:
        for index, now in enumerate(nows):
            by_this = session.scalar(select(func.count()).select_from(Job)
                                     .where(Job.erased_at == now))
            assert by_this == reports[index].erased
        assert session.scalar(select(func.count()).select_from(Job)
                              .where(Job.wrapped_key.is_not(None))) == 0
    print(f"\nsweeper A erased {reports[0].erased}, sweeper B {reports[1].erased}")
    for engine in [setup, *engines]:
        engine.dispose()


def _watch_transactions(engine: Engine) -> tuple[list[int], list[float]]:
    """Rows each UPDATE of jobs touched, and how long each transaction was open."""
    rows: list[int] = []
    durations: list[float] = []
    opened: dict[int, float] = {}

    @event.listens_for(engine, "after_cursor_execute")
    def count(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE JOBS"):
            rows.append(cursor.rowcount)

    @event.listens_for(engine, "begin")
    def begin(conn: Any) -> None:
        opened[id(conn)] = time.perf_counter()

    @event.listens_for(engine, "commit")
    def commit(conn: Any) -> None:
        durations.append(time.perf_counter() - opened.pop(id(conn)))

    return rows, durations


def test_sweeps_100k_expired_rows_in_bounded_batches(migrated_pg: str,
                                                     settings_factory: Any) -> None:
    """100,000 expired jobs are erased in transactions of at most batch_size rows each."""
    settings = settings_factory(database_url=migrated_pg)
    engine = make_engine(migrated_pg)
    # No ANALYZE on purpose: a fresh bulk of rows has no statistics, and the plan must hold.
    insert_expired_rows(engine, 100_000, expires_at=T0)
    rows, durations = _watch_transactions(engine)
    sweeper = Sweeper(engine, live_keystore(settings), batch_size=1000, max_batches=200)
    started = time.perf_counter()
    report = sweeper.run(now=T0)
    elapsed = time.perf_counter() - started
    assert (report.erased, report.batches, report.complete) == (100_000, 100, True)
    assert max(rows) <= 1000 and sum(rows) == 100_000
    print(f"\nswept 100000 rows in {elapsed:.2f} s: {100_000 / elapsed:,.0f} rows/s, "
          f"{report.batches} batches, longest transaction {max(durations) * 1000:.0f} ms, "
          f"median {sorted(durations)[len(durations) // 2] * 1000:.0f} ms")
    engine.dispose()



def test_destroyed_bucket_key_leaves_no_bytes_in_sqlite_key_store(
        sqlite_url: str, redis_url: str, settings_factory: Any, tmp_path: Path) -> None:
    """After the sweep no file of a SQLite key store (db, WAL) holds the destroyed key."""
    migrations.upgrade(sqlite_url)
    settings = settings_factory(database_url=sqlite_url, broker_url=redis_url)
    producer = client(settings, Clock(T0))
    producer.submit(lines("wal", 1), ttl_seconds=600)
    producer.submit(lines("wal-long", 1), ttl_seconds=24 * 3600)
    keystore_path = Path(str(make_url(settings.resolved_key_store_url).database))
    with sqlite3.connect(keystore_path) as connection:
        doomed = connection.execute("SELECT wrapped_key FROM bucket_keys ORDER BY not_after"
                                    " LIMIT 1").fetchone()[0]
    engine = make_engine(sqlite_url)
    keystore = live_keystore(settings)
    assert Sweeper(engine, keystore).run(now=T0 + HOUR).keys_destroyed == 1
    files = [p for p in keystore_path.parent.iterdir() if p.name.startswith(keystore_path.name)]
    assert files and not any(doomed in p.read_bytes() for p in files)
    producer.close()
    engine.dispose()


def _watch_deletes(engine: Engine) -> list[int]:
    """Rows each DELETE of jobs took, in order."""
    rows: list[int] = []

    @event.listens_for(engine, "after_cursor_execute")
    def count(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM JOBS"):
            rows.append(cursor.rowcount)

    return rows


def _count(engine: Engine, model: Any, *where: Any) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_tombstones_past_retention_go_in_bounded_batches_younger_ones_stay(
        db_url: str, settings_factory: Any) -> None:
    """Tombstones past expiry + retention are deleted at most batch_size per transaction, a
    run bounded by max_batches; the batch row goes with its last job; younger ones stay."""
    settings = settings_factory(database_url=db_url)
    engine = make_engine(db_url)
    old = insert_expired_rows(engine, 25, expires_at=T0)
    young = insert_expired_rows(engine, 10, expires_at=T0 + timedelta(days=2))
    assert Sweeper(engine, live_keystore(settings)).run(now=T0 + timedelta(days=3)).erased == 35
    deletes = _watch_deletes(engine)
    sweeper = Sweeper(engine, live_keystore(settings), batch_size=10, max_batches=2,
                      tombstone_retention=timedelta(days=1))
    at = T0 + timedelta(days=1, seconds=1)

    first = sweeper.run(now=at)
    assert (first.tombstones_dropped, first.batches_dropped, first.complete) == (20, 0, False)
    assert deletes == [10, 10]
    assert len(jobs_of(engine, old)) == 5  # the batch waits for its last jobs
    second = sweeper.run(now=at)
    assert (second.tombstones_dropped, second.batches_dropped, second.complete) == (5, 1, True)
    assert max(deletes) <= 10 and sum(deletes) == 25
    assert jobs_of(engine, old) == [] and _count(engine, Batch, Batch.id == old) == 0
    assert len(jobs_of(engine, young)) == 10 and _count(engine, Batch, Batch.id == young) == 1
    assert sweeper.run(now=at) == SweepReport()  # idempotent: nothing left to do
    later = sweeper.run(now=T0 + timedelta(days=3, seconds=1))
    assert (later.tombstones_dropped, later.batches_dropped) == (10, 1)
    assert _count(engine, Job) == 0 and _count(engine, Batch) == 0
    engine.dispose()


def test_retention_none_keeps_tombstones_and_zero_drops_them_at_expiry(
        db_url: str, settings_factory: Any) -> None:
    """No retention (SEALQ_TOMBSTONE_RETENTION_DAYS=0) keeps tombstones for ever; a zero
    retention drops a job in the sweep that erases it; a dry run counts what would go."""
    settings = settings_factory(database_url=db_url, tombstone_retention_days=0)
    assert settings.tombstone_retention is None
    engine = make_engine(db_url)
    batch = insert_expired_rows(engine, 4, expires_at=T0)
    keeping = Sweeper(engine, live_keystore(settings),
                      tombstone_retention=settings.tombstone_retention)
    report = keeping.run(now=T0 + timedelta(days=3650))
    assert (report.erased, report.tombstones_dropped) == (4, 0)
    assert keeping.run(now=T0 + timedelta(days=3650), dry_run=True).would_drop_tombstones == 0
    assert len(jobs_of(engine, batch)) == 4

    at_once = Sweeper(engine, live_keystore(settings), tombstone_retention=timedelta(0))
    assert at_once.run(now=T0, dry_run=True).would_drop_tombstones == 4
    fresh = insert_expired_rows(engine, 3, expires_at=T0 + HOUR)
    report = at_once.run(now=T0 + HOUR)
    assert (report.erased, report.tombstones_dropped, report.batches_dropped) == (3, 7, 2)
    assert jobs_of(engine, batch) == jobs_of(engine, fresh) == []
    engine.dispose()


def test_status_and_results_answer_until_retention_then_the_batch_is_unknown(
        db_url: str, redis_url: str, settings_factory: Any) -> None:
    """Within retention a swept batch counts its jobs expired and results say `expired`;
    once its tombstones are dropped, status and results say there is no such batch, the
    listing omits it, its custom ids may be submitted anew, and other batches are untouched."""
    settings = settings_factory(database_url=db_url, broker_url=redis_url)
    clock = Clock(T0)
    producer = client(settings, clock)
    gone = producer.submit(lines("gone", 3), ttl_seconds=600).batch_id
    kept = producer.submit(lines("kept", 2), ttl_seconds=2 * 24 * 3600).batch_id
    engine = make_engine(db_url)
    sweeper = Sweeper(engine, live_keystore(settings), tombstone_retention=timedelta(days=1))

    clock.now = T0 + HOUR
    assert sweeper.run(now=clock.now).erased == 3
    assert producer.status(gone)["expired"] == 3
    assert [r["error"]["code"] for r in producer.results(gone)] == ["expired"] * 3

    clock.now = T0 + timedelta(days=1, minutes=11)
    report = sweeper.run(now=clock.now)
    assert (report.tombstones_dropped, report.batches_dropped) == (3, 1)
    with pytest.raises(NotFound):
        producer.status(gone)
    with pytest.raises(NotFound):
        list(producer.results(gone))
    assert [b.id for b in producer.batches().batches] == [kept]
    assert producer.status(kept)["queued"] == 2
    again = producer.submit(lines("gone", 3), ttl_seconds=600)
    assert (again.created, again.existing) == (3, False) and again.batch_id != gone
    producer.close()
    engine.dispose()


def test_two_sweepers_at_once_drop_each_tombstone_exactly_once(migrated_pg: str,
                                                               settings_factory: Any) -> None:
    """Two sweepers dropping on PostgreSQL take different rows, neither fails, and every
    tombstone and emptied batch is deleted once."""
    settings = settings_factory(database_url=migrated_pg)
    setup = make_engine(migrated_pg)
    batches = [insert_expired_rows(setup, 2_000, expires_at=T0) for _ in range(10)]
    Sweeper(setup, live_keystore(settings), max_batches=1000).run(now=T0)
    engines = [make_engine(migrated_pg), make_engine(migrated_pg)]
    sweepers = [Sweeper(engine, live_keystore(settings), batch_size=200, max_batches=1000,
                        tombstone_retention=timedelta(days=1)) for engine in engines]
    reports = race(sweepers, [T0 + timedelta(days=1)] * 2)
    assert reports[0].tombstones_dropped + reports[1].tombstones_dropped == 20_000
    # A sweeper that finds the other dropping batches leaves them to it; the next run sweeps
    # whatever the last of them left.
    leftover = Sweeper(setup, live_keystore(settings), tombstone_retention=timedelta(days=1)
                       ).run(now=T0 + timedelta(days=1))
    dropped = reports[0].batches_dropped + reports[1].batches_dropped + leftover.batches_dropped
    assert dropped == len(batches) and leftover.tombstones_dropped == 0
    assert _count(setup, Job) == 0 and _count(setup, Batch) == 0
    for engine in [setup, *engines]:
        engine.dispose()
