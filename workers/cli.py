"""`sealq worker`: one Celery worker process serving many jobs on one vLLM engine."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from schemas.cli_common import (
    EnvFile,
    configure_logging,
    fail,
    forbid_core_dumps,
    settings_or_exit,
)
from schemas.constants import EXIT_CONFIG
from schemas.errors import ConfigError, StoreUnavailable
from schemas.settings import Settings, check_queue_name
from workers.app import build_worker, create_app, runtime
from workers.engine.base import Engine
from workers.generate import Policy
from workers.runtime import Foundations, build_generator, load_foundations, utc_now, worker_name
from workers.seat import Seat

log = logging.getLogger("sealq.worker")

# Exit code when the engine died: the supervisor (compose `restart:`, systemd) starts anew.
EXIT_ENGINE_DEAD = 3


def worker_command(
    env_file: EnvFile = None,
    concurrency: Annotated[int | None, typer.Option(
        help="Jobs in flight at once (threads); default SEALQ_WORKER_CONCURRENCY.")] = None,
    queue: Annotated[str | None, typer.Option(
        help="Queue to consume; default SEALQ_QUEUE.")] = None,
) -> None:
    """Serve jobs: load the model once, then run many jobs at a time on it."""
    settings = settings_or_exit(env_file)
    configure_logging(settings.log_level)
    forbid_core_dumps()
    try:
        if queue is not None:
            check_queue_name(queue)
    except ValueError as e:
        fail(f"--queue is invalid: {e}", EXIT_CONFIG)
    try:
        foundations = load_foundations(settings)
    except ConfigError as e:
        fail(str(e), EXIT_CONFIG)
    except StoreUnavailable as e:
        fail(str(e))
    # Heavy imports only once the configuration is known to be good.
    from workers.engine.options import EngineOptions
    from workers.engine.vllm import VllmEngine
    from workers.policy import PolicyEngine

    policy = PolicyEngine()
    try:
        policy.prepare(foundations.kinds.get(name) for name in foundations.kinds.names)
        options = EngineOptions.from_settings(settings)
    except ConfigError as e:
        fail(str(e), EXIT_CONFIG)
    name = worker_name()
    log.info("starting engine for %s", options.model)
    # vLLM's per-step statistics cost engine time: gathered only when someone can read them.
    metrics_port = settings.worker_metrics_port
    with VllmEngine(options, collect_stats=metrics_port is not None) as engine:
        if metrics_port is not None:
            from workers.ops.worker_metrics import serve_worker_metrics

            serve_worker_metrics(engine.stats, port=metrics_port,
                                 address=settings.worker_metrics_address)
        exit_code = serve(settings, foundations, engine, policy, name=name, queue=queue,
                          concurrency=concurrency)
    if runtime.engine_dead.is_set():
        raise typer.Exit(EXIT_ENGINE_DEAD)
    raise typer.Exit(exit_code)


def serve(settings: Settings, foundations: Foundations, engine: Engine, policy: Policy, *,
          name: str, queue: str | None = None, concurrency: int | None = None) -> int:
    """Consume jobs on `engine` until the worker is told to stop; its exit code."""
    runtime.generator = build_generator(foundations, engine=engine, policy=policy, owner=name)
    app = create_app(settings.broker_url)
    slots = concurrency or settings.worker_concurrency
    worker = build_worker(
        app, concurrency=slots, queues=[queue or settings.queue], hostname=f"sealq@{name}",
        loglevel=settings.log_level, optimization="fair",
        task_events=settings.worker_task_events)
    # Announced once the engine is up: the dispatcher releases jobs for these slots only.
    seat = Seat(foundations.jobs_db, name=name, queue=queue or settings.queue, slots=slots,
                clock=utc_now)
    try:
        seat.start()
    except StoreUnavailable as e:
        fail(str(e))
    try:
        worker.start()
    finally:
        seat.leave()
    return worker.exitcode or 0
