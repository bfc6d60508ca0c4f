"""A deterministic in-memory engine for fast unit tests of the worker; never used in e2e tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from schemas.errors import EngineDead, JobFailure
from schemas.jobs import ErrorCode
from workers.engine.base import Completion, Engine, EngineStats, GenerationRequest

Answer = Callable[[GenerationRequest], str]


def echo_answer(request: GenerationRequest) -> str:
    """The default free-text answer: the last user message, echoed."""
    users = [m.get("content", "") for m in request.messages if m.get("role") == "user"]
    return f"echo: {users[-1] if users else ''}"


def instance_of(schema: dict[str, Any]) -> Any:
    """A small value that satisfies common JSON schemas (objects, arrays, scalars, enums)."""
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if schema.get(combinator):
            return instance_of(schema[combinator][0])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties: dict[str, Any] = schema.get("properties", {})
        return {name: instance_of(properties.get(name, {})) for name in schema.get("required", [])}
    if kind == "array":
        return [instance_of(schema.get("items", {})) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return "x" * max(1, schema.get("minLength", 1))
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    return None


class FakeEngine(Engine):
    """Answers at once (or when released), deterministically; records what it was asked.

    `answer` gives free text per request, `json_answer` overrides the schema-derived JSON,
    `max_prompt_chars` makes longer prompts fail with prompt_too_long, `die()` makes every
    pending and later request fail with EngineDead. With `hold=True` futures stay pending
    until `release()`, so tests can cancel them or watch leases run out.
    """

    def __init__(
        self,
        *,
        answer: Answer = echo_answer,
        json_answer: Any = None,
        max_prompt_chars: int | None = None,
        max_model_len: int = 2048,
        model_name: str = "fake",
        hold: bool = False,
    ) -> None:
        self.max_model_len = max_model_len
        self.model_name = model_name
        self._answer = answer
        self._json_answer = json_answer
        self._max_prompt_chars = max_prompt_chars
        self._hold = hold
        self._lock = threading.Lock()
        self._pending: list[tuple[GenerationRequest, Future[Completion]]] = []
        self._dead = False
        self._closed = False
        self._generated = 0
        #: ids of every request submitted, in order
        self.submitted: list[str] = []
        #: cache salt of every request submitted, in order
        self.cache_salts: list[str | None] = []

    def submit(self, request: GenerationRequest) -> Future[Completion]:
        """Answer now, or keep the future pending while held."""
        future: Future[Completion] = Future()
        with self._lock:
            self.submitted.append(request.request_id)
            self.cache_salts.append(request.cache_salt)
            if self._dead or self._closed:
                future.set_exception(EngineDead("the fake engine is dead or closed"))
                return future
            prompt_chars = sum(len(m.get("content", "")) for m in request.messages)
            if self._max_prompt_chars is not None and prompt_chars > self._max_prompt_chars:
                future.set_exception(JobFailure(ErrorCode.PROMPT_TOO_LONG))
                return future
            if self._hold:
                self._pending.append((request, future))
                return future
        self._complete(request, future)
        return future

    def release(self) -> int:
        """Answer every held request not cancelled meanwhile; return how many were answered."""
        with self._lock:
            pending, self._pending = self._pending, []
        answered = 0
        for request, future in pending:
            answered += self._complete(request, future)
        return answered

    def die(self) -> None:
        """Simulate the engine process dying: pending and later requests get EngineDead."""
        with self._lock:
            self._dead = True
            pending, self._pending = self._pending, []
        for _, future in pending:
            if future.set_running_or_notify_cancel():
                future.set_exception(EngineDead("the fake engine died"))

    def _complete(self, request: GenerationRequest, future: Future[Completion]) -> int:
        if not future.set_running_or_notify_cancel():
            return 0  # cancelled while held
        if request.json_schema is not None:
            value = self._json_answer if self._json_answer is not None else instance_of(
                request.json_schema
            )
            # A str is the model's raw text (it may not be JSON at all); values are encoded.
            text = value if isinstance(value, str) else json.dumps(value)
        else:
            text = self._answer(request)
        words = text.split()
        finish_reason = "length" if len(words) > request.max_tokens else "stop"
        if finish_reason == "length":
            text = " ".join(words[: request.max_tokens])
        completion_tokens = min(len(words), request.max_tokens)
        prompt_tokens = sum(len(m.get("content", "").split()) for m in request.messages)
        with self._lock:
            self._generated += completion_tokens
        future.set_result(Completion(text, finish_reason, prompt_tokens, completion_tokens))
        return 1

    def stats(self) -> EngineStats:
        """Held requests count as running; tokens are whitespace-separated words."""
        with self._lock:
            running = sum(1 for _, f in self._pending if not f.cancelled())
            return EngineStats(running=running, waiting=0, generation_tokens_total=self._generated)

    def close(self) -> None:
        """Later requests fail with EngineDead; held ones too."""
        with self._lock:
            self._closed = True
        self.die()
