"""`sealq exporter`'s metrics: queue depth, job states, ages, policy codes, erasures, and
the dispatcher's backlog, windows and health.

Scrapes render the pollers' last good snapshots, so a slow or absent database never fails or
slows a scrape: `sealq_exporter_up` and `sealq_exporter_snapshot_age_seconds` say how much
to trust what is shown. Labels are queue, lane, tenant (a name, an identifier), state, kind,
code, action, outcome and reason: never content or ids.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from schemas.constants import MAINTENANCE_QUEUE, WORKER_STALE_SECONDS
from schemas.jobs import JobState
from schemas.ops_settings import ExporterSettings
from schemas.states import LANES
from workers.ops.facts import (
    BrokerFacts,
    DatabaseFacts,
    DispatcherFacts,
    DispatchFacts,
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
                 "Messages in kombu's unacked hash: taken and not acknowledged by a consumer "
                 "with kombu's ack emulation on (sealq's own keep no copy: 0)",
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
    yield from _dispatch_metrics(facts.dispatch, now=now)


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


def _dispatch_metrics(facts: DispatchFacts, *, now: datetime) -> Iterable[Metric]:
    waiting = GaugeMetricFamily("sealq_jobs_waiting",
                                "Jobs waiting in the database for the dispatcher, by queue, "
                                "lane and tenant", labels=["queue", "lane", "tenant"])
    oldest = GaugeMetricFamily("sealq_oldest_waiting_seconds",
                               "Age of the oldest job waiting for the dispatcher, from its "
                               "submission", labels=["queue", "lane", "tenant"])
    rank = {lane.value: lane.rank for lane in LANES}
    for (queue, lane, tenant), group in sorted(
            facts.waiting.items(), key=lambda item: (item[0][0], rank.get(item[0][1], 9),
                                                     item[0][2])):
        waiting.add_metric([queue, lane, tenant], group.count)
        oldest.add_metric([queue, lane, tenant], _age(group.oldest, now))
    yield waiting
    yield oldest
    # Every queue known of, so a queue whose workers all left reads 0 instead of vanishing.
    queues = sorted(facts.queues())
    released = GaugeMetricFamily("sealq_jobs_released",
                                 "Jobs released to the broker and not yet started",
                                 labels=["queue"])
    released_age = GaugeMetricFamily("sealq_oldest_released_seconds",
                                     "Time since the oldest released, not yet started job was "
                                     "released (the reconciler puts lost ones back)",
                                     labels=["queue"])
    workers = GaugeMetricFamily("sealq_workers", "Live workers (heard from within "
                                f"{WORKER_STALE_SECONDS} s) consuming the queue",
                                labels=["queue"])
    slots = GaugeMetricFamily("sealq_worker_slots",
                              "Jobs the queue's live workers run at once (their slots)",
                              labels=["queue"])
    for queue in queues:
        sent = facts.released.get(queue)
        released.add_metric([queue], sent.count if sent else 0)
        released_age.add_metric([queue], _age(sent.oldest, now) if sent else 0.0)
        workers.add_metric([queue], facts.workers.get(queue, 0))
        slots.add_metric([queue], facts.slots.get(queue, 0))
    yield from (released, released_age, workers, slots)
    if facts.dispatcher is not None:
        yield from _dispatcher_metrics(facts.dispatcher, queues)


def _dispatcher_metrics(dispatcher: DispatcherFacts, queues: list[str]) -> Iterable[Metric]:
    yield _gauge("sealq_dispatcher_last_pass_timestamp_seconds",
                 "When the active dispatcher last passed (renewed about every second)",
                 dispatcher.passed_at.timestamp())
    if dispatcher.released_at is not None:
        yield _gauge("sealq_dispatcher_last_release_timestamp_seconds",
                     "When a dispatcher pass last released jobs to the broker",
                     dispatcher.released_at.timestamp())
    yield _gauge("sealq_dispatcher_lease_expires_timestamp_seconds",
                 "When the active dispatcher's lease runs out unless renewed (then a standby "
                 "takes over)", dispatcher.lease_expires_at.timestamp())
    yield CounterMetricFamily("sealq_dispatcher_released",
                              "Jobs the dispatchers released to the broker, ever",
                              value=dispatcher.released_total)
    window = GaugeMetricFamily("sealq_dispatcher_window",
                               "Jobs the dispatcher keeps released or running for the queue "
                               "(live slots plus headroom), at its last pass", labels=["queue"])
    in_flight = GaugeMetricFamily("sealq_dispatcher_in_flight",
                                  "Jobs released and not started, or running under a live "
                                  "lease, at the dispatcher's last pass", labels=["queue"])
    for queue in queues:
        seen = dispatcher.windows.get(queue)
        # A queue without live slots gets no window (0) and goes uncounted at that pass.
        window.add_metric([queue], seen.window if seen else 0)
        if seen is not None:
            in_flight.add_metric([queue], seen.in_flight)
    yield window
    yield in_flight


def _age(then: datetime, now: datetime) -> float:
    return max(0.0, (now - then).total_seconds())


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
