"""The worker's store on real databases: one holder per job, leases, attempts, settling."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from schemas.jobs import JobState
from workers.store import Claim, Outcome, WorkerStore

if TYPE_CHECKING:
    from tests.integration.conftest import Harness

pytestmark = pytest.mark.integration

LEASE = 60


def queued_job(harness: Harness, custom_id: str = "a", ttl_seconds: int = 3600) -> str:
    """Submit one job and return its id (it is queued)."""
    harness.client.submit(harness.lines(custom_id), ttl_seconds=ttl_seconds)
    [job_id] = [str(j["id"]) for j in harness.rows("jobs") if j["custom_id"] == custom_id]
    return job_id


def job_row(harness: Harness, job_id: str) -> dict[str, object]:
    """The job's row as stored."""
    [row] = [j for j in harness.rows("jobs") if j["id"] == job_id]
    return row


def test_claim_takes_a_queued_job(harness: Harness) -> None:
    """A claim moves a queued job to running with a lease, an owner and attempt 1."""
    job_id = queued_job(harness)
    store = harness.worker_store(owner="gpu-7", lease_seconds=LEASE)
    now = harness.clock()
    claim = store.claim(job_id, now=now)
    assert claim is not None
    assert (claim.job_id, claim.attempts, claim.kind) == (job_id, 1, "free_text")
    assert claim.sealed_prompt and claim.wrapped_key
    assert claim.expires_at.tzinfo is not None
    row = job_row(harness, job_id)
    assert row["state"] == "running"
    assert row["lease_owner"] == "gpu-7"
    assert row["lease_token"] == claim.token
    assert store.state_of(job_id) == "running"


def test_concurrent_claims_have_one_winner(harness: Harness) -> None:
    """Two workers claiming one job at the same moment: exactly one gets it."""
    job_id = queued_job(harness)
    stores = [harness.worker_store(owner=f"worker-{i}") for i in range(2)]
    start = threading.Barrier(len(stores))
    results: list[Claim | None] = []
    errors: list[BaseException] = []
    now = harness.clock()

    def race(store: WorkerStore) -> None:
        try:
            start.wait()
            results.append(store.claim(job_id, now=now))
        except BaseException as e:  # noqa: BLE001  # surfaced by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=race, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    winners = [c for c in results if c is not None]
    assert len(results) == 2
    assert len(winners) == 1
    assert job_row(harness, job_id)["lease_token"] == winners[0].token
    assert job_row(harness, job_id)["attempts"] == 1


def test_claim_of_a_held_job_is_refused(harness: Harness) -> None:
    """While a lease holds, a second claim gets nothing."""
    job_id = queued_job(harness)
    store = harness.worker_store()
    assert store.claim(job_id, now=harness.clock()) is not None
    assert store.claim(job_id, now=harness.clock.advance(LEASE - 1)) is None


def test_finish_with_stale_token_is_refused(harness: Harness) -> None:
    """After another worker took over an expired lease, the first holder cannot finish."""
    job_id = queued_job(harness)
    first = harness.worker_store(owner="slow", lease_seconds=LEASE)
    second = harness.worker_store(owner="fast", lease_seconds=LEASE)
    stale = first.claim(job_id, now=harness.clock())
    assert stale is not None
    fresh = second.claim(job_id, now=harness.clock.advance(LEASE + 1))
    assert fresh is not None
    assert not first.finish(stale, Outcome(JobState.SUCCEEDED, sealed_result=b"x"),
                            now=harness.clock())
    assert not first.renew(stale, now=harness.clock())
    assert not first.release(stale)
    row = job_row(harness, job_id)
    assert (row["state"], row["lease_owner"], row["sealed_result"]) == ("running", "fast", None)
    assert second.finish(fresh, Outcome(JobState.FAILED, "engine_error"), now=harness.clock())
    assert job_row(harness, job_id)["error_code"] == "engine_error"


def test_forged_token_is_refused(harness: Harness) -> None:
    """A claim with a token the row does not hold finishes nothing."""
    job_id = queued_job(harness)
    store = harness.worker_store()
    claim = store.claim(job_id, now=harness.clock())
    assert claim is not None
    forged = replace(claim, token="0" * 32)
    assert not store.finish(forged, Outcome(JobState.SUCCEEDED), now=harness.clock())
    assert store.state_of(job_id) == "running"


def test_finish_twice_is_refused(harness: Harness) -> None:
    """A finished job cannot be finished again: one terminal state, one result."""
    job_id = queued_job(harness)
    store = harness.worker_store()
    claim = store.claim(job_id, now=harness.clock())
    assert claim is not None
    assert store.finish(claim, Outcome(JobState.SUCCEEDED, sealed_result=b"one"),
                        now=harness.clock())
    assert not store.finish(claim, Outcome(JobState.FAILED, "engine_error"),
                            now=harness.clock())
    row = job_row(harness, job_id)
    assert (row["state"], row["sealed_result"], row["lease_token"]) == ("succeeded", b"one", None)
    assert store.claim(job_id, now=harness.clock.advance(LEASE * 10)) is None


