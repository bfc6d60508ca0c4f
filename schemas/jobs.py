"""The request contract (OpenAI Batch lines) and the sealed result; states re-exported."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from schemas import constants

# States and codes live in schemas.states (no pydantic), for readers that need only those.
from schemas.states import TERMINAL_STATES, ErrorCode, JobState

__all__ = ["ERROR_MESSAGES", "TERMINAL_STATES", "BatchLine", "ErrorCode", "JobState", "Message",
           "RequestBody", "ResultPayload", "Tenant"]


class Message(BaseModel):
    """One chat message; list-of-parts content is flattened to its text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["system", "user", "assistant"]
    content: str

    @field_validator("content", mode="before")
    @classmethod
    def _flatten_parts(cls, value: Any) -> Any:
        if isinstance(value, list):
            texts = []
            for part in value:
                if not isinstance(part, dict) or part.get("type") != "text":
                    raise ValueError("only text content parts are supported")
                text = part.get("text", "")
                # A TypeError here would escape pydantic as itself, not as a validation error.
                if not isinstance(text, str):
                    raise ValueError("a text content part's text must be a string")
                texts.append(text)
            return "".join(texts)
        return value


class RequestBody(BaseModel):
    """The `body` of a batch line: what the model is asked, and how to sample."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    messages: Annotated[list[Message], Field(min_length=1)]
    model: str | None = None
    max_tokens: Annotated[
        int, Field(ge=constants.MIN_MAX_TOKENS, le=constants.MAX_MAX_TOKENS)
    ] = constants.DEFAULT_MAX_TOKENS
    temperature: Annotated[float, Field(ge=0.0, le=2.0)] = 0.0
    top_p: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0
    seed: int | None = None
    stop: list[str] | None = None
    frequency_penalty: Annotated[float, Field(ge=-2.0, le=2.0)] = 0.0
    presence_penalty: Annotated[float, Field(ge=-2.0, le=2.0)] = 0.0
    n: Literal[1] = 1
    # vLLM's extension: generate exactly max_tokens (benchmarks use it).
    ignore_eos: bool = False

    @field_validator("stop", mode="before")
    @classmethod
    def _stop_as_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class BatchLine(BaseModel):
    """One line of an OpenAI Batch input file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    custom_id: Annotated[
        str, StringConstraints(min_length=1, max_length=constants.MAX_CUSTOM_ID_LENGTH)
    ]
    method: Literal["POST"] = "POST"
    url: Literal["/v1/chat/completions"] = "/v1/chat/completions"
    body: RequestBody

    @classmethod
    def from_request_body(cls, body: dict[str, Any], custom_id: str) -> BatchLine:
        """Build a line from a plain request body, as the Python API takes it."""
        return cls.model_validate({"custom_id": custom_id, "body": body})


Tenant = Annotated[str, StringConstraints(pattern=constants.TENANT_PATTERN)]


def is_tenant(name: str) -> bool:
    """Whether `name` is a valid tenant, as a whole (`re.match` with `$` lets "acme\\n" in)."""
    return re.fullmatch(constants.TENANT_PATTERN, name) is not None


# What each code means, for the `error.message` of result lines: fixed text, never content.
ERROR_MESSAGES: dict[str, str] = {
    ErrorCode.PROMPT_TOO_LONG: "the prompt does not fit the model's context window",
    ErrorCode.PAYLOAD_INVALID: "the job's sealed data could not be opened or does not match its "
                               "stored facts (tampered or misplaced)",
    ErrorCode.SCHEMA_VIOLATION: "the model's answer did not satisfy the kind's output schema",
    ErrorCode.PROMPT_INJECTION: "the input guard found a prompt-injection attempt",
    ErrorCode.PII_DETECTED: "the answer contained personal data and the kind rejects it",
    ErrorCode.INPUT_INVALID: "the input broke the kind's limits or held forbidden characters",
    ErrorCode.ATTEMPTS_EXHAUSTED: "the job failed on every attempt it was allowed",
    ErrorCode.ENGINE_ERROR: "the inference engine failed on this job",
    ErrorCode.UNKNOWN_KIND: "no worker knows this job's kind",
    ErrorCode.CANCELLED: "the job was cancelled",
    ErrorCode.EXPIRED: "the job's data expired and was erased",
}


class TerminalFacts(BaseModel):
    """What a worker decided about a job, sealed beside it (part "outcome") when it finished.

    The row keeps the same facts in plain columns for queries; when results are read the two
    must agree, so an edited state, code, policy count or token count is caught.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    state: str
    error_code: str | None = None
    policy: dict[str, int] = {}
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None


# Codes only a worker holding the job's data key decides: a job (envelope 2 or later) that
# claims one of them, or success, must carry a sealed outcome that says so.
WORKER_DECIDED_CODES = frozenset({
    ErrorCode.PROMPT_TOO_LONG, ErrorCode.SCHEMA_VIOLATION, ErrorCode.PROMPT_INJECTION,
    ErrorCode.PII_DETECTED, ErrorCode.INPUT_INVALID, ErrorCode.UNKNOWN_KIND,
})


class ResultPayload(BaseModel):
    """What a worker seals as a job's result."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    content: str
    finish_reason: str
    model: str
