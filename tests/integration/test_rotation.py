"""Rotating the master key never fails a job: the real producer and Generator wiring, on real
PostgreSQL (key store), SQLite and PostgreSQL (jobs) and Redis, with a fake engine."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from lifecycle_support import T0, Clock, lines, settings_env
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from producer.cli import app
from producer.client import Client
from schemas.keyfile import load_key_file, rotate_key_file
from schemas.settings import Settings
from schemas.tables import Job
from workers.engine.fake import FakeEngine
from workers.generate import Generator
from workers.lifecycle.reconciler import Reconciler
from workers.policy import PolicyEngine
from workers.runtime import Foundations, build_generator, load_foundations

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def policy() -> PolicyEngine:
    """One policy engine for the module (presidio takes seconds to build)."""
    return PolicyEngine()


class Monotonic:
    """A monotonic clock the test moves by hand (the key ring's reload limiter reads it)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings(settings_factory: Any, db_url: str, pg_url: str, redis_url: str) -> Settings:
    """A deployment's settings: jobs on db_url, the key store on its own PostgreSQL."""
    return settings_factory(database_url=db_url, key_store_url=pg_url, broker_url=redis_url)


@pytest.fixture
def worlds() -> Iterator[list[Any]]:
    """Everything a test opened (clients, foundations), closed after it."""
    opened: list[Any] = []
    yield opened
    for thing in opened:
        if isinstance(thing, Client):
            thing.close()
        elif isinstance(thing, Foundations):
            thing.jobs_db.dispose()


def worker(settings: Settings, clock: Clock, policy: PolicyEngine, opened: list[Any],
           monotonic: Monotonic | None = None) -> Generator:
    """A worker process's Generator, wired as `sealq worker` wires it (key file read now)."""
    foundations = load_foundations(settings)
    opened.append(foundations)
    if monotonic is not None:
        foundations.keystore.ring._monotonic = monotonic  # the test's clock
    generator = build_generator(foundations, engine=FakeEngine(), policy=policy,
                                owner=f"worker-{len(opened)}", clock=clock)
    generator.keystore = foundations.keystore  # type: ignore[attr-defined]  # for asserts
    return generator


def producer(settings: Settings, clock: Clock, opened: list[Any]) -> Client:
    """A producer process (key file read now)."""
    client = Client.from_settings(settings, clock=clock)
    opened.append(client)
    return client


def job_ids(settings: Settings, batch_id: str) -> list[str]:
    """A batch's job ids in submission order."""
    from schemas.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(Job.id).where(Job.batch_id == batch_id)
                                        .order_by(Job.position)))
    finally:
        engine.dispose()


def job_row(settings: Settings, job_id: str) -> Job:
    """One job row as stored."""
    from schemas.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            row = session.get(Job, job_id)
            assert row is not None
            return row
    finally:
        engine.dispose()


def cli(settings: Settings, *args: str) -> Any:
    """Run `sealq ARGS` in process with the deployment's settings."""
    return CliRunner().invoke(app, list(args), env=settings_env(settings))


def test_a_rotation_with_rewrap_fails_no_job(settings: Settings, policy: PolicyEngine,
                                             worlds: list[Any]) -> None:
    """After `sealq keys rotate --rewrap` a worker started before it runs every job: jobs of a
    bucket it had cached, of a bucket re-wrapped under the new key, and of a new bucket."""
    clock = Clock(T0)
    old_worker = worker(settings, clock, policy, worlds)
    old_producer = producer(settings, clock, worlds)
    cached = old_producer.submit(lines("cached", 1), ttl_seconds=3600)
    rewrapped = old_producer.submit(lines("rewrapped", 1), ttl_seconds=3 * 3600)
    assert old_worker.run(job_ids(settings, cached.batch_id)[0]) == "succeeded"

    result = cli(settings, "keys", "rotate", "--rewrap")
    assert result.exit_code == 0, result.output
    assert "re-wrapped 2 bucket keys" in result.output
    fresh = producer(settings, clock, worlds).submit(lines("fresh", 1), ttl_seconds=5 * 3600)

    outcomes = [old_worker.run(job_id) for batch in (cached, rewrapped, fresh)
                for job_id in job_ids(settings, batch.batch_id)[-1:]]
    assert outcomes == ["skipped", "succeeded", "succeeded"]
    for batch in (cached, rewrapped, fresh):
        [record] = old_producer.results(batch.batch_id)
        assert record["error"] is None, record


