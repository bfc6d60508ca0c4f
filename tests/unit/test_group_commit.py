"""Group commit: calls that arrive while a group is written go together in the next one."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from workers.group_commit import GroupCommit


class Recorder:
    """A write that records its groups and can be held open until released."""

    def __init__(self, *, fail_on: int | None = None) -> None:
        self.groups: list[list[int]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, items: Sequence[int]) -> list[int]:
        self.groups.append(list(items))
        self.entered.set()
        self.release.wait(timeout=10)
        if self.fail_on in items:
            raise RuntimeError("group failed")
        return [item * 10 for item in items]


def run_calls(commit: GroupCommit[int, int], items: Sequence[int],
              answers: dict[int, int], errors: dict[int, BaseException]) -> list[threading.Thread]:
    """One thread per item calling `commit`; answers and errors land in the dicts."""

    def call(item: int) -> None:
        try:
            answers[item] = commit(item)
        except BaseException as e:  # noqa: BLE001  # inspected by the test
            errors[item] = e

    threads = [threading.Thread(target=call, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    return threads


def queue_behind_a_write(write: Recorder, commit: GroupCommit[int, int], queued: int) -> tuple[
        dict[int, int], dict[int, BaseException]]:
    """Call 0 starts a group and is held in its write; calls 1..queued wait behind it; then
    the write is released. Every call's answer or error, once all have returned."""
    answers: dict[int, int] = {}
    errors: dict[int, BaseException] = {}
    threads = run_calls(commit, [0], answers, errors)
    assert write.entered.wait(timeout=10)
    threads += run_calls(commit, range(1, queued + 1), answers, errors)
    for _ in range(1000):
        if len(commit._waiting) == queued:
            break
        threading.Event().wait(0.01)
    else:
        pytest.fail(f"never saw {queued} calls waiting")
    write.release.set()
    for thread in threads:
        thread.join(timeout=10)
    return answers, errors


def test_a_lone_call_is_written_at_once_as_a_group_of_one() -> None:
    """No load, no wait: one call, one group, its own answer."""
    write = Recorder()
    write.release.set()
    assert GroupCommit(write)(7) == 70
    assert write.groups == [[7]]


def test_calls_arriving_during_a_write_share_the_next_group() -> None:
    """While group 1 is written, 9 calls queue; they are written as one group of 9."""
    write = Recorder()
    commit: GroupCommit[int, int] = GroupCommit(write, max_groups=1)
    answers, errors = queue_behind_a_write(write, commit, 9)
    assert errors == {}
    assert answers == {i: i * 10 for i in range(10)}
    assert write.groups[0] == [0] and sorted(write.groups[1]) == list(range(1, 10))
    assert len(write.groups) == 2


def test_groups_never_exceed_max_size() -> None:
    """20 waiting calls with max_size 8: groups of at most 8, every call answered once."""
    write = Recorder()
    commit: GroupCommit[int, int] = GroupCommit(write, max_size=8, max_groups=1)
    answers, errors = queue_behind_a_write(write, commit, 20)
    assert errors == {} and len(answers) == 21
    assert max(len(group) for group in write.groups) == 8
    assert sorted(item for group in write.groups for item in group) == list(range(21))


def test_a_failed_group_fails_its_calls_and_the_next_group_still_runs() -> None:
    """The group holding 3 fails: each of its calls raises, the later group succeeds."""
    write = Recorder(fail_on=3)
    commit: GroupCommit[int, int] = GroupCommit(write, max_size=3, max_groups=1)
    answers, errors = queue_behind_a_write(write, commit, 6)
    failed_group = next(group for group in write.groups if 3 in group)
    assert set(errors) == set(failed_group)
    assert all(isinstance(e, RuntimeError) for e in errors.values())
    assert set(answers) == set(range(7)) - set(failed_group)


def test_a_write_that_answers_the_wrong_count_fails_its_calls() -> None:
    """A write must answer each item: a short answer is an error, never a wrong pairing."""
    commit: GroupCommit[int, int] = GroupCommit(lambda items: [])
    with pytest.raises(RuntimeError, match="answered 0 of 1"):
        commit(1)


def test_a_call_with_many_items_gets_each_its_answer_in_order() -> None:
    """A worker's group of jobs is one call: its items are written together, answered in order."""
    write = Recorder()
    write.release.set()
    assert GroupCommit(write).many([3, 1, 2]) == [30, 10, 20]
    assert GroupCommit(write).many([]) == []
    assert write.groups == [[3, 1, 2]]


def test_calls_of_several_items_share_a_group_while_they_fit() -> None:
    """Waiting calls of 3 items each join a group of max_size 7 whole: two per group, never
    split, and every item answered with its own answer."""
    write = Recorder()
    commit: GroupCommit[int, int] = GroupCommit(write, max_size=7, max_groups=1)
    answers: dict[int, list[int]] = {}
    first = threading.Thread(target=lambda: answers.__setitem__(0, commit.many([0])))
    first.start()
    assert write.entered.wait(timeout=10)
    calls = {n: [n * 10 + 1, n * 10 + 2, n * 10 + 3] for n in range(1, 5)}
    threads = [threading.Thread(target=lambda n=n: answers.__setitem__(n, commit.many(calls[n])))
               for n in calls]
    for thread in threads:
        thread.start()
    for _ in range(1000):
        if len(commit._waiting) == len(calls):
            break
        threading.Event().wait(0.01)
    write.release.set()
    for thread in [first, *threads]:
        thread.join(timeout=10)
    assert answers[0] == [0]
    assert all(answers[n] == [item * 10 for item in calls[n]] for n in calls)
    assert [len(group) for group in write.groups[1:]] == [6, 6]


def test_a_call_bigger_than_max_size_is_written_alone() -> None:
    """max_size bounds what waiting calls join; one call's own items are never split."""
    write = Recorder()
    write.release.set()
    assert GroupCommit(write, max_size=2).many([1, 2, 3]) == [10, 20, 30]
    assert write.groups == [[1, 2, 3]]
