"""`sealq exporter`'s metrics: queue depth, job states, ages, policy codes, erasures.

Scrapes render the pollers' last good snapshots, so a slow or absent database never fails or
slows a scrape: `sealq_exporter_up` and `sealq_exporter_snapshot_age_seconds` say how much
to trust what is shown. Labels are queue, state, kind and code only: never content or ids.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from schemas.constants import MAINTENANCE_QUEUE
from schemas.jobs import JobState
from schemas.ops_settings import ExporterSettings
from workers.ops.facts import (
    BrokerFacts,
    DatabaseFacts,
    broker_client,
    exporter_engine,
    read_broker,
    read_database,
)
from workers.ops.poller import Poller

# Audit outcomes of refused keys start with this; what follows is the reason.
UNAUTHORIZED = "unauthorized."
AUTH_FAILURES = ("missing_key", "malformed_key", "unknown_key", "revoked_key", "expired_key")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SealqCollector(Collector):
    """Renders the latest broker and database snapshots as Prometheus metrics."""

    def __init__(self, broker: Poller[BrokerFacts], database: Poller[DatabaseFacts], *,
                 stale_after: float, started_at: float,
                 monotonic: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = _utc_now) -> None:
        self._broker = broker
        self._database = database
        self._stale_after = stale_after
        self._started_at = started_at
        self._monotonic = monotonic
        self._now = now

    def collect(self) -> Iterator[Metric]:
        """Every metric, from snapshots only."""
        broker, database = self._broker.latest(), self._database.latest()
        tick = self._monotonic()
        ages = [tick - (reading.succeeded_at if reading.succeeded_at is not None
                        else self._started_at) for reading in (broker, database)]
        fresh = all(reading.ok for reading in (broker, database)) and \
            max(ages) <= self._stale_after
        yield _gauge("sealq_exporter_up",
                     "1 if the last collection from Redis and the database succeeded and is "
                     "fresh, else 0", 1 if fresh else 0)
        yield _gauge("sealq_exporter_snapshot_age_seconds",
                     "Seconds since the oldest of the served snapshots was taken", max(ages))
        if broker.value is not None:
            yield from _broker_metrics(broker.value)
        if database.value is not None:
            yield from _database_metrics(database.value, now=self._now())


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _broker_metrics(facts: BrokerFacts) -> Iterable[Metric]:
    depth = GaugeMetricFamily("sealq_queue_depth",
                              "Messages waiting in the queue's Redis lists (all priorities)",
                              labels=["queue"])
    for queue, count in sorted(facts.depths.items()):
        depth.add_metric([queue], count)
    yield depth
    yield _gauge("sealq_broker_unacked_messages",
                 "Messages taken by a worker and not yet acknowledged (kombu's unacked hash)",
                 facts.unacked)


def _database_metrics(facts: DatabaseFacts, *, now: datetime) -> Iterable[Metric]:
    jobs = GaugeMetricFamily("sealq_jobs", "Jobs in the database by state and kind",
                             labels=["state", "kind"])
    kinds = sorted({kind for _, kind in facts.jobs})
    # Every state for every kind seen, so a state that empties reads 0 instead of vanishing.
    for kind in kinds:
        for state in JobState:
            jobs.add_metric([state.value, kind], facts.jobs.get((state.value, kind), 0))
    yield jobs
    oldest = GaugeMetricFamily("sealq_oldest_queued_job_age_seconds",
                               "Age of the oldest job still queued, from its submission",
                               labels=["queue"])
    for queue, created in sorted(facts.oldest_queued.items()):
        oldest.add_metric([queue], max(0.0, (now - created).total_seconds()))
    yield oldest
    ended = CounterMetricFamily("sealq_jobs_ended",
                                "Jobs that reached a terminal state, by state and error code "
                                "(none: succeeded), whoever ended them (worker, reconciler, "
                                "sweeper, cancel)", labels=["state", "code"])
    for (ended_state, code), count in sorted(facts.ended.items()):
        ended.add_metric([ended_state, code], count)
    yield ended
    yield CounterMetricFamily("sealq_jobs_erased",
                              "Jobs whose sealed data the sweeper erased (tombstones kept)",
                              value=facts.erased)
    policy = GaugeMetricFamily("sealq_policy_decisions_recent",
                               "Policy decisions by code on jobs finished within the "
                               "exporter's policy window", labels=["code"])
    for code, count in sorted(facts.policy.items()):
        policy.add_metric([code], count)
    yield policy
    yield from _gateway_metrics(facts)


def _gateway_metrics(facts: DatabaseFacts) -> Iterable[Metric]:
    calls = GaugeMetricFamily("sealq_api_requests_recent",
                              "Gateway calls within the exporter's window, by action and "
                              "outcome (its audit trail)", labels=["action", "outcome"])
    refused: dict[str, int] = {reason: 0 for reason in AUTH_FAILURES}
    for (action, outcome), count in sorted(facts.gateway.items()):
        calls.add_metric([action, outcome], count)
        reason = outcome.removeprefix(UNAUTHORIZED)
        if outcome.startswith(UNAUTHORIZED):
            refused[reason] = refused.get(reason, 0) + count
    yield calls
    # Key misuse: every reason present (0 when quiet), so an alert can watch each one.
    failures = GaugeMetricFamily("sealq_api_auth_failures_recent",
                                 "Gateway calls refused 401 within the exporter's window, by "
                                 "reason (a revoked or expired key still in use, guessing)",
                                 labels=["reason"])
    for reason, count in sorted(refused.items()):
        failures.add_metric([reason], count)
    yield failures


class Exporter:
    """The two pollers and the registry that serves them."""

    def __init__(self, settings: ExporterSettings) -> None:
        timeout = settings.exporter_timeout_seconds
        interval = settings.exporter_interval_seconds
        self._configured = {settings.queue, MAINTENANCE_QUEUE, *settings.extra_queues}
        self._redis = broker_client(settings.broker_url, timeout=timeout)
        self._engine = exporter_engine(settings.database_url, timeout=timeout)
        window = timedelta(seconds=settings.exporter_policy_window_seconds)
        self.database = Poller(
            "database", lambda: read_database(self._engine, now=_utc_now(), policy_window=window),
            interval=interval, timeout=timeout * 2)
        self.broker = Poller("broker", lambda: read_broker(self._redis, self._queues()),
                             interval=interval, timeout=timeout * 2)
        self.registry = CollectorRegistry()
        # Stale once two collections in a row were missed.
        self.registry.register(SealqCollector(self.broker, self.database,
                                              stale_after=2 * interval + 2 * timeout,
                                              started_at=time.monotonic()))

    def _queues(self) -> set[str]:
        """Configured queues plus any the database has queued jobs for."""
        seen = self.database.latest().value
        return self._configured | (set(seen.oldest_queued) if seen else set())

    def start(self) -> None:
        """Start both pollers."""
        self.database.start()
        self.broker.start()

    def close(self, *_: Any) -> None:
        """Stop polling and release connections."""
        self.database.stop()
        self.broker.stop()
        self._redis.close()
        self._engine.dispose()
