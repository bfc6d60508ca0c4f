"""The producer on real PostgreSQL/SQLite and Redis: store waiting in a lane, publish nothing,
status, results."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import redis

from producer.client import Client
from producer.store import ProducerStore
from schemas.errors import NotFound, SpecError
from schemas.jobs import BatchLine, JobState
from schemas.settings import Settings
from schemas.states import Priority
from workers.store import Outcome

if TYPE_CHECKING:
    from tests.integration.conftest import Harness, HarnessFactory

pytestmark = pytest.mark.integration

# A port nothing listens on: the broker is down.
DEAD_BROKER = "redis://127.0.0.1:1/0"


def redis_dump(url: str) -> tuple[list[bytes], bytes]:
    """Every key in the db, and every key and value, as bytes."""
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter())
        chunks: list[Any] = []
        for key in keys:
            chunks.append(key)
            kind = client.type(key)
            if kind == b"string":
                chunks.append(client.get(key) or b"")
            elif kind == b"list":
                chunks.extend(client.lrange(key, 0, -1))
            elif kind == b"set":
                chunks.extend(client.smembers(key))
            elif kind == b"zset":
                chunks.extend(client.zrange(key, 0, -1))
            elif kind == b"hash":
                for field, value in client.hgetall(key).items():
                    chunks.extend([field, value])
            else:
                chunks.append(repr(client.dump(key)))
        # Without decode_responses every reply is bytes; the filter only narrows the type.
        return ([k for k in keys if isinstance(k, bytes)],
                b"\n".join(c if isinstance(c, bytes) else str(c).encode() for c in chunks))
    finally:
        client.close()


def test_submit_stores_waiting_jobs_and_publishes_nothing(harness: Harness,
                                                          redis_url: str) -> None:
    """A batch becomes queued rows waiting for the dispatcher (enqueued_at NULL) in the normal
    lane; nothing at all reaches Redis, and the prompt is stored sealed only."""
    result = harness.client.submit(harness.lines("a", "b", "c"), tenant="acme")
    assert (result.created, result.skipped, result.existing) == (3, 0, False)
    jobs = harness.rows("jobs")
    assert sorted(j["custom_id"] for j in jobs) == ["a", "b", "c"]
    assert {j["state"] for j in jobs} == {"queued"}
    assert all(j["batch_id"] == result.batch_id and j["enqueued_at"] is None for j in jobs)
    assert {j["priority"] for j in jobs} == {"normal"}
    assert [b["priority"] for b in harness.rows("batches")] == ["normal"]
    keys, _ = redis_dump(redis_url)
    assert keys == []
    assert harness.canary.encode() not in harness.dump()


@pytest.mark.parametrize("lane", list(Priority))
def test_submit_puts_the_batch_and_its_jobs_in_the_lane_asked(harness: Harness,
                                                              lane: Priority) -> None:
    """priority= sets the lane of the batch and of every one of its jobs."""
    result = harness.client.submit(harness.lines("a", "b"), priority=lane)
    assert {j["priority"] for j in harness.rows("jobs")} == {lane.value}
    [batch] = harness.rows("batches")
    assert (batch["id"], batch["priority"]) == (result.batch_id, lane.value)


def test_submit_file_keeps_the_lane(harness: Harness, tmp_path: Path) -> None:
    """submit_file passes priority= through to the stored jobs."""
    path = tmp_path / "batch.jsonl"
    path.write_text(harness.jsonl(harness.lines("x", "y")))
    harness.client.submit_file(path, priority=Priority.URGENT)
    assert {j["priority"] for j in harness.rows("jobs")} == {"urgent"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_plaintext_never_reaches_the_sqlite_files(make_harness: HarnessFactory,
                                                  redis_url: str, tmp_path: Path) -> None:
    """No byte of a prompt is in any file the databases write (main file, WAL, key store)."""
    harness = make_harness(redis_url)
    harness.client.submit(harness.lines("a", "b"))
    files = [p for p in tmp_path.rglob("*") if p.is_file() and "sealq" in p.name]
    assert any(p.name.endswith(".db-wal") for p in files)
    for path in files:
        assert harness.canary.encode() not in path.read_bytes(), path.name


def test_same_submission_twice_returns_same_batch(harness: Harness) -> None:
    """Submitting the same lines again stores nothing new and returns the first batch id."""
    first = harness.client.submit(harness.lines("a", "b"))
    again = harness.client.submit(harness.lines("a", "b"))
    assert again.batch_id == first.batch_id
    assert (again.created, again.skipped, again.existing) == (0, 2, True)
    assert harness.count("jobs") == 2
    assert harness.count("batches") == 1
    assert all(j["enqueued_at"] is None for j in harness.rows("jobs"))


def test_overlapping_submission_skips_taken_custom_ids(harness: Harness) -> None:
    """A submission sharing some custom ids with an earlier one stores only the new ones."""
    first = harness.client.submit(harness.lines("a", "b"))
    second = harness.client.submit(harness.lines("b", "c", "d"))
    assert second.batch_id != first.batch_id
    assert (second.created, second.skipped, second.existing) == (2, 1, False)
    by_batch = {(j["batch_id"], j["custom_id"]) for j in harness.rows("jobs")}
    assert by_batch == {(first.batch_id, "a"), (first.batch_id, "b"),
                        (second.batch_id, "c"), (second.batch_id, "d")}


def test_fully_taken_submission_is_refused(harness: Harness) -> None:
    """A different submission whose custom ids were all taken is refused, storing nothing."""
    harness.client.submit(harness.lines("a", "b"))
    with pytest.raises(SpecError, match="submitted before"):
        harness.client.submit(harness.lines("b"))
    assert harness.count("batches") == 1


def test_repeated_custom_id_in_one_call_is_refused(harness: Harness) -> None:
    """The Python API refuses a custom_id repeated within one submission, naming both lines."""
    with pytest.raises(SpecError) as error:
        harness.client.submit(harness.lines("a", "b", "a"))
    assert error.value.line == 3
    assert "line 1" in str(error.value)
    assert harness.count("jobs") == 0


def test_empty_submission_is_refused(harness: Harness) -> None:
    """Submitting no lines at all is refused as such, storing nothing."""
    with pytest.raises(SpecError, match="no requests"):
        harness.client.submit([])
    assert harness.count("batches") == 0


def test_tenant_with_a_trailing_newline_is_refused(harness: Harness) -> None:
    """A tenant "acme\\n" is not a second "acme": it is refused and nothing is stored."""
    with pytest.raises(SpecError, match="tenant 'acme\\\\n' is invalid"):
        harness.client.submit(harness.lines("a"), tenant="acme\n")
    assert harness.count("jobs") == 0 and harness.count("batches") == 0


def test_custom_ids_are_per_tenant(harness: Harness) -> None:
    """The same custom ids under another tenant are a new batch."""
    first = harness.client.submit(harness.lines("a"), tenant="acme")
    second = harness.client.submit(harness.lines("a"), tenant="globex")
    assert second.batch_id != first.batch_id
    assert second.created == 1


def test_submit_refuses_a_tenant_that_was_never_added(harness: Harness) -> None:
    """An unregistered tenant is refused with the command that adds it; nothing is stored."""
    with pytest.raises(SpecError, match=r"sealq tenant add initech"):
        harness.client.submit(harness.lines("a"), tenant="initech")
    assert harness.count("jobs") == 0 and harness.count("batches") == 0


def test_concurrent_identical_submission_returns_same_batch(make_harness: HarnessFactory,
                                                            redis_url: str) -> None:
    """An identical submission that commits first while this one is storing wins the race."""
    harness = make_harness(redis_url)
    rival = make_harness(redis_url)
    rival_batch: list[str] = []

    class RacingStore(ProducerStore):
        """Lets the rival's identical submission commit just before this insert."""

        def insert_batch(self, batch: dict[str, Any], jobs: Iterable[list[dict[str, Any]]],
                         *, quota: int | None = None) -> None:
            if not rival_batch:
                rival_batch.append(rival.client.submit(harness.lines("a", "b")).batch_id)
            super().insert_batch(batch, jobs, quota=quota)

    racing = Client(store=RacingStore(harness.jobs), sealer=harness.worker_sealer,
                    kinds=harness.client.kinds, default_ttl_seconds=3600, queue="sealq",
                    clock=harness.clock)
    try:
        result = racing.submit(harness.lines("a", "b"))
    finally:
        racing.close()
    assert result.batch_id == rival_batch[0]
    assert result.existing
    assert harness.count("jobs") == 2


