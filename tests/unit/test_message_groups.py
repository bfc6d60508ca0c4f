"""Job ids travel in groups: how the dispatcher cuts them and how the worker's task takes them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from schemas.constants import TASK_GENERATE
from schemas.messages import MAX_MESSAGE_JOBS, message_groups
from workers.app import create_app, runtime, summary
from workers.lifecycle.dispatcher import MESSAGES_PER_PASS, per_message


def ids(n: int) -> list[str]:
    return [uuid.uuid4().hex for _ in range(n)]


def test_groups_keep_order_and_cap_their_size() -> None:
    job_ids = ids(37)
    groups = message_groups(job_ids, 16)
    assert [len(g) for g in groups] == [16, 16, 5]
    assert [j for g in groups for j in g] == job_ids
    assert message_groups(job_ids, 1000) == message_groups(job_ids, MAX_MESSAGE_JOBS)
    assert message_groups(job_ids, 0) == [[j] for j in job_ids]
    assert message_groups([], 4) == []


@pytest.mark.parametrize(("released", "expected"), [
    (1, 1), (2 * MESSAGES_PER_PASS - 1, 1), (2 * MESSAGES_PER_PASS, 2), (80, 5),
    (MESSAGES_PER_PASS * MAX_MESSAGE_JOBS, MAX_MESSAGE_JOBS), (10_000, MAX_MESSAGE_JOBS)])
def test_a_pass_spreads_its_jobs_over_several_messages(released: int, expected: int) -> None:
    assert per_message(released) == expected


def test_summary_counts_words_without_content() -> None:
    assert summary(["succeeded"]) == "succeeded"
    assert summary(["succeeded", "prompt_injection", "succeeded"]) == \
        "succeeded x2, prompt_injection"


class Recording:
    """Stands in for the job runner and remembers what it was asked to run."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def run_many(self, job_ids: list[str]) -> list[str]:
        self.calls.append(job_ids)
        return ["succeeded"] * len(job_ids)


@pytest.fixture
def recording() -> Iterator[Recording]:
    before = runtime.generator
    runtime.generator = Recording()  # type: ignore[assignment]  # duck-typed stand-in
    try:
        yield runtime.generator  # type: ignore[misc]
    finally:
        runtime.generator = before


def test_the_task_runs_a_group_once_per_job_id(recording: Recording) -> None:
    task = create_app("redis://127.0.0.1:1/0").tasks[TASK_GENERATE]
    first, second = ids(2)
    assert task(first, second, first) == "succeeded x2"
    assert recording.calls == [[first, second]]


@pytest.mark.parametrize("args", [
    (), ("not-a-job-id",), (uuid.uuid4().hex, 7), tuple(ids(MAX_MESSAGE_JOBS + 1))])
def test_the_task_ignores_messages_that_are_not_job_id_groups(
        recording: Recording, args: tuple[object, ...]) -> None:
    task = create_app("redis://127.0.0.1:1/0").tasks[TASK_GENERATE]
    assert task(*args) == "ignored"
    assert recording.calls == []