def test_renew_extends_the_lease(harness: Harness) -> None:
    """Renewing before the lease runs out keeps other claimants away past the old end."""
    job_id = queued_job(harness)
    store = harness.worker_store(lease_seconds=LEASE)
    claim = store.claim(job_id, now=harness.clock())
    assert claim is not None
    assert store.renew(claim, now=harness.clock.advance(LEASE - 5))
    assert store.claim(job_id, now=harness.clock.advance(10)) is None
    assert store.claim(job_id, now=harness.clock.advance(LEASE)) is not None


def test_renew_after_release_is_refused(harness: Harness) -> None:
    """Once released, the old claim can neither renew nor finish; the job is queued again."""
    job_id = queued_job(harness)
    store = harness.worker_store()
    claim = store.claim(job_id, now=harness.clock())
    assert claim is not None
    assert store.release(claim)
    assert not store.renew(claim, now=harness.clock())
    assert not store.finish(claim, Outcome(JobState.SUCCEEDED), now=harness.clock())
    row = job_row(harness, job_id)
    assert (row["state"], row["lease_token"], row["attempts"]) == ("queued", None, 1)


def test_released_job_is_claimable_again(harness: Harness) -> None:
    """A released job can be claimed at once, counting a second attempt."""
    job_id = queued_job(harness)
    store = harness.worker_store()
    first = store.claim(job_id, now=harness.clock())
    assert first is not None and store.release(first)
    second = store.claim(job_id, now=harness.clock())
    assert second is not None
    assert second.attempts == 2


def test_lease_run_out_makes_job_claimable_again(harness: Harness) -> None:
    """A running job whose lease ran out is claimed by another worker; attempts counts up."""
    job_id = queued_job(harness)
    crashed = harness.worker_store(owner="crashed", lease_seconds=LEASE)
    rescuer = harness.worker_store(owner="rescuer", lease_seconds=LEASE)
    first = crashed.claim(job_id, now=harness.clock())
    assert first is not None and first.attempts == 1
    assert rescuer.claim(job_id, now=harness.clock() + timedelta(seconds=LEASE - 1)) is None
    second = rescuer.claim(job_id, now=harness.clock.advance(LEASE))
    assert second is not None
    assert second.attempts == 2
    assert second.token != first.token
    assert job_row(harness, job_id)["lease_owner"] == "rescuer"


def test_attempts_at_max_settle_failed(harness: Harness) -> None:
    """After max attempts ran out, no claim succeeds and settling ends it attempts_exhausted."""
    job_id = queued_job(harness)
    store = harness.worker_store(lease_seconds=LEASE, max_attempts=2)
    for attempt in (1, 2):
        claim = store.claim(job_id, now=harness.clock.advance(LEASE + 1))
        assert claim is not None and claim.attempts == attempt
    now = harness.clock.advance(LEASE + 1)
    assert store.claim(job_id, now=now) is None
    assert store.settle_unclaimable(job_id, now=now) == JobState.FAILED
    row = job_row(harness, job_id)
    assert (row["state"], row["error_code"], row["lease_token"]) == (
        "failed", "attempts_exhausted", None)
    assert row["finished_at"] == now
    assert store.settle_unclaimable(job_id, now=now) is None


def test_settle_leaves_a_held_job_alone(harness: Harness) -> None:
    """A job on its last attempt whose lease still holds is not settled under its holder."""
    job_id = queued_job(harness)
    store = harness.worker_store(lease_seconds=LEASE, max_attempts=1)
    claim = store.claim(job_id, now=harness.clock())
    assert claim is not None
    assert store.settle_unclaimable(job_id, now=harness.clock.advance(1)) is None
    assert store.finish(claim, Outcome(JobState.SUCCEEDED), now=harness.clock())


def test_expired_job_settles_expired(harness: Harness) -> None:
    """A queued job past its expiry cannot be claimed and settles as expired."""
    job_id = queued_job(harness, ttl_seconds=60)
    store = harness.worker_store()
    now = harness.clock.advance(60)
    assert store.claim(job_id, now=now) is None
    assert store.settle_unclaimable(job_id, now=now) == JobState.EXPIRED
    row = job_row(harness, job_id)
    assert (row["state"], row["error_code"], row["attempts"]) == ("expired", "expired", 0)


def test_expired_running_job_settles_expired(harness: Harness) -> None:
    """A running job whose lease and expiry both passed settles expired, not failed."""
    job_id = queued_job(harness, ttl_seconds=120)
    store = harness.worker_store(lease_seconds=LEASE, max_attempts=1)
    assert store.claim(job_id, now=harness.clock()) is not None
    now = harness.clock.advance(121)
    assert store.settle_unclaimable(job_id, now=now) == JobState.EXPIRED


def test_settle_of_a_claimable_job_does_nothing(harness: Harness) -> None:
    """A queued job with attempts left and time to live is not settled."""
    job_id = queued_job(harness)
    store = harness.worker_store()
    assert store.settle_unclaimable(job_id, now=harness.clock()) is None
    assert store.state_of(job_id) == "queued"


