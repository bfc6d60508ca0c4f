"""Turning finished jobs into OpenAI Batch output records, opened in memory only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from schemas.errors import EnvelopeError
from schemas.jobs import ERROR_MESSAGES, ErrorCode, JobState, ResultPayload
from schemas.sealing import Sealer, binding_of
from schemas.tables import Job


def _sealq_facts(job: Job) -> dict[str, Any]:
    return {"job_id": job.id, "state": job.state, "kind": job.kind, "attempts": job.attempts,
            "policy": job.policy or {}}


def _error_record(job: Job, code: str) -> dict[str, Any]:
    return {"id": f"batch_req_{job.id}", "custom_id": job.custom_id, "response": None,
            "error": {"code": code, "message": ERROR_MESSAGES.get(code, code)},
            "sealq": _sealq_facts(job)}


def result_record(job: Job, sealer: Sealer, *, now: datetime) -> dict[str, Any]:
    """One output line for a terminal job: the opened answer, or an error with its code."""
    if job.state != JobState.SUCCEEDED:
        code = job.error_code or (ErrorCode.EXPIRED if job.state == JobState.EXPIRED
                                  else ErrorCode.CANCELLED if job.state == JobState.CANCELLED
                                  else ErrorCode.ENGINE_ERROR)
        return _error_record(job, code)
    if job.expires_at <= now or job.erased_at is not None:
        return _error_record(job, ErrorCode.EXPIRED)
    try:
        payload = ResultPayload.model_validate_json(
            sealer.open(binding_of(job), job.wrapped_key, job.sealed_result, "result", now=now))
    except (EnvelopeError, ValidationError):
        # The key is gone (shredded) or the row was altered: either way unreadable.
        return _error_record(job, ErrorCode.EXPIRED if job.wrapped_key is None
                             else ErrorCode.PAYLOAD_INVALID)
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
