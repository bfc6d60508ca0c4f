"""`sealq beat` (the maintenance process), `sealq dispatch`, `sealq purge` (one sweep by hand)."""

from __future__ import annotations

import json
import logging
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from schemas.cli_common import (
    EnvFile,
    configure_logging,
    fail,
    forbid_core_dumps,
    settings_or_exit,
)
from schemas.constants import EXIT_CONFIG, MAINTENANCE_QUEUE
from schemas.errors import ConfigError, SealqError
from schemas.settings import Settings
from workers.lifecycle.dispatcher import Dispatcher
from workers.lifecycle.publisher import Publisher
from workers.lifecycle.sweeper import SWEEP_MAX_BATCHES, Sweeper
from workers.lifecycle.wakeup import Wakeups
from workers.runtime import Foundations, load_foundations, utc_now, worker_name

SCHEDULE_FILE = "celerybeat-schedule"
log = logging.getLogger("sealq.dispatcher")


def _foundations(settings: Settings) -> Foundations:
    try:
        return load_foundations(settings)
    except ConfigError as e:
        fail(str(e), EXIT_CONFIG)
    except SealqError as e:
        fail(str(e))


def beat_command(
    env_file: EnvFile = None,
    state_dir: Annotated[Path | None, typer.Option(
        help="Folder for beat's schedule file; default SEALQ_BEAT_STATE_DIR.")] = None,
    concurrency: Annotated[int, typer.Option(
        min=1, max=2, help="Maintenance tasks at once (a sweep beside a reconcile).")] = 2,
    dispatch: Annotated[bool, typer.Option(
        "--dispatch/--no-dispatch",
        help="Also run the dispatcher (off: run `sealq dispatch` on its own).")] = True,
) -> None:
    """Run the sweeper and the reconciler on schedule, and the dispatcher."""
    from workers.app import build_worker, create_app
    from workers.lifecycle.tasks import configure_beat, maintenance

    settings = settings_or_exit(env_file)
    configure_logging(settings.log_level)
    forbid_core_dumps()
    # Check keys and databases now so a bad configuration fails at start, not at first beat.
    foundations = _foundations(settings)
    maintenance.configure(settings)
    folder = state_dir or settings.beat_state_dir
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    app = create_app(settings.broker_url)
    configure_beat(app, settings)
    # Beat is embedded in a small worker that consumes only the maintenance queue, so each
    # sweep and reconcile runs as a task Flower shows, and one process is all an operator runs.
    worker = build_worker(
        app, concurrency=concurrency, queues=[MAINTENANCE_QUEUE], beat=True,
        schedule_filename=str(folder / SCHEDULE_FILE), hostname=f"sealq-beat@{worker_name()}",
        loglevel=settings.log_level)
    dispatcher = (start_dispatcher(settings, foundations.jobs_db, f"beat@{worker_name()}")
                  if dispatch else None)
    try:
        worker.start()
    finally:
        if dispatcher is not None:
            dispatcher.stop()
        foundations.jobs_db.dispose()
    raise typer.Exit(worker.exitcode or 0)


def purge_command(
    env_file: EnvFile = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Count what would be erased; change nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object of counts.")] = False,
    max_batches: Annotated[int, typer.Option(
        min=1, help="Erase transactions at most (each erases up to 1000 rows).")] =
        SWEEP_MAX_BATCHES,
) -> None:
    """Run the sweeper once now: erase expired jobs' sealed parts, destroy ended bucket keys.

    Tombstones past SEALQ_TOMBSTONE_RETENTION_DAYS are dropped too."""
    settings = settings_or_exit(env_file)
    foundations = _foundations(settings)
    sweeper = Sweeper(foundations.jobs_db, foundations.keystore, max_batches=max_batches,
                      tombstone_retention=settings.tombstone_retention)
    try:
        report = sweeper.run(now=utc_now(), dry_run=dry_run)
    except SealqError as e:
        fail(str(e))
    finally:
        foundations.jobs_db.dispose()
    if as_json:
        print(json.dumps(report.as_dict()))
    elif dry_run:
        print(f"would expire {report.would_expire} unfinished jobs, erase "
              f"{report.would_erase} jobs' sealed data, destroy {report.would_destroy_keys} "
              f"bucket keys, drop {report.would_drop_tombstones} tombstones past retention "
              "(dry run: nothing changed)")
    else:
        more = "" if report.complete else "; more left, run again"
        print(f"expired {report.expired} unfinished jobs, erased {report.erased} jobs' sealed "
              f"data in {report.batches} batches, destroyed {report.keys_destroyed} bucket "
              f"keys, dropped {report.tombstones_dropped} tombstones past retention{more}")


def build_dispatcher(settings: Settings, jobs_db: Engine, owner: str) -> Dispatcher:
    """The dispatcher this process runs, publishing through its own broker connection."""
    publisher = Publisher(settings.broker_url)
    return Dispatcher(jobs_db, publisher.publish, owner=owner,
                      headroom=settings.dispatch_headroom,
                      lane_floor=settings.dispatch_lane_floor)


def run_dispatcher(dispatcher: Dispatcher, jobs_db: Engine, stop: threading.Event) -> None:
    """Passes until `stop`, woken by commits where the database can tell (PostgreSQL)."""
    wakeups = Wakeups.for_database(jobs_db)
    try:
        dispatcher.run(stop, utc_now, wakeups=wakeups)
    finally:
        if wakeups is not None:
            wakeups.close()


def start_dispatcher(settings: Settings, jobs_db: Engine, owner: str) -> DispatcherThread:
    """The dispatcher on a daemon thread of this process (inside `sealq beat`)."""
    stop = threading.Event()
    dispatcher = build_dispatcher(settings, jobs_db, owner)
    thread = threading.Thread(target=run_dispatcher, args=(dispatcher, jobs_db, stop),
                              name="sealq-dispatcher", daemon=True)
    thread.start()
    return DispatcherThread(thread, stop)


class DispatcherThread:
    """A dispatcher running on a thread; `stop` gives its lease up."""

    def __init__(self, thread: threading.Thread, stop: threading.Event) -> None:
        self._thread = thread
        self._stop = stop

    def stop(self) -> None:
        """Ask it to stop after its pass and wait (a few seconds at most)."""
        self._stop.set()
        self._thread.join(timeout=10)


def dispatch_command(env_file: EnvFile = None) -> None:
    """Release waiting jobs to the workers fairly: lanes, tenant weights, a bounded window."""
    settings = settings_or_exit(env_file)
    configure_logging(settings.log_level)
    forbid_core_dumps()
    foundations = _foundations(settings)
    dispatcher = build_dispatcher(settings, foundations.jobs_db, f"dispatch@{worker_name()}")
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info("dispatcher started (headroom %.2f, lane floor %d)", settings.dispatch_headroom,
             settings.dispatch_lane_floor)
    run_dispatcher(dispatcher, foundations.jobs_db, stop)
    foundations.jobs_db.dispose()
