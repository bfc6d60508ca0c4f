"""SEALQ_WORKER_TASK_EVENTS: a worker sends Flower's task events, or only its heartbeats."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery

from schemas.messages import celery_config
from workers.lifecycle.publisher import Publisher

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

ROOT = Path(__file__).parents[2]
QUEUE = "sealq.events-test"


def events_seen(redis_url: str, task_events: bool, tmp_path: Path) -> set[str]:
    """Event types a real worker sends while it runs 5 jobs, heard on Celery's event bus."""
    app = Celery("events-test", set_as_current=False)
    app.conf.update(celery_config(redis_url))
    seen: set[str] = set()
    listening = threading.Event()
    with app.connection_for_read() as connection:
        receiver = app.events.Receiver(connection, handlers={
            "*": lambda event: seen.add(event["type"])})
        stop = threading.Event()

        def listen() -> None:
            consume = receiver.itercapture(limit=None, timeout=1, wakeup=False)
            listening.set()
            while not stop.is_set():
                try:
                    next(consume)
                except (TimeoutError, StopIteration, OSError):
                    continue

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        assert listening.wait(timeout=10)
        hostname = f"sealq-events-{uuid.uuid4().hex[:6]}@test"
        args = [sys.executable, str(ROOT / "tests" / "support" / "celery_worker.py"), hostname,
                QUEUE, *([] if task_events else ["--no-task-events"])]
        log = tmp_path / f"worker-{task_events}.log"
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
            time.sleep(2)  # events flushed after the last task
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            stop.set()
            listener.join(timeout=5)
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
