"""Group commit: many threads' small writes of the same kind done as one database round.

A worker runs dozens of jobs at once, and each claims and finishes its job with one tiny
transaction. Alone, a call runs at once as a group of one (no added wait). Under load, calls
that arrive while a group is being written queue up and the next group takes them all: one
statement and one commit for many jobs, so the database round trips and commits per job fall
as the load rises. Each call still gets its own answer; a failing group fails each of its
calls with the same error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")


class _Call(Generic[Item, Answer]):
    """One thread's call, waiting for its group's answer or for its turn to lead a group."""

    __slots__ = ("answer", "error", "item", "lead", "ready")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.answer: Answer | None = None
        self.error: BaseException | None = None
        self.lead = False
        self.ready = threading.Event()

    def outcome(self) -> Answer:
        if self.error is not None:
            raise self.error
        return self.answer  # type: ignore[return-value]  # set, or error is


class GroupCommit(Generic[Item, Answer]):
    """Calls `write(items) -> answers` (one answer per item, same order) for groups of calls.

    At most `max_groups` groups are written at once; a group takes at most `max_size` calls.
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
        call: _Call[Item, Answer] = _Call(item)
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
        """Write `call` and as many waiting calls as fit, answer them all, pass the lead on."""
        with self._lock:
            taken = self._waiting[:self._max_size - 1]
            del self._waiting[:len(taken)]
        group = [call, *taken]
        try:
            answers = self._write([c.item for c in group])
            if len(answers) != len(group):
                raise RuntimeError(f"group write answered {len(answers)} of {len(group)}")
            for member, answer in zip(group, answers, strict=True):
                member.answer = answer
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
