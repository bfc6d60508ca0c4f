"""Hostile changes on a real worker: moved sealed data does not open, replays change nothing.

The same cases run on a fake engine in tests/integration/test_generator.py; here they go
through Redis, a real `sealq worker` and its vLLM engine, once, on the shared fleet.
"""

from __future__ import annotations

import re

import pytest
from celery import Celery
from sqlalchemy import update
from support.fleet import CANARY_PROMPT, Fleet, line, wait_until

from schemas.constants import DEFAULT_QUEUE, TASK_GENERATE
from schemas.messages import celery_config
from schemas.tables import Job

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]


def test_swapped_and_moved_rows_fail_and_replays_change_nothing(fleet: Fleet) -> None:
    """Swapped prompts and a row moved to another tenant end payload_invalid; replaying the
    messages of finished jobs leaves every row as it was."""
    worker = fleet.worker
    batch = fleet.submit([line(f"tamper-{name}", f"Write one sentence about the quarterly "
                                                 f"results of {name}. Ref {CANARY_PROMPT}.")
                          for name in ("ok", "swap-a", "swap-b", "moved")], held=True)
    ids = {r["custom_id"].removeprefix("tamper-"): r["id"] for r in fleet.jobs(batch.batch_id)}
    prompts = {r["id"]: r["sealed_prompt"] for r in fleet.query(
        "SELECT id, sealed_prompt FROM jobs WHERE batch_id = :b", b=batch.batch_id)}
    with fleet.db().begin() as connection:
        connection.execute(update(Job).where(Job.id == ids["swap-a"])
                           .values(sealed_prompt=prompts[ids["swap-b"]]))
        connection.execute(update(Job).where(Job.id == ids["swap-b"])
                           .values(sealed_prompt=prompts[ids["swap-a"]]))
        connection.execute(update(Job).where(Job.id == ids["moved"]).values(tenant="mallory"))
    fleet.release(list(ids.values()))
    fleet.wait_settled(batch.batch_id, timeout=300)
    rows = {r["id"]: r for r in fleet.assert_settled_once(batch.batch_id, 4)}
    assert (rows[ids["ok"]]["state"], rows[ids["ok"]]["error_code"]) == ("succeeded", None)
    for name in ("swap-a", "swap-b", "moved"):
        assert (rows[ids[name]]["state"], rows[ids[name]]["error_code"]) == \
            ("failed", "payload_invalid"), name

    snapshot = "SELECT * FROM jobs WHERE batch_id = :b ORDER BY position"
    before = fleet.query(snapshot, b=batch.batch_id)
    audit_before = fleet.audit(batch.batch_id)
    app = Celery("replayer", set_as_current=False)
    app.conf.update(celery_config(fleet.redis.url("beat")))
    try:
        replays = [app.send_task(TASK_GENERATE, args=[ids[name]], queue=DEFAULT_QUEUE).id
                   for name in ("ok", "swap-a", "ok")]
    finally:
        app.close()

    def outcomes() -> list[str] | None:
        found = [re.search(rf"sealq\.generate\[{task_id}\] succeeded in \S+: '(\w+)'",
                           worker.log()) for task_id in replays]
        return [m.group(1) for m in found if m] if all(found) else None

    assert wait_until("the worker to run the replays", outcomes, timeout=120) == ["skipped"] * 3
    assert fleet.query(snapshot, b=batch.batch_id) == before
    assert fleet.audit(batch.batch_id) == audit_before
