"""Group commit: many threads' small writes of the same kind done as one database round.

A worker runs dozens of jobs at once, and each claims and finishes its job with one tiny
transaction. Alone, a call runs at once as a group of one (no added wait). Under load, calls
that arrive while a group is being written queue up and the next group takes them all: one
statement and one commit for many jobs, so the database round trips and commits per job fall
as the load rises. A call may bring several items (a worker's group of jobs): it joins a group
whole. Each call still gets its own answers; a failing group fails each of its calls with the
same error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")


class _Call(Generic[Item, Answer]):
    """One thread's call, waiting for its group's answers or for its turn to lead a group."""

    __slots__ = ("answers", "error", "items", "lead", "ready")

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = items
        self.answers: Sequence[Answer] = ()
        self.error: BaseException | None = None
        self.lead = False
        self.ready = threading.Event()

    def outcome(self) -> list[Answer]:
        if self.error is not None:
            raise self.error
        return list(self.answers)


class GroupCommit(Generic[Item, Answer]):
    """Calls `write(items) -> answers` (one answer per item, same order) for groups of calls.

    At most `max_groups` groups are written at once; a group takes waiting calls while their
    items fit in `max_size` (a call bigger than that is written alone).
    The thread whose call starts a group writes it (no extra thread), then hands the lead to
    the oldest waiting call, if any.
    """

    def __init__(self, write: Callable[[Sequence[Item]], Sequence[Answer]], *,
                 max_size: int = 64, max_groups: int = 2) -> None:
        self._write = write
        self._max_size = max_size
        self._max_groups = max_groups
        self._lock = threading.Lock()
        self._waiting: list[_Call[Item, Answer]] = []
        self._writing = 0

    def __call__(self, item: Item) -> Answer:
        """`item`'s answer, written in a group with whatever else is waiting."""
        return self.many([item])[0]

    def many(self, items: Sequence[Item]) -> list[Answer]:
        """The answers for `items` (same order), written together in one group."""
        if not items:
            return []
        call: _Call[Item, Answer] = _Call(items)
        with self._lock:
            lead = self._writing < self._max_groups
            if lead:
                self._writing += 1
            else:
                self._waiting.append(call)
        if not lead:
            call.ready.wait()
            if not call.lead:
                return call.outcome()
        self._lead(call)
        return call.outcome()

    def _lead(self, call: _Call[Item, Answer]) -> None:
        """Write `call` and the waiting calls that fit, answer them all, pass the lead on."""
        with self._lock:
            room = self._max_size - len(call.items)
            taken: list[_Call[Item, Answer]] = []
            for waiting in self._waiting:
                if len(waiting.items) > room:
                    break  # oldest first: a big call is not overtaken
                taken.append(waiting)
                room -= len(waiting.items)
            del self._waiting[:len(taken)]
        group = [call, *taken]
        try:
            items = [item for member in group for item in member.items]
            answers = self._write(items)
            if len(answers) != len(items):
                raise RuntimeError(f"group write answered {len(answers)} of {len(items)}")
            start = 0
            for member in group:
                member.answers = answers[start:start + len(member.items)]
                start += len(member.items)
        except BaseException as e:  # noqa: BLE001  # every caller gets the group's error
            for member in group:
                member.error = e
        finally:
            with self._lock:
                successor = self._waiting.pop(0) if self._waiting else None
                if successor is None:
                    self._writing -= 1
            if successor is not None:
                successor.lead = True
                successor.ready.set()
            for member in taken:
                member.ready.set()