def test_spec_error_mid_file_stores_nothing(harness: Harness, tmp_path: Path,
                                            redis_url: str) -> None:
    """A file with a bad line in the middle is refused whole: no row, no key in Redis."""
    lines = harness.jsonl(harness.lines("a", "b")).splitlines()
    bad = json.dumps({"custom_id": "x", "body": {"messages": [], "max_tokens": 0}})
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join([lines[0], bad, lines[1]]) + "\n")
    before = (harness.count("batches"), harness.count("jobs"))
    with pytest.raises(SpecError) as error:
        harness.client.submit_file(path)
    assert error.value.line == 2
    assert (harness.count("batches"), harness.count("jobs")) == before == (0, 0)
    keys, _ = redis_dump(redis_url)
    assert keys == []


def test_kind_limit_breach_stores_nothing(harness: Harness) -> None:
    """A line over the kind's token cap refuses the whole submission before storing."""
    [greedy] = harness.lines("b")
    greedy = greedy.model_copy(update={"body": greedy.body.model_copy(
        update={"max_tokens": 9000})})
    lines = [*harness.lines("a"), greedy]
    with pytest.raises(SpecError, match="line 2"):
        harness.client.submit(lines)
    assert harness.count("jobs") == 0


def test_submit_file_round_trip(harness: Harness, tmp_path: Path) -> None:
    """A valid JSONL file is stored with its lines in order."""
    path = tmp_path / "batch.jsonl"
    path.write_text(harness.jsonl(harness.lines("x", "y", "z")))
    result = harness.client.submit_file(path, kind="free_text")
    ordered = sorted(harness.rows("jobs"), key=lambda j: j["position"])
    assert [j["custom_id"] for j in ordered] == ["x", "y", "z"]
    assert result.created == 3


