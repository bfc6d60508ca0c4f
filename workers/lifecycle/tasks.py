"""The maintenance tasks (`sealq.sweep`, `sealq.reconcile`) and the beat schedule that sends them.

The tasks are registered on every worker-side app, but only `sealq beat` consumes the
maintenance queue and configures what they run with, once, from the settings it was given.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from datetime import timedelta

from celery import Celery
from celery.signals import beat_embedded_init

from schemas.constants import (
    LOST_MESSAGE_SECONDS,
    MAINTENANCE_QUEUE,
    TASK_RECONCILE,
    TASK_SWEEP,
)
from schemas.settings import Settings
from workers.lifecycle.broker_scan import RedisBrokerScan
from workers.lifecycle.reconciler import Reconciler
from workers.lifecycle.sweeper import Sweeper
from workers.runtime import load_foundations, utc_now

log = logging.getLogger("sealq.maintenance")


class Maintenance:
    """What the maintenance tasks run with: settings given at start, the rest built lazily."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._sweeper: Sweeper | None = None
        self._reconciler: Reconciler | None = None
        self._lock = threading.Lock()

    def configure(self, settings: Settings) -> None:
        """Hand over the settings; nothing connects until the first task runs."""
        with self._lock:
            self._settings = settings
            self._sweeper = self._reconciler = None

    def sweeper(self) -> Sweeper:
        """The sweeper, built on first use."""
        with self._lock:
            if self._sweeper is None:
                foundations = load_foundations(self._require())
                self._sweeper = Sweeper(
                    foundations.jobs_db, foundations.keystore,
                    tombstone_retention=self._require().tombstone_retention)
            return self._sweeper

    def reconciler(self) -> Reconciler:
        """The reconciler, built on first use."""
        with self._lock:
            if self._reconciler is None:
                settings = self._require()
                foundations = load_foundations(settings)
                self._reconciler = Reconciler(
                    foundations.jobs_db, RedisBrokerScan(settings.broker_url),
                    max_attempts=settings.max_attempts,
                    # Younger, a message may be on its way (between the dispatcher's mark and
                    # its publish); older and absent from Redis, it is lost.
                    stale_after=timedelta(seconds=min(settings.lease_seconds,
                                                      LOST_MESSAGE_SECONDS)))
            return self._reconciler

    def _require(self) -> Settings:
        if self._settings is None:
            # A generate worker got a maintenance message: leave it for `sealq beat`.
            raise RuntimeError("maintenance is not configured in this process; "
                               "run `sealq beat`")
        return self._settings


maintenance = Maintenance()


def register_maintenance_tasks(app: Celery) -> None:
    """Register `sealq.sweep` and `sealq.reconcile` on the app (routed to the maintenance queue)."""

    @app.task(name=TASK_SWEEP, ignore_result=True)  # type: ignore[untyped-decorator]
    def sweep() -> dict[str, int | bool]:
        """Erase what has expired, destroy ended bucket keys."""
        report = maintenance.sweeper().run(now=utc_now())
        log.info("sweep: expired %d, erased %d, keys destroyed %d in %d batches, tombstones "
                 "dropped %d (batches %d, files %d)%s",
                 report.expired, report.erased, report.keys_destroyed, report.batches,
                 report.tombstones_dropped, report.batches_dropped, report.files_dropped,
                 "" if report.complete else " (more left for the next run)")
        return report.as_dict()

    @app.task(name=TASK_RECONCILE, ignore_result=True)  # type: ignore[untyped-decorator]
    def reconcile() -> dict[str, int | str | None]:
        """Put lost messages and lapsed leases back to waiting; fail jobs out of attempts."""
        report = maintenance.reconciler().run(now=utc_now())
        log.info("reconcile: lease requeued %d, exhausted %d, lost put back %d, in broker %d",
                 report.lease_requeued, report.exhausted, report.lost_requeued,
                 report.still_in_broker)
        if report.broker_error:
            log.warning("reconcile: %s; the rest waits for the next run", report.broker_error)
        return report.as_dict()


# How often the beat process a worker embeds looks whether that worker is still its parent.
PARENT_POLL_SECONDS = 1.0
_worker_pid: int | None = None


def _exit_with_worker(**_: object) -> None:
    """In the beat process a worker embeds (Celery starts it as a child): exit once the worker
    is gone. A worker killed with SIGKILL cannot stop it, and an orphaned scheduler would go
    on scheduling sweeps and reconciles beside the next `sealq beat`'s."""
    worker = _worker_pid

    def watch() -> None:
        while os.getppid() == worker:
            time.sleep(PARENT_POLL_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="sealq-beat-parent", daemon=True).start()


def configure_beat(app: Celery, settings: Settings) -> None:
    """The beat schedule: a sweep and a reconcile at their intervals, on the maintenance queue;
    the beat process exits when the worker embedding it does."""
    global _worker_pid
    _worker_pid = os.getpid()  # (the beat process is forked from this one, and reads it)
    beat_embedded_init.connect(_exit_with_worker, weak=False, dispatch_uid="sealq-beat-parent")

    def entry(task: str, seconds: int) -> dict[str, object]:
        # A message not run within one interval is dropped: the next one is on its way, and
        # a stopped maintenance worker must not come back to a pile of stale runs.
        return {"task": task, "schedule": float(seconds),
                "options": {"queue": MAINTENANCE_QUEUE, "expires": float(seconds)}}

    app.conf.beat_schedule = {
        "sealq-sweep": entry(TASK_SWEEP, settings.sweep_interval_seconds),
        "sealq-reconcile": entry(TASK_RECONCILE, settings.reconcile_interval_seconds),
    }
