"""The Celery app and its tasks. Tasks take job ids only and delegate to the runtime."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from celery import Celery
from celery.apps.worker import Worker

from schemas.constants import TASK_GENERATE
from schemas.errors import EngineDead
from schemas.messages import MAX_MESSAGE_JOBS, celery_config, is_job_id
from workers.consumer import CONSUMER
from workers.generate import Generator
from workers.lifecycle.tasks import register_maintenance_tasks

log = logging.getLogger("sealq.worker")


@dataclass
class Runtime:
    """What this worker process serves with; built once before the worker consumes."""

    generator: Generator | None = None
    engine_dead: threading.Event = field(default_factory=threading.Event)


runtime = Runtime()

# Remote-control commands a sealq worker answers: read-only inspection, what Flower's worker
# pages and `celery inspect` show, and `heartbeat` (Flower asks for one; it only sends an
# event). Inspection and control (shutdown, cancel_consumer, pool_restart, revoke, ...) share
# one pub/sub channel that Redis's ACL cannot split, so the worker itself refuses every
# command not named here, whoever sent it (logged as "pidbox command error: KeyError").
ANSWERED_COMMANDS = frozenset({
    "ping", "stats", "active_queues", "registered", "active", "reserved", "scheduled",
    "revoked", "conf", "clock", "report", "query_task", "heartbeat",
})


def restrict_remote_control() -> list[str]:
    """Drop every remote-control handler but ANSWERED_COMMANDS from this process; returns them."""
    from celery.worker.control import Panel

    dropped = sorted(name for name in Panel.data if name not in ANSWERED_COMMANDS)
    for name in dropped:
        del Panel.data[name]
    return dropped


def build_worker(app: Celery, *, task_events: bool = True, **options: Any) -> Worker:
    """A Celery worker (threads pool) as every sealq process that consumes runs it.

    Mingle and gossip are off: sealq revokes nothing through Celery (the database is the
    truth) and needs no elections, and both would have workers broadcast on the
    remote-control channel, which the Redis ACL lets them only listen to. Without
    `task_events` the worker still sends its heartbeats (Flower lists it) but no task events;
    with them, they go out in batches (workers.consumer).
    """
    restrict_remote_control()
    worker: Worker = app.Worker(pool="threads", without_mingle=True, without_gossip=True,
                                task_events=task_events, consumer_cls=CONSUMER, **options)
    return worker


def create_app(broker_url: str) -> Celery:
    """The worker-side Celery app with sealq's tasks registered."""
    app = Celery("sealq", set_as_current=True)
    app.conf.update(celery_config(broker_url))
    _register_tasks(app)
    register_maintenance_tasks(app)
    return app


def _register_tasks(app: Celery) -> None:
    @app.task(name=TASK_GENERATE, ignore_result=True)  # type: ignore[untyped-decorator]
    def generate(*job_ids: Any) -> str:
        """Run the sealed jobs a message names (one or a group), side by side."""
        if not job_ids or len(job_ids) > MAX_MESSAGE_JOBS or not all(map(is_job_id, job_ids)):
            log.warning("ignoring a generate message whose arguments are not 1 to %d job ids",
                        MAX_MESSAGE_JOBS)
            return "ignored"
        if runtime.generator is None or runtime.engine_dead.is_set():
            # Not serving: leave the message to redelivery or the reconciler.
            raise RuntimeError("worker is not serving")
        try:
            words = runtime.generator.run_many(list(dict.fromkeys(job_ids)))
        except EngineDead:
            if not runtime.engine_dead.is_set():
                runtime.engine_dead.set()
                log.error("inference engine died; stopping this worker so it is restarted")
                os.kill(os.getpid(), signal.SIGTERM)
            raise
        return summary(words)


def summary(words: list[str]) -> str:
    """What a message's jobs came to, for the log and Flower: `succeeded` or `succeeded x7,
    prompt_injection` (words only, never content)."""
    counts = Counter(words)
    return ", ".join(word if n == 1 else f"{word} x{n}" for word, n in counts.items())
