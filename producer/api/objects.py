"""sealq's batches and files as OpenAI's `Batch` and `FileObject` (openai-python's types).

A batch's status follows OpenAI's meaning: `in_progress` while any job waits or runs,
`completed` when every job ended, `cancelling` then `cancelled` after a cancel, `expired` when
jobs ran out of time before they could run. Its output file holds the succeeded requests, its
error file the others; both are made on the fly from the sealed results, so their ids exist
only once the batch has ended and has such requests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from producer.files import FileInfo
from producer.store import BatchTotals
from schemas import constants
from schemas.jobs import JobState
from schemas.tables import Batch

COMPLETION_WINDOW = "24h"
ENDPOINT = "/v1/chat/completions"


def _ts(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def output_file_id(batch_id: str) -> str:
    """The id of a batch's output file (its succeeded requests)."""
    return f"{constants.OUTPUT_FILE_PREFIX}{batch_id}"


def error_file_id(batch_id: str) -> str:
    """The id of a batch's error file (its requests that did not succeed)."""
    return f"{constants.ERROR_FILE_PREFIX}{batch_id}"


def batch_status(batch: Batch, summary: BatchTotals) -> str:
    """OpenAI's status word for the batch's state."""
    counts = summary.counts
    pending = counts[JobState.QUEUED] + counts[JobState.RUNNING]
    if batch.cancelled_at is not None:
        return "cancelling" if pending else "cancelled"
    if pending:
        return "in_progress"
    if counts[JobState.EXPIRED]:
        return "expired"
    return "completed"


def batch_object(batch: Batch, summary: BatchTotals, *, now: datetime) -> dict[str, Any]:
    """The batch as the SDK's `Batch`, with sealq's own facts under `sealq`."""
    counts = summary.counts
    status = batch_status(batch, summary)
    ended = status in ("completed", "cancelled", "expired")
    succeeded = counts[JobState.SUCCEEDED]
    unsuccessful = sum(counts[s] for s in (JobState.FAILED, JobState.REJECTED,
                                           JobState.CANCELLED, JobState.EXPIRED))
    readable = batch.expires_at > now
    finished = summary.last_finished_at
    return {
        "id": batch.id,
        "object": "batch",
        "endpoint": ENDPOINT,
        "errors": None,
        "input_file_id": batch.input_file_id or "",
        "completion_window": COMPLETION_WINDOW,
        "status": status,
        "output_file_id": output_file_id(batch.id)
        if ended and succeeded and readable and batch.output_deleted_at is None else None,
        "error_file_id": error_file_id(batch.id)
        if ended and unsuccessful and readable and batch.errors_deleted_at is None else None,
        "created_at": _ts(batch.created_at),
        "in_progress_at": _ts(batch.created_at),
        "expires_at": _ts(batch.expires_at),
        "finalizing_at": _ts(finished) if status == "completed" else None,
        "completed_at": _ts(finished) if status == "completed" else None,
        "failed_at": None,
        "expired_at": _ts(finished or batch.expires_at) if status == "expired" else None,
        "cancelling_at": _ts(batch.cancelled_at),
        "cancelled_at": _ts(finished or batch.cancelled_at) if status == "cancelled" else None,
        "request_counts": {"total": batch.job_count, "completed": succeeded,
                           "failed": unsuccessful},
        "metadata": batch.labels,
        "model": None,
        "usage": {
            "input_tokens": summary.prompt_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": summary.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": summary.prompt_tokens + summary.completion_tokens,
        },
        "sealq": {"kind": batch.kind, "priority": batch.priority, "states": counts},
    }


def file_object(info: FileInfo) -> dict[str, Any]:
    """An uploaded input file as the SDK's `FileObject`."""
    return {"id": info.id, "object": "file", "bytes": info.size_bytes,
            "created_at": _ts(info.created_at), "expires_at": _ts(info.expires_at),
            "filename": info.filename, "purpose": info.purpose, "status": "processed",
            "status_details": None}


def result_file_object(batch: Batch, summary: BatchTotals, *, errors: bool,
                       size_bytes: int) -> dict[str, Any]:
    """A batch's output or error file as the SDK's `FileObject` (its size is the sealed size)."""
    file_id = error_file_id(batch.id) if errors else output_file_id(batch.id)
    created = summary.last_finished_at or batch.created_at
    return {"id": file_id, "object": "file", "bytes": size_bytes,
            "created_at": _ts(created), "expires_at": _ts(batch.expires_at),
            "filename": f"{batch.id}_{'error' if errors else 'output'}.jsonl",
            "purpose": "batch_output", "status": "processed", "status_details": None}


def page(data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    """A cursor page as the SDK's `SyncCursorPage` reads it (`has_more` always set)."""
    return {"object": "list", "data": data,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None, "has_more": has_more}
