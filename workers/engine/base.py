"""What the worker needs from an inference engine: submit many requests, get futures back."""

from __future__ import annotations

import abc
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    """One chat generation, already opened and policed; lives in worker memory only."""

    request_id: str
    messages: list[dict[str, str]]
    max_tokens: int
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int | None = None
    stop: list[str] | None = None
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0
    ignore_eos: bool = False
    # JSON schema the output is constrained to (structured outputs); None for free text.
    json_schema: dict[str, Any] | None = field(default=None, hash=False)
    # Mixed into the prefix cache's block hashes: requests share cached blocks only when their
    # salts are equal (one per tenant, workers.cache_salt). None: no salt.
    cache_salt: str | None = None

    def __repr__(self) -> str:  # the messages must never reach a log through repr()
        return f"GenerationRequest(request_id={self.request_id!r}, max_tokens={self.max_tokens})"


@dataclass(frozen=True, slots=True)
class Completion:
    """What the engine produced for one request."""

    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int

    def __repr__(self) -> str:  # the text must never reach a log through repr()
        return (f"Completion(finish_reason={self.finish_reason!r}, "
                f"prompt_tokens={self.prompt_tokens}, completion_tokens={self.completion_tokens})")


@dataclass(frozen=True, slots=True)
class EngineStats:
    """What the engine reports about itself, for metrics; None where it reports nothing."""

    running: int | None = None
    waiting: int | None = None
    kv_cache_usage: float | None = None
    generation_tokens_total: int | None = None
    # Prompt tokens looked up in the prefix cache, and how many of them were found there.
    prefix_cache_queries_total: int | None = None
    prefix_cache_hits_total: int | None = None


class Engine(abc.ABC):
    """One engine per worker process, shared by every in-flight job of that process.

    `submit` is thread-safe and returns at once: many worker threads submit concurrently, so
    the engine batches their requests. Failures arrive through the future:
    JobFailure(prompt_too_long) for one request, EngineDead when the engine is gone.
    """

    #: longest prompt plus output the engine accepts, in tokens
    max_model_len: int
    #: the model name reported in results
    model_name: str

    @abc.abstractmethod
    def submit(self, request: GenerationRequest) -> Future[Completion]:
        """Queue one request; cancelling the future aborts it in the engine."""

    @abc.abstractmethod
    def stats(self) -> EngineStats:
        """The engine's current load, where it reports it."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stop the engine and every process it started; idempotent."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