def test_submit_needs_no_broker(settings_factory: Callable[..., Settings],
                                db_url: str) -> None:
    """With Redis unreachable, a client built from settings stores a submission whole,
    waiting for the dispatcher: submitting never touches the broker."""
    client = Client.from_settings(settings_factory(database_url=db_url, broker_url=DEAD_BROKER))
    try:
        result = client.submit([BatchLine.from_request_body(
            {"messages": [{"role": "user", "content": "hi"}]}, custom_id)
            for custom_id in ("a", "b")])
        assert (result.created, result.existing) == (2, False)
        jobs = list(client.store.jobs(result.batch_id))
        assert [(j.state, j.enqueued_at) for j in jobs] == [("queued", None)] * 2
        assert client.status(result.batch_id)["queued"] == 2
    finally:
        client.close()


def test_status_counts_every_state(harness: Harness) -> None:
    """status() has a count for every state, zero where no job is in it."""
    result = harness.client.submit(harness.lines("a", "b", "c"))
    store = harness.worker_store()
    ids = [j["id"] for j in harness.rows("jobs")]
    claim = store.claim(ids[0], now=harness.clock())
    assert claim is not None
    assert store.finish(claim, Outcome(JobState.REJECTED, "prompt_injection"),
                        now=harness.clock())
    assert store.claim(ids[1], now=harness.clock()) is not None
    counts = harness.client.status(result.batch_id)
    assert set(counts) == {state.value for state in JobState}
    assert counts == {"queued": 1, "running": 1, "succeeded": 0, "failed": 0, "rejected": 1,
                      "cancelled": 0, "expired": 0}


def test_status_of_unknown_batch_is_not_found(harness: Harness) -> None:
    """status() of a batch id nobody submitted raises NotFound."""
    with pytest.raises(NotFound):
        harness.client.status("0" * 32)


def test_results_open_in_openai_batch_shape(harness: Harness, redis_url: str) -> None:
    """A job finished by hand reads back, decrypted, as an OpenAI Batch output line."""
    answer = f"The answer about {harness.canary}"
    result = harness.client.submit(harness.lines("a", "b"))
    jobs = {j["custom_id"]: j["id"] for j in harness.rows("jobs")}
    harness.finish(jobs["a"], answer)
    records = list(harness.client.results(result.batch_id))
    assert len(records) == 1  # b is still queued
    [record] = records
    assert record["id"] == f"batch_req_{jobs['a']}"
    assert record["custom_id"] == "a"
    assert record["error"] is None
    response = record["response"]
    assert response["status_code"] == 200
    body = response["body"]
    assert body["object"] == "chat.completion"
    assert body["model"] == "test-model"
    assert body["choices"] == [{"index": 0, "finish_reason": "stop",
                                "message": {"role": "assistant", "content": answer}}]
    assert body["usage"] == {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16}
    assert record["sealq"]["state"] == "succeeded"
    assert record["sealq"]["policy"] == {"pii_email": 1}
    # The answer was sealed too: only its ciphertext was stored.
    assert harness.canary.encode() not in harness.dump()
    assert harness.canary.encode() not in redis_dump(redis_url)[1]


def test_expired_job_result_says_expired(harness: Harness) -> None:
    """A job that expired before running reads back as error code `expired`."""
    result = harness.client.submit(harness.lines("a"), ttl_seconds=60)
    [job] = harness.rows("jobs")
    store = harness.worker_store()
    later = harness.clock.advance(61)
    assert store.claim(job["id"], now=later) is None
    assert store.settle_unclaimable(job["id"], now=later) == JobState.EXPIRED
    [record] = list(harness.client.results(result.batch_id))
    assert record["response"] is None
    assert record["error"]["code"] == "expired"
    assert record["sealq"]["state"] == "expired"


def test_succeeded_result_past_expiry_says_expired(harness: Harness) -> None:
    """A succeeded job read after its expiry gives `expired`, not its content."""
    result = harness.client.submit(harness.lines("a"), ttl_seconds=120)
    [job] = harness.rows("jobs")
    harness.finish(job["id"], "secret answer")
    harness.clock.advance(timedelta(minutes=5).total_seconds())
    [record] = list(harness.client.results(result.batch_id))
    assert record["error"]["code"] == "expired"
    assert record["response"] is None


def test_from_settings_wires_a_working_client(settings_factory: Callable[..., Settings],
                                              db_url: str, redis_url: str) -> None:
    """Client.from_settings builds a client that submits and reports status."""
    client = Client.from_settings(settings_factory(database_url=db_url, broker_url=redis_url))
    try:
        line = BatchLine.from_request_body({"messages": [{"role": "user", "content": "hi"}]},
                                           "a")
        result = client.submit([line])
        assert client.status(result.batch_id)["queued"] == 1
    finally:
        client.close()
