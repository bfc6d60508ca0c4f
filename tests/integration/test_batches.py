"""`sealq batches`: newest first, per tenant, keyset-paged, counts in one query, on indexes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert
from typer.testing import CliRunner

from producer.cli import app
from producer.tracker import Tracker
from schemas.db import make_engine
from schemas.errors import NotFound
from schemas.states import JobState
from schemas.tables import Batch, Job

pytestmark = pytest.mark.integration

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
STATES = [JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED, JobState.FAILED]


def add_batch(engine: Engine, *, tenant: str, created: datetime, states: list[str],
              batch_id: str | None = None) -> str:
    """One batch with jobs in the given states; returns its id."""
    batch_id = batch_id or uuid.uuid4().hex
    expires = created + timedelta(days=1)
    with engine.begin() as connection:
        connection.execute(insert(Batch), [{
            "id": batch_id, "tenant": tenant, "kind": "free_text", "queue": "sealq",
            "submit_key": uuid.uuid4().hex, "job_count": len(states), "created_at": created,
            "expires_at": expires}])
        if states:
            connection.execute(insert(Job), [{
                "id": uuid.uuid4().hex, "batch_id": batch_id, "tenant": tenant,
                "custom_id": uuid.uuid4().hex, "position": n, "kind": "free_text",
                "queue": "sealq", "state": state, "attempts": 0, "created_at": created,
                "expires_at": expires, "key_id": "k"} for n, state in enumerate(states)])
    return batch_id


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """The migrated job database's engine."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def statements(engine: Engine) -> list[tuple[str, Any]]:
    """Every SQL statement the engine sends from now on, with its parameters."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    return sent


def test_pages_walk_every_batch_once_newest_first(engine: Engine) -> None:
    """Following last_id pages through all batches in (created, id) descending order."""
    made = [add_batch(engine, tenant="acme", created=T0 + timedelta(minutes=n % 4),
                      states=["queued"]) for n in range(11)]
    tracker = Tracker(jobs_db=engine)
    seen, after, pages = [], None, 0
    while True:
        page = tracker.batches(limit=4, after=after)
        pages += 1
        seen += [(b.created_at, b.id) for b in page.batches]
        if not page.has_more:
            break
        after = page.last_id
    assert pages == 3 and len(seen) == 11 and {i for _, i in seen} == set(made)
    assert seen == sorted(seen, reverse=True)


def test_tenant_filter_and_a_foreign_cursor(engine: Engine) -> None:
    """--tenant lists that tenant's batches only; another tenant's batch is no cursor."""
    ours = add_batch(engine, tenant="acme", created=T0, states=[])
    theirs = add_batch(engine, tenant="globex", created=T0 + timedelta(hours=1), states=[])
    tracker = Tracker(jobs_db=engine)
    assert [b.id for b in tracker.batches(tenant="acme").batches] == [ours]
    assert [b.id for b in tracker.batches().batches] == [theirs, ours]
    with pytest.raises(NotFound, match="no batch with id"):
        tracker.batches(tenant="acme", after=theirs)
    assert tracker.batches(tenant="nobody").batches == []


def test_counts_come_per_state_in_one_query_whatever_the_page_size(
        engine: Engine, statements: list[tuple[str, Any]]) -> None:
    """A page costs two statements (page, grouped counts), three after a cursor: no N+1."""
    ids = [add_batch(engine, tenant="acme", created=T0 + timedelta(seconds=n),
                     states=[STATES[k % 4] for k in range(n)]) for n in range(1, 13)]
    tracker = Tracker(jobs_db=engine)
    for limit in (2, 12):
        statements.clear()
        page = tracker.batches(limit=limit)
        assert len(statements) == 2, statements
    by_id = {b.id: b for b in page.batches}
    newest = by_id[ids[-1]]
    assert newest.job_count == 12 and sum(newest.counts.values()) == 12
    assert newest.counts == {**{s.value: 0 for s in JobState}, "queued": 3, "running": 3,
                             "succeeded": 3, "failed": 3}
    statements.clear()
    tracker.batches(limit=3, after=ids[5])
    assert len(statements) == 3


def test_the_page_query_walks_an_index(engine: Engine, statements: list[tuple[str, Any]],
                                       db_url: str) -> None:
    """The page query (with tenant and cursor) is answered from an index, without sorting."""
    first = add_batch(engine, tenant="acme", created=T0, states=[])
    add_batch(engine, tenant="acme", created=T0 + timedelta(seconds=1), states=[])
    Tracker(jobs_db=engine).batches(tenant="acme", limit=5, after=first)
    page_sql, parameters = next((s, p) for s, p in statements if "ORDER BY" in s)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {page_sql}", parameters))
            assert "ix_batches_tenant_created_at_id" in plan, plan
            assert "TEMP B-TREE" not in plan, plan
        else:
            # Few rows would make a sequential scan cheaper; forbid it to see what is possible.
            connection.exec_driver_sql("SET enable_seqscan = off")
            connection.exec_driver_sql("SET enable_sort = off")
            plan = " ".join(row[0] for row in connection.exec_driver_sql(
                f"EXPLAIN {page_sql}", parameters))
            assert "ix_batches_tenant_created_at_id" in plan, plan
            assert "Sort" not in plan, plan
            connection.rollback()


def test_batches_command_json_and_table(engine: Engine, db_url: str, keys_file: Any) -> None:
    """`sealq batches --json` pages like OpenAI's lists; the table says how to get more."""
    old = add_batch(engine, tenant="acme", created=T0, states=["succeeded", "failed"])
    new = add_batch(engine, tenant="acme", created=T0 + timedelta(hours=2), states=["queued"])
    add_batch(engine, tenant="globex", created=T0 + timedelta(hours=1), states=[])
    env = {"SEALQ_DATABASE_URL": db_url, "SEALQ_BROKER_URL": "redis://127.0.0.1:6379/0",
           "SEALQ_KEYS_FILE": str(keys_file)}
    first = CliRunner().invoke(app, ["batches", "--tenant", "acme", "--limit", "1", "--json"],
                               env=env)
    assert first.exit_code == 0, first.output
    page = json.loads(first.stdout)
    assert (page["object"], page["has_more"], page["first_id"], page["last_id"]) == (
        "list", True, new, new)
    assert page["data"][0] == {
        "id": new, "tenant": "acme", "kind": "free_text", "created_at": "2026-12-01T11:00:00Z",
        "expires_at": "2026-12-02T11:00:00Z", "jobs": 1,
        "counts": {**{s.value: 0 for s in JobState}, "queued": 1}}
    second = json.loads(CliRunner().invoke(
        app, ["batches", "--tenant", "acme", "--json", "--after", new], env=env).stdout)
    assert [b["id"] for b in second["data"]] == [old] and second["has_more"] is False
    assert second["data"][0]["counts"]["succeeded"] == 1
    table = CliRunner().invoke(app, ["batches", "--limit", "2"], env=env)
    assert table.exit_code == 0 and new in table.stdout and "globex" in table.stdout
    assert "more batches: sealq batches --after" in table.stderr
    missing = CliRunner().invoke(app, ["batches", "--after", "nope"], env=env)
    assert missing.exit_code == 1 and "no batch with id 'nope'" in missing.stderr
