"""The maintenance tasks (`sealq.sweep`, `sealq.reconcile`) and the beat schedule that sends them.

The tasks are registered on every worker-side app, but only `sealq beat` consumes the
maintenance queue and configures what they run with, once, from the settings it was given.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from celery import Celery
from kombu.exceptions import KombuError, OperationalError

from schemas.constants import MAINTENANCE_QUEUE, TASK_GENERATE, TASK_RECONCILE, TASK_SWEEP
from schemas.errors import BrokerUnavailable
from schemas.settings import Settings
from workers.lifecycle.broker_scan import RedisBrokerScan
from workers.lifecycle.reconciler import Enqueue, Reconciler
from workers.lifecycle.sweeper import Sweeper
from workers.runtime import load_foundations, utc_now

log = logging.getLogger("sealq.maintenance")

# Same budget as the producer: a few quick retries, then the next reconcile tries again.
SEND_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5,
                     "interval_max": 1.0}


def celery_enqueue(app: Celery) -> Enqueue:
    """Send a generate message for a job id through `app`, as the producer does."""

    def send(job_id: str, queue: str) -> None:
        try:
            app.send_task(TASK_GENERATE, args=[job_id], queue=queue, retry=True,
                          retry_policy=SEND_RETRY_POLICY)
        except (OperationalError, KombuError, OSError) as e:
            raise BrokerUnavailable(f"broker unreachable ({type(e).__name__})") from None

    return send


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
                self._sweeper = Sweeper(foundations.jobs_db, foundations.keystore)
            return self._sweeper

    def reconciler(self, app: Celery) -> Reconciler:
        """The reconciler, built on first use; it enqueues through `app`."""
        with self._lock:
            if self._reconciler is None:
                settings = self._require()
                foundations = load_foundations(settings)
                self._reconciler = Reconciler(
                    foundations.jobs_db, RedisBrokerScan(settings.broker_url),
                    celery_enqueue(app), max_attempts=settings.max_attempts,
                    # A message younger than one lease may still be on its way (a large batch
                    # is being published); older and absent from Redis, it is lost.
                    stale_after=timedelta(seconds=settings.lease_seconds))
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
        log.info("sweep: expired %d, erased %d, keys destroyed %d in %d batches%s",
                 report.expired, report.erased, report.keys_destroyed, report.batches,
                 "" if report.complete else " (more left for the next run)")
        return report.as_dict()

    @app.task(name=TASK_RECONCILE, ignore_result=True)  # type: ignore[untyped-decorator]
    def reconcile() -> dict[str, int | str | None]:
        """Re-enqueue lost messages and lapsed leases; fail jobs out of attempts."""
        report = maintenance.reconciler(app).run(now=utc_now())
        log.info("reconcile: lease requeued %d, exhausted %d, lost requeued %d, in broker %d",
                 report.lease_requeued, report.exhausted, report.lost_requeued,
                 report.still_in_broker)
        if report.broker_error:
            log.warning("reconcile: %s; the rest waits for the next run", report.broker_error)
        return report.as_dict()


def configure_beat(app: Celery, settings: Settings) -> None:
    """The beat schedule: a sweep and a reconcile at their intervals, on the maintenance queue."""
    def entry(task: str, seconds: int) -> dict[str, object]:
        # A message not run within one interval is dropped: the next one is on its way, and
        # a stopped maintenance worker must not come back to a pile of stale runs.
        return {"task": task, "schedule": float(seconds),
                "options": {"queue": MAINTENANCE_QUEUE, "expires": float(seconds)}}

    app.conf.beat_schedule = {
        "sealq-sweep": entry(TASK_SWEEP, settings.sweep_interval_seconds),
        "sealq-reconcile": entry(TASK_RECONCILE, settings.reconcile_interval_seconds),
    }
