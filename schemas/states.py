"""Job states and the error codes a job can end with: plain enums, no validation machinery."""

from __future__ import annotations

import enum


class JobState(enum.StrEnum):
    """Where a job is in its life; the last five are terminal."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


TERMINAL_STATES = frozenset(
    {JobState.SUCCEEDED, JobState.FAILED, JobState.REJECTED, JobState.CANCELLED, JobState.EXPIRED}
)


class Priority(enum.StrEnum):
    """A job's lane: urgent work starts ahead of normal, normal ahead of bulk."""

    URGENT = "urgent"
    NORMAL = "normal"
    BULK = "bulk"

    @property
    def rank(self) -> int:
        """0 for the most urgent lane."""
        return LANES.index(self)


# Lanes from the most urgent down: the order the dispatcher serves them in.
LANES = (Priority.URGENT, Priority.NORMAL, Priority.BULK)


class ErrorCode(enum.StrEnum):
    """Codes recorded on jobs that did not succeed; the only words a failure leaves behind."""

    PROMPT_TOO_LONG = "prompt_too_long"
    PAYLOAD_INVALID = "payload_invalid"
    SCHEMA_VIOLATION = "schema_violation"
    PROMPT_INJECTION = "prompt_injection"
    PII_DETECTED = "pii_detected"
    INPUT_INVALID = "input_invalid"
    ATTEMPTS_EXHAUSTED = "attempts_exhausted"
    ENGINE_ERROR = "engine_error"
    UNKNOWN_KIND = "unknown_kind"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
