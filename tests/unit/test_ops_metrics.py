"""The exporter's poller and collector: last good snapshot, staleness, bounded labels."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from workers.ops.exporter import SealqCollector
from workers.ops.facts import (
    Backlog,
    BrokerFacts,
    DatabaseFacts,
    DispatcherFacts,
    DispatchFacts,
    QueueWindow,
    parse_windows,
    sum_policy_codes,
)
from workers.ops.poller import Poller
from workers.ops.worker_metrics import outcome_code

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


class Ticker:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_poller_keeps_the_last_good_value_when_a_collection_fails() -> None:
    """A failure flips ok to False but keeps the value and when it was taken."""
    clock, results = Ticker(), iter([1, RuntimeError("down")])

    def collect() -> int:
        result = next(results)
        if isinstance(result, Exception):
            raise result
        return result

    poller = Poller("t", collect, interval=1, timeout=5, clock=clock)
    assert poller.run_once() is True
    clock.now = 130.0
    assert poller.run_once() is False
    reading = poller.latest()
    assert (reading.value, reading.succeeded_at, reading.ok) == (1, 100.0, False)


def test_poller_gives_up_on_a_hung_collection() -> None:
    """A collection past its timeout counts as failed and the call returns on time."""
    release = threading.Event()
    poller = Poller("t", lambda: release.wait(10), interval=1, timeout=0.2)
    assert poller.run_once() is False
    release.set()


def render(broker: Poller[BrokerFacts], database: Poller[DatabaseFacts], clock: Ticker) -> str:
    """The exposition text of a collector over these pollers."""
    registry = CollectorRegistry()
    registry.register(SealqCollector(broker, database, stale_after=60, started_at=0.0,
                                     monotonic=clock, now=lambda: NOW))
    return generate_latest(registry).decode()


def test_collector_reports_stale_snapshots_as_down_with_their_age() -> None:
    """Old but successful snapshots: values still shown, up 0, age in seconds."""
    clock = Ticker()
    broker = Poller("b", lambda: BrokerFacts(depths={"sealq": 4}, unacked=1), interval=1,
                    timeout=5, clock=clock)
    database = Poller("d", lambda: DatabaseFacts(
        jobs={("queued", "free_text"): 2}, oldest_queued={"sealq": NOW - timedelta(seconds=90)},
        erased=7, policy={"pii_redacted": 3},
        ended={("failed", "attempts_exhausted"): 2, ("succeeded", "none"): 5}),
        interval=1, timeout=5, clock=clock)
    broker.run_once()
    database.run_once()
    clock.now = 110.0
    text = render(broker, database, clock)
    assert "sealq_exporter_up 1.0" in text
    assert 'sealq_queue_depth{queue="sealq"} 4.0' in text
    assert 'sealq_jobs{kind="free_text",state="queued"} 2.0' in text
    assert 'sealq_jobs{kind="free_text",state="failed"} 0.0' in text
    assert 'sealq_oldest_queued_job_age_seconds{queue="sealq"} 90.0' in text
    assert "sealq_jobs_erased_total 7.0" in text
    assert 'sealq_jobs_ended_total{code="attempts_exhausted",state="failed"} 2.0' in text
    assert 'sealq_jobs_ended_total{code="none",state="succeeded"} 5.0' in text
    assert 'sealq_policy_decisions_recent{code="pii_redacted"} 3.0' in text
    clock.now = 200.0
    text = render(broker, database, clock)
    assert "sealq_exporter_up 0.0" in text
    assert "sealq_exporter_snapshot_age_seconds 100.0" in text
    assert 'sealq_queue_depth{queue="sealq"} 4.0' in text


def dispatch_text(dispatch: DispatchFacts) -> str:
    """The exposition text of a fresh database snapshot holding only these dispatch facts."""
    clock = Ticker()
    broker = Poller("b", lambda: BrokerFacts(depths={}, unacked=0), interval=1, timeout=5,
                    clock=clock)
    database = Poller("d", lambda: DatabaseFacts(jobs={}, oldest_queued={}, erased=0,
                                                 dispatch=dispatch),
                      interval=1, timeout=5, clock=clock)
    broker.run_once()
    database.run_once()
    return render(broker, database, clock)


def test_collector_reports_the_backlog_by_lane_and_tenant_and_the_dispatcher() -> None:
    """Waiting jobs and their oldest age per (queue, lane, tenant); slots, windows, health."""
    text = dispatch_text(DispatchFacts(
        waiting={("sealq", "normal", "acme"): Backlog(5, NOW - timedelta(seconds=120)),
                 ("sealq", "bulk", "globex"): Backlog(2, NOW - timedelta(seconds=30))},
        released={"sealq": Backlog(3, NOW - timedelta(seconds=4))},
        workers={"sealq": 2}, slots={"sealq": 16},
        dispatcher=DispatcherFacts(
            passed_at=NOW - timedelta(seconds=1), released_at=NOW - timedelta(seconds=9),
            lease_expires_at=NOW + timedelta(seconds=14), released_total=812,
            windows={"sealq": QueueWindow(slots=16, window=20, in_flight=18),
                     "sealq.gone": QueueWindow(slots=0, window=0, in_flight=0)})))
    assert 'sealq_jobs_waiting{lane="normal",queue="sealq",tenant="acme"} 5.0' in text
    assert 'sealq_jobs_waiting{lane="bulk",queue="sealq",tenant="globex"} 2.0' in text
    assert 'sealq_oldest_waiting_seconds{lane="normal",queue="sealq",tenant="acme"} 120.0' in text
    assert 'sealq_jobs_released{queue="sealq"} 3.0' in text
    assert 'sealq_oldest_released_seconds{queue="sealq"} 4.0' in text
    assert 'sealq_workers{queue="sealq"} 2.0' in text
    assert 'sealq_worker_slots{queue="sealq"} 16.0' in text
    # A queue the dispatcher knows of but no live worker consumes reads 0, not nothing.
    assert 'sealq_worker_slots{queue="sealq.gone"} 0.0' in text
    assert 'sealq_dispatcher_window{queue="sealq"} 20.0' in text
    assert 'sealq_dispatcher_in_flight{queue="sealq"} 18.0' in text
    values = {sample.name: sample.value for family in text_string_to_metric_families(text)
              for sample in family.samples if not sample.labels}
    assert values["sealq_dispatcher_last_pass_timestamp_seconds"] == NOW.timestamp() - 1
    assert values["sealq_dispatcher_last_release_timestamp_seconds"] == NOW.timestamp() - 9
    assert values["sealq_dispatcher_lease_expires_timestamp_seconds"] == NOW.timestamp() + 14
    assert values["sealq_dispatcher_released_total"] == 812


def test_without_a_dispatcher_row_only_the_backlog_is_reported() -> None:
    """No dispatcher ever ran: no dispatcher series (an alert watches for their absence)."""
    text = dispatch_text(DispatchFacts(
        waiting={("sealq", "urgent", "acme"): Backlog(1, NOW)}))
    assert 'sealq_jobs_waiting{lane="urgent",queue="sealq",tenant="acme"} 1.0' in text
    assert 'sealq_worker_slots{queue="sealq"} 0.0' in text
    assert 'sealq_jobs_released{queue="sealq"} 0.0' in text
    assert "sealq_dispatcher_last_pass_timestamp_seconds" not in text
    assert "sealq_dispatcher_window{" not in text


def test_malformed_dispatcher_windows_are_skipped() -> None:
    """The lease row's windows JSON: entries with missing or non-count numbers are dropped."""
    assert parse_windows(None) == {}
    assert parse_windows([1, 2]) == {}
    assert parse_windows({"sealq": {"slots": 4, "window": 6, "in_flight": 1, "released": 1},
                          "a": {"slots": 4, "window": "6", "in_flight": 1},
                          "b": {"slots": True, "window": 6, "in_flight": 1},
                          "c": {"slots": -1, "window": 6, "in_flight": 1},
                          "d": 7}) == {"sealq": QueueWindow(slots=4, window=6, in_flight=1)}


def test_policy_codes_are_summed_and_junk_is_skipped() -> None:
    """{code: count} objects add up; nulls, lists and non-integer counts are ignored."""
    rows = [{"a": 1, "b": 2}, None, ["a"], {"a": 3, "c": "x", "d": -1}]
    assert sum_policy_codes(rows) == {"a": 4, "b": 2}


def test_outcome_labels_are_bounded_to_known_words() -> None:
    """A task result becomes a label only if it is a known state or code."""
    assert outcome_code("succeeded") == "succeeded"
    assert outcome_code("pii_detected") == "pii_detected"
    assert outcome_code("lease_lost") == "lease_lost"
    assert outcome_code("Dear customer, your report") == "other"
    assert outcome_code(RuntimeError("x")) == "worker_error"