def test_unknown_job_is_neither_claimed_nor_settled(harness: Harness) -> None:
    """An id with no row gives no claim, no settlement and no state."""
    store = harness.worker_store()
    assert store.claim("f" * 32, now=harness.clock()) is None
    assert store.settle_unclaimable("f" * 32, now=harness.clock()) is None
    assert store.state_of("f" * 32) is None


def test_one_group_claims_many_jobs_and_each_id_once(harness: Harness) -> None:
    """A group claim takes every claimable job in one statement; an id asked twice (a
    redelivered message) is given to the first asker only, a finished job to no one."""
    ids = [queued_job(harness, f"g{i}") for i in range(3)]
    store = harness.worker_store(owner="gpu-1")
    now = harness.clock()
    done = store.claim(ids[2], now=now)
    assert done is not None and store.finish(done, Outcome(JobState.SUCCEEDED), now=now)
    claims = store.claim_many([(ids[0], now), (ids[1], now), (ids[0], now), (ids[2], now)])
    assert [c is not None for c in claims] == [True, True, False, False]
    assert [c.job_id for c in claims if c is not None] == ids[:2]
    for claim in claims:
        if claim is not None:
            assert job_row(harness, claim.job_id)["lease_token"] == claim.token
            assert job_row(harness, claim.job_id)["attempts"] == 1


def test_one_group_finishes_only_the_jobs_whose_lease_holds(harness: Harness) -> None:
    """Outcomes written as one group: a job taken over meanwhile is refused, the rest land."""
    ids = [queued_job(harness, f"f{i}") for i in range(3)]
    store = harness.worker_store(owner="gpu-1", lease_seconds=LEASE)
    now = harness.clock()
    claims = [store.claim(job_id, now=now) for job_id in ids]
    assert all(claims)
    later = now + timedelta(seconds=LEASE + 1)
    taken_over = harness.worker_store(owner="gpu-2").claim(ids[1], now=later)
    assert taken_over is not None
    outcome = Outcome(JobState.SUCCEEDED, sealed_result=b"sealed", prompt_tokens=3,
                      completion_tokens=2, finish_reason="stop", policy={"pii_email": 1})
    written = store.finish_many([(claim, outcome, later) for claim in claims if claim])
    assert written == [True, False, True]
    assert [job_row(harness, job_id)["state"] for job_id in ids] == \
        ["succeeded", "running", "succeeded"]
    assert job_row(harness, ids[0])["policy"] == {"pii_email": 1}
    assert job_row(harness, ids[1])["lease_owner"] == "gpu-2"


def test_a_group_whose_leases_all_hold_records_every_field(harness: Harness) -> None:
    """The batched write (no lease lost) records each job's own outcome, field by field."""
    ids = [queued_job(harness, f"b{i}") for i in range(4)]
    store = harness.worker_store(owner="gpu-1")
    now = harness.clock()
    claims = store.claim_group(ids, now=now)
    outcomes = [Outcome(JobState.SUCCEEDED, sealed_result=f"sealed-{i}".encode(),
                        sealed_outcome=f"facts-{i}".encode(), prompt_tokens=10 + i,
                        completion_tokens=i, finish_reason="stop", policy={"pii.email": i})
                for i in range(3)] + [Outcome(JobState.REJECTED, "prompt_injection")]
    later = now + timedelta(seconds=5)
    assert store.finish_group([(claim, outcome, later) for claim, outcome
                               in zip(claims, outcomes, strict=True) if claim]) == [True] * 4
    for i, job_id in enumerate(ids[:3]):
        row = job_row(harness, job_id)
        assert (row["state"], row["sealed_result"], row["sealed_outcome"], row["prompt_tokens"],
                row["completion_tokens"], row["policy"], row["lease_token"]) == \
            ("succeeded", f"sealed-{i}".encode(), f"facts-{i}".encode(), 10 + i, i,
             {"pii.email": i}, None)
    row = job_row(harness, ids[3])
    assert (row["state"], row["error_code"], row["sealed_result"]) == \
        ("rejected", "prompt_injection", None)


def test_many_threads_claim_and_finish_through_groups(harness: Harness) -> None:
    """32 threads at once: every job is claimed once and finished once, none lost."""
    ids = [queued_job(harness, f"t{i}") for i in range(32)]
    store = harness.worker_store(owner="gpu-1")
    now = harness.clock()
    start = threading.Barrier(len(ids))
    ended: list[bool] = []
    errors: list[BaseException] = []

    def run(job_id: str) -> None:
        try:
            start.wait()
            claim = store.claim(job_id, now=now)
            assert claim is not None
            ended.append(store.finish(claim, Outcome(JobState.SUCCEEDED), now=now))
        except BaseException as e:  # noqa: BLE001  # surfaced by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(job_id,)) for job_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert ended == [True] * len(ids)
    assert {job_row(harness, job_id)["state"] for job_id in ids} == {"succeeded"}
