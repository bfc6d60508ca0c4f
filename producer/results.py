"""Turning finished jobs into OpenAI Batch output records, opened in memory only.

Nothing in a row is taken on trust when it can be checked: the result opens only under the
job's own binding (job, tenant, kind, expiry, batch, custom id, position), and the terminal
facts shown beside it (state, error code, policy codes, token counts) must match the outcome
the worker sealed. A row that disagrees yields `payload_invalid`, never the wrong answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from schemas import envelope
from schemas.errors import EnvelopeError
from schemas.jobs import (
    ERROR_MESSAGES,
    WORKER_DECIDED_CODES,
    ErrorCode,
    JobState,
    ResultPayload,
    TerminalFacts,
)
from schemas.sealing import Sealer, binding_of, facts_of
from schemas.tables import Job


def _sealq_facts(job: Job) -> dict[str, Any]:
    return {"job_id": job.id, "state": job.state, "kind": job.kind, "attempts": job.attempts,
            "policy": job.policy or {}}


def _error_record(job: Job, code: str) -> dict[str, Any]:
    return {"id": f"batch_req_{job.id}", "custom_id": job.custom_id, "response": None,
            "error": {"code": code, "message": ERROR_MESSAGES.get(code, code)},
            "sealq": _sealq_facts(job)}


def _outcome_required(job: Job) -> bool:
    """Whether the row claims something only a worker with the data key decides, on a job
    sealed since outcomes exist (envelope 2): then a missing outcome means it was removed."""
    if (envelope.version_of(job.wrapped_key) or 0) < 2:
        return False
    return job.state == JobState.SUCCEEDED or job.error_code in WORKER_DECIDED_CODES


def _facts_hold(job: Job, data_key: bytes) -> bool:
    """The row's terminal facts are those the worker sealed (or it sealed none, legitimately)."""
    if job.sealed_outcome is None:
        return not _outcome_required(job)
    try:
        sealed = TerminalFacts.model_validate_json(
            envelope.open_sealed(data_key, job.sealed_outcome, binding_of(job), "outcome"))
    except (EnvelopeError, ValidationError):
        return False
    return facts_of(job) == sealed


def result_record(job: Job, sealer: Sealer, *, now: datetime) -> dict[str, Any]:
    """One output line for a terminal job: the opened answer, or an error with its code."""
    live = job.expires_at > now and job.erased_at is None and job.wrapped_key is not None
    if job.state != JobState.SUCCEEDED:
        code = job.error_code or (ErrorCode.EXPIRED if job.state == JobState.EXPIRED
                                  else ErrorCode.CANCELLED if job.state == JobState.CANCELLED
                                  else ErrorCode.ENGINE_ERROR)
        if live:
            # Failures are checked too: an edited code or state must not pass for the truth.
            try:
                data_key = sealer.data_key(binding_of(job), job.wrapped_key, now=now)
            except EnvelopeError:
                return _error_record(job, ErrorCode.PAYLOAD_INVALID)
            if not _facts_hold(job, data_key):
                return _error_record(job, ErrorCode.PAYLOAD_INVALID)
        return _error_record(job, code)
    if not live:
        return _error_record(job, ErrorCode.EXPIRED)
    try:
        data_key = sealer.data_key(binding_of(job), job.wrapped_key, now=now)
        if not _facts_hold(job, data_key) or job.sealed_result is None:
            raise EnvelopeError
        payload = ResultPayload.model_validate_json(
            envelope.open_sealed(data_key, job.sealed_result, binding_of(job), "result"))
    except (EnvelopeError, ValidationError):
        # The key is gone (shredded) or the row was altered: either way unreadable.
        return _error_record(job, ErrorCode.PAYLOAD_INVALID)
    created = int((job.finished_at or now).timestamp())
    usage = {"prompt_tokens": job.prompt_tokens or 0,
             "completion_tokens": job.completion_tokens or 0,
             "total_tokens": (job.prompt_tokens or 0) + (job.completion_tokens or 0)}
    body = {"id": f"chatcmpl-{job.id}", "object": "chat.completion", "created": created,
            "model": payload.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": payload.content},
                         "finish_reason": payload.finish_reason}],
            "usage": usage}
    return {"id": f"batch_req_{job.id}", "custom_id": job.custom_id,
            "response": {"status_code": 200, "request_id": job.id, "body": body},
            "error": None, "sealq": _sealq_facts(job)}