def test_a_worker_without_the_new_key_gives_the_job_back_until_it_has_it(
        settings: Settings, policy: PolicyEngine, worlds: list[Any], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """A worker on another host whose key file lacks the new primary leaves the job queued
    with its attempt returned (logged, counted), reads an unchanged file at most once per
    interval, and runs the job as soon as the file there holds the key."""
    clock, monotonic = Clock(T0), Monotonic()
    worker_keys = tmp_path / "worker-host" / "keys.json"
    worker_keys.parent.mkdir()
    shutil.copy2(settings.keys_file, worker_keys)
    remote = worker(settings.model_copy(update={"keys_file": worker_keys}), clock, policy,
                    worlds, monotonic)
    rotate_key_file(settings.keys_file)  # promoted at once: the worker's host lags behind
    batch = producer(settings, clock, worlds).submit(lines("lagging", 1), ttl_seconds=3600)
    [job_id] = job_ids(settings, batch.batch_id)

    caplog.set_level(logging.WARNING, logger="sealq.worker")
    assert remote.run(job_id) == "key_unavailable"
    row = job_row(settings, job_id)
    assert (row.state, row.attempts, row.lease_token, row.error_code) == ("queued", 0, None, None)
    new_primary = load_key_file(settings.keys_file).primary
    assert new_primary in caplog.text and "returned it to the queue" in caplog.text
    ring = remote.keystore.ring  # type: ignore[attr-defined]
    assert ring.reloads == 1

    # Gone from the broker (the task returned), so after a lease the reconciler puts it back
    # to waiting, for the dispatcher to release again; the reconciler itself sends nothing.
    from schemas.db import make_engine

    jobs_db = make_engine(settings.database_url)
    reconciler = Reconciler(jobs_db, lambda queues, ids, since: set(), max_attempts=3,
                            stale_after=timedelta(seconds=60))
    assert reconciler.run(clock.now + timedelta(seconds=30)).lost_requeued == 0
    assert job_row(settings, job_id).enqueued_at is not None
    assert reconciler.run(clock.now + timedelta(seconds=61)).lost_requeued == 1
    row = job_row(settings, job_id)
    assert (row.state, row.attempts, row.enqueued_at) == ("queued", 0, None)
    jobs_db.dispose()

    assert remote.run(job_id) == "key_unavailable"  # unchanged and read a moment ago: not read
    assert ring.reloads == 1
    monotonic.now += 5
    assert remote.run(job_id) == "key_unavailable"  # unchanged, but the interval passed
    assert ring.reloads == 2
    shutil.copy2(settings.keys_file, worker_keys)  # the file reaches the worker's host
    assert remote.run(job_id) == "succeeded"  # changed: read at once
    assert ring.reloads == 3
    assert job_row(settings, job_id).attempts == 1
    [record] = producer(settings, clock, worlds).results(batch.batch_id)
    assert record["error"] is None


def test_staged_rotation_then_retiring_the_old_key(settings: Settings, policy: PolicyEngine,
                                                   worlds: list[Any], tmp_path: Path) -> None:
    """Stage, copy, promote: the lagging-free path never even delays a job; the old key cannot
    be retired while it wraps a live bucket key, and can once they are re-wrapped."""
    clock = Clock(T0)
    worker_keys = tmp_path / "worker-host" / "keys.json"
    worker_keys.parent.mkdir()
    shutil.copy2(settings.keys_file, worker_keys)
    remote = worker(settings.model_copy(update={"keys_file": worker_keys}), clock, policy,
                    worlds)
    old_key = load_key_file(settings.keys_file).primary
    before = producer(settings, clock, worlds).submit(lines("before", 1), ttl_seconds=3600)

    staged = cli(settings, "keys", "rotate", "--stage")
    assert staged.exit_code == 0, staged.output
    status = json.loads(cli(settings, "keys", "status", "--json").stdout)
    roles = {key["id"]: key["role"] for key in status["keys"]}
    [new_key] = [key_id for key_id, role in roles.items() if role == "staged"]
    assert roles[old_key] == "primary"
    shutil.copy2(settings.keys_file, worker_keys)  # every host learns the staged key
    promoted = cli(settings, "keys", "rotate", "--promote")
    assert promoted.exit_code == 0 and new_key in promoted.output
    after = producer(settings, clock, worlds).submit(lines("after", 1), ttl_seconds=3 * 3600)
    assert remote.run(job_ids(settings, after.batch_id)[0]) == "succeeded"

    refused = cli(settings, "keys", "retire", old_key)
    assert refused.exit_code == 1
    assert f"{old_key} still wraps 1 live bucket keys" in refused.output
    assert old_key in load_key_file(settings.keys_file).keys
    assert cli(settings, "keys", "retire", new_key).exit_code == 2  # the primary: refused
    assert cli(settings, "keys", "rewrap").exit_code == 0
    retired = cli(settings, "keys", "retire", old_key)
    assert retired.exit_code == 0, retired.output
    assert set(load_key_file(settings.keys_file).keys) == {new_key}
    shutil.copy2(settings.keys_file, worker_keys)
    assert remote.run(job_ids(settings, before.batch_id)[0]) == "succeeded"
    status = json.loads(cli(settings, "keys", "status", "--json").stdout)
    assert status == {"keys": [{"id": new_key, "role": "primary",
                                "created_at": status["keys"][0]["created_at"],
                                "live_bucket_keys": 2,
                                "last_bucket_ends": status["keys"][0]["last_bucket_ends"]}],
                      "unknown_master_keys": []}


def test_the_worker_metric_counts_key_unavailable() -> None:
    """The worker's outcome metric has a label of its own for jobs given back for a key."""
    from workers.ops.worker_metrics import outcome_code

    assert outcome_code("key_unavailable") == "key_unavailable"
