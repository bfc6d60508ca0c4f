"""SEALQ_WORKER_TASK_EVENTS: a worker sends Flower's task events, or only its heartbeats."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis

from workers.lifecycle.publisher import Publisher

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

ROOT = Path(__file__).parents[2]
QUEUE = "sealq.events-test"


def event_types(message: dict[str, Any]) -> set[str]:
    """The event types in one kombu fanout message on Redis (one event, or a batch of them)."""
    envelope = json.loads(message["data"])
    body = envelope["body"]
    if envelope.get("properties", {}).get("body_encoding") == "base64":
        body = base64.b64decode(body)
    events = json.loads(body)
    return {event["type"] for event in (events if isinstance(events, list) else [events])}


def events_seen(redis_url: str, task_events: bool, tmp_path: Path) -> set[str]:
    """Event types a real worker sends while it runs 5 jobs, read off Redis's event channels
    (subscribed before the worker starts)."""
    # redis-py's pubsub() is unannotated.
    listener = redis.Redis.from_url(redis_url).pubsub(  # type: ignore[no-untyped-call]
        ignore_subscribe_messages=True)
    listener.psubscribe("*celeryev*")
    listener.get_message(timeout=5)  # reads the confirmation: subscribed from here on
    hostname = f"sealq-events-{uuid.uuid4().hex[:6]}@test"
    args = [sys.executable, str(ROOT / "tests" / "support" / "celery_worker.py"), hostname,
            QUEUE, *([] if task_events else ["--no-task-events"])]
    log = tmp_path / f"worker-{task_events}.log"
    seen: set[str] = set()
    with log.open("wb") as out:
        worker = subprocess.Popen(args, env={**os.environ, "SEALQ_BROKER_URL": redis_url},
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while " ready." not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)
        publisher = Publisher(redis_url)
        try:
            publisher.publish([uuid.uuid4().hex for _ in range(5)], queue=QUEUE)
        finally:
            publisher.close()
        deadline = time.monotonic() + 30
        while log.read_text().count("succeeded in") < 5:
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)
        # Batched events follow within a fraction of a second; a heartbeat within 2 s.
        until = time.monotonic() + 3
        while time.monotonic() < until:
            message = listener.get_message(timeout=0.2)
            if message is not None and message["type"] == "pmessage":
                seen |= event_types(message)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        listener.close()
    return seen


WORKER_EVENTS = {"worker-online", "worker-heartbeat"}


def test_task_events_on_by_default_for_flower(redis_url: str, tmp_path: Path) -> None:
    """On: Flower hears each task received, started and succeeded, and the worker itself."""
    seen = events_seen(redis_url, True, tmp_path)
    assert {"task-received", "task-started", "task-succeeded"} <= seen
    assert seen & WORKER_EVENTS


def test_task_events_off_keeps_the_worker_events_only(redis_url: str, tmp_path: Path) -> None:
    """Off: no task event at all, but the worker still announces itself (Flower lists it)."""
    seen = events_seen(redis_url, False, tmp_path)
    assert seen & WORKER_EVENTS
    assert not {kind for kind in seen if kind.startswith("task-")}, seen
