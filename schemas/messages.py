"""The broker contract: Celery settings both sides must agree on, and the task message shape.

A generate message's arguments are job ids: one, or a group of up to MAX_MESSAGE_JOBS that a
worker runs side by side (one claim, one finish, one message's handling for all of them).
Content never travels through the broker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from schemas.constants import DEFAULT_QUEUE, MAINTENANCE_QUEUE, TASK_RECONCILE, TASK_SWEEP

JOB_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
# Most job ids one generate message carries.
MAX_MESSAGE_JOBS = 16

# For a consumer that keeps kombu's ack emulation on (sealq's do not, see celery_config): Redis
# redelivers a message nobody acked within this window. Lost messages are the reconciler's job,
# which puts their jobs back to waiting in the database far sooner.
VISIBILITY_TIMEOUT_SECONDS = 6 * 3600


def celery_config(broker_url: str) -> dict[str, Any]:
    """Celery settings shared by producers, workers and beat."""
    transport = {}
    if broker_url.startswith("redis://"):
        # kombu's Redis transport, reusing its clients (workers.broker_transport); rediss:// and
        # sentinel keep kombu's own, with their TLS and discovery rules.
        transport["broker_transport"] = "workers.broker_transport:Transport"
    return {
        **transport,
        "broker_url": broker_url,
        # JSON only: pickle would let whoever can write to Redis run code in the worker.
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        # The database is the result store; nothing about a job's outcome goes to Redis.
        "task_ignore_result": True,
        "result_backend": None,
        "task_default_queue": DEFAULT_QUEUE,
        "task_routes": {TASK_SWEEP: {"queue": MAINTENANCE_QUEUE},
                        TASK_RECONCILE: {"queue": MAINTENANCE_QUEUE}},
        # The database, not Redis, is the record of every job: a message taken by a worker that
        # dies before claiming its job is found by the reconciler (released, no message in
        # Redis for LOST_MESSAGE_SECONDS) and released again, and a job that was claimed has a
        # lease that runs out. So kombu keeps no copy of taken messages (no ack emulation): that
        # bookkeeping cost two Redis round trips per job on the worker's one consumer thread,
        # and restoring copies after a reconnect released jobs twice. Acking is then local.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # One message per thread: a long GPU job must not sit on a pile of prefetched
        # messages that idle workers elsewhere could be running.
        "worker_prefetch_multiplier": 1,
        "broker_transport_options": {"visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
                                     "ack_emulation": False},
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 5,
        # Flower shows live task events; they carry the job id only. Producers send no
        # task-sent events: one per job would double the Redis work of a large submit, and
        # Flower shows a task from the moment a worker receives it (queue depth: exporter).
        "worker_send_task_events": True,
        "task_send_sent_event": False,
        "worker_hijack_root_logger": False,
        "enable_utc": True,
    }


def is_job_id(value: object) -> bool:
    """Whether a task argument has the shape of a job id."""
    return isinstance(value, str) and JOB_ID_PATTERN.match(value) is not None


def message_groups(job_ids: Sequence[str], size: int) -> list[list[str]]:
    """`job_ids` in order, cut into messages of at most `size` (1 to MAX_MESSAGE_JOBS) ids."""
    size = max(1, min(size, MAX_MESSAGE_JOBS))
    return [list(job_ids[start:start + size]) for start in range(0, len(job_ids), size)]
