"""The operator's gateway commands: tenants, API keys (shown once, stored as a hash), audit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from lifecycle_support import settings_env
from sqlalchemy import select
from typer.testing import CliRunner

from producer.cli import app
from schemas.db import make_engine
from schemas.tables import ApiKey, Job

pytestmark = pytest.mark.integration


@pytest.fixture
def env(db_url: str, redis_url: str, settings_factory: Any) -> dict[str, str]:
    """SEALQ_* variables for a CLI run on a migrated database."""
    return settings_env(settings_factory(database_url=db_url, broker_url=redis_url))


def run(env: dict[str, str], *args: str) -> Any:
    """One `sealq` command, as an operator types it."""
    return CliRunner().invoke(app, list(args), env=env)


def test_tenants_are_added_listed_changed_and_names_checked(env: dict[str, str]) -> None:
    """`tenant add/set/list`: limits stored, a bad or taken name refused with the fix."""
    added = run(env, "tenant", "add", "acme", "--rate-limit", "60", "--weight", "3")
    assert added.exit_code == 0, added.output
    assert "sealq apikey issue acme" in added.stderr
    again = run(env, "tenant", "add", "acme")
    assert again.exit_code == 1 and "already exists" in again.stderr
    bad = run(env, "tenant", "add", "acme\n")
    assert bad.exit_code == 1 and "invalid" in bad.stderr
    changed = run(env, "tenant", "set", "acme", "--max-enqueued-jobs", "10",
                  "--default-rate-limit")
    assert changed.exit_code == 0, changed.output
    listed = {t["name"]: t for t in json.loads(run(env, "tenant", "list", "--json").stdout)}
    assert listed["acme"]["weight"] == 3
    assert listed["acme"]["rate_limit_per_minute"] is None
    assert listed["acme"]["max_enqueued_jobs"] == 10
    assert "default" in listed
    missing = run(env, "tenant", "set", "nobody", "--weight", "2")
    assert missing.exit_code == 1 and "sealq tenant add nobody" in missing.stderr


def test_keys_are_shown_once_stored_hashed_listed_and_revoked(env: dict[str, str],
                                                              db_url: str) -> None:
    """`apikey issue` prints the key as its last line; the database and `list` never hold it;
    `revoke` takes the id or the whole key."""
    assert run(env, "tenant", "add", "acme").exit_code == 0
    first = run(env, "apikey", "issue", "acme", "--role", "reader", "--expires-in-days", "30")
    assert first.exit_code == 0, first.output
    key = first.stdout.strip().splitlines()[-1]
    assert key.startswith("sqk_") and len(key) == 4 + 16 + 1 + 43
    second = run(env, "apikey", "issue", "acme").stdout.strip().splitlines()[-1]
    listing = run(env, "apikey", "list", "acme", "--json")
    rows = json.loads(listing.stdout)
    assert {row["role"] for row in rows} == {"reader", "submitter"}
    assert {row["status"] for row in rows} == {"live"}
    assert key not in listing.stdout and key.split("_", 2)[2] not in listing.stdout
    engine = make_engine(db_url)
    with engine.connect() as connection:
        stored = connection.execute(select(ApiKey.secret_hash, ApiKey.id)).all()
    engine.dispose()
    assert all(key.split("_", 2)[2] not in str(row) for row in stored)
    assert run(env, "apikey", "revoke", key).exit_code == 0
    assert run(env, "apikey", "revoke", "_".join(second.split("_")[:2])).exit_code == 0
    after = json.loads(run(env, "apikey", "list", "--json").stdout)
    assert {row["status"] for row in after} == {"revoked"}
    wrong = run(env, "apikey", "revoke", "not-a-key")
    assert wrong.exit_code == 1 and "sqk_" in wrong.stderr
    unknown = run(env, "apikey", "issue", "nobody")
    assert unknown.exit_code == 1 and "sealq tenant add nobody" in unknown.stderr


def test_submit_refuses_an_unknown_tenant_with_the_command_that_adds_it(
        env: dict[str, str], tmp_path: Any) -> None:
    """`sealq submit --tenant T` for a tenant never added: one line naming `sealq tenant add`."""
    file = tmp_path / "r.jsonl"
    file.write_text(json.dumps({"custom_id": "a", "body": {
        "messages": [{"role": "user", "content": "hi"}]}}) + "\n")
    done = run(env, "submit", str(file), "--tenant", "initech")
    assert done.exit_code == 1
    assert "sealq tenant add initech" in done.stderr


def test_submit_stores_in_the_lane_asked_with_no_broker(env: dict[str, str], db_url: str,
                                                       tmp_path: Any) -> None:
    """`sealq submit --priority bulk` with Redis unreachable stores the jobs waiting in the bulk
    lane, says the dispatcher releases them, and prints the batch id last."""
    file = tmp_path / "r.jsonl"
    file.write_text("".join(json.dumps({"custom_id": c, "body": {
        "messages": [{"role": "user", "content": "hi"}]}}) + "\n" for c in ("a", "b")))
    done = run({**env, "SEALQ_BROKER_URL": "redis://127.0.0.1:1/0"}, "submit", str(file),
               "--priority", "bulk")
    assert done.exit_code == 0, done.output
    assert "stored 2 bulk jobs" in done.stderr and "dispatcher" in done.stderr
    batch_id = done.stdout.strip().splitlines()[-1]
    engine = make_engine(db_url)
    with engine.connect() as connection:
        rows = connection.execute(select(Job.priority, Job.enqueued_at)
                                  .where(Job.batch_id == batch_id)).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("bulk", None)] * 2
    wrong = run(env, "submit", str(file), "--priority", "asap")
    assert wrong.exit_code == 2


def test_audit_command_lists_events_without_content(env: dict[str, str], db_url: str) -> None:
    """`sealq audit --json` prints one event per line, filtered by tenant and time."""
    from datetime import UTC, datetime, timedelta

    from producer.audit import AuditLog, Event

    engine = make_engine(db_url)
    log = AuditLog(engine)
    now = datetime.now(UTC)
    log.record(Event(at=now - timedelta(hours=3), action="batches.list", status=200,
                     outcome="ok", tenant="acme"))
    log.record(Event(at=now, action="files.create", status=200, outcome="ok", tenant="acme",
                     key_id="0123456789abcdef", object_id="file-1", request_bytes=10,
                     items=2))
    log.record(Event(at=now, action="batches.list", status=401,
                     outcome="unauthorized.unknown_key"))
    engine.dispose()
    recent = run(env, "audit", "--tenant", "acme", "--since", "1h", "--json")
    assert recent.exit_code == 0, recent.output
    events = [json.loads(line) for line in recent.stdout.splitlines()]
    assert [(e["action"], e["object_id"], e["items"]) for e in events] == [
        ("files.create", "file-1", 2)]
    everything = run(env, "audit", "--json")
    assert len(everything.stdout.splitlines()) == 3
    table = run(env, "audit")
    assert table.exit_code == 0 and "acme" in table.stdout
    bad = run(env, "audit", "--since", "yesterday")
    assert bad.exit_code == 2 and "--since" in bad.stderr
