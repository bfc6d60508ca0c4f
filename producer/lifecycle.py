"""Ending jobs early on the producer's word: cancel a batch or a job, shred one job's data.

Both erase the sealed parts at once in the live database (the tombstone stays). A worker
running a cancelled job loses its lease on its next renew or at finish, so its result is
dropped. Backups taken earlier still hold the wrapped data key until the job's bucket key is
destroyed, one bucket length after its expiry at the latest (see the README).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, literal, select, update
from sqlalchemy.orm import Session

from schemas.db import store_errors
from schemas.errors import NotFound
from schemas.states import ErrorCode, JobState
from schemas.tables import Batch, Job, UTCDateTime

# Jobs per cancel transaction: a big batch is cancelled in short transactions, not one long lock.
CANCEL_CHUNK = 1000
OPEN_STATES = (JobState.QUEUED.value, JobState.RUNNING.value)


@dataclass(frozen=True, slots=True)
class CancelReport:
    """What a cancel did: jobs it ended, and jobs that had already ended on their own."""

    target: str
    is_batch: bool
    cancelled: int
    already_final: int


@dataclass(frozen=True, slots=True)
class ShredReport:
    """What a shred did to one job."""

    job_id: str
    state: str  # the job's state afterwards
    cancelled: bool  # it was unfinished and is now cancelled


def _erased(now: datetime) -> dict[str, Any]:
    return {"sealed_prompt": None, "sealed_result": None, "sealed_outcome": None,
            "wrapped_key": None,
            "erased_at": func.coalesce(Job.erased_at, literal(now, UTCDateTime()))}


def _cancelled(now: datetime) -> dict[str, Any]:
    return {"state": JobState.CANCELLED.value, "error_code": ErrorCode.CANCELLED.value,
            "finished_at": now, "lease_owner": None, "lease_token": None,
            "lease_expires_at": None, **_erased(now)}


def cancel(jobs_db: Engine, target: str, *, now: datetime) -> CancelReport:
    """Cancel every unfinished job of a batch, or one job; NotFound if neither has that id."""
    with store_errors(), Session(jobs_db) as session:
        is_batch = session.get(Batch, target) is not None
        if not is_batch and session.get(Job, target) is None:
            raise NotFound(f"no batch or job with id {target!r}")
    scope = Job.batch_id == target if is_batch else Job.id == target
    cancelled = 0
    with store_errors():
        while True:
            with Session(jobs_db) as session, session.begin():
                ids = list(session.scalars(
                    select(Job.id).where(scope, Job.state.in_(OPEN_STATES))
                    # Locks taken in id order: two cancels of one batch cannot deadlock.
                    .order_by(Job.id).limit(CANCEL_CHUNK).with_for_update()))
                if not ids:
                    break
                # The state guard: a job that finished meanwhile keeps its result.
                result = session.execute(
                    update(Job).where(Job.id.in_(ids), Job.state.in_(OPEN_STATES))
                    .values(**_cancelled(now)).execution_options(synchronize_session=False))
                cancelled += result.rowcount  # type: ignore[attr-defined]  # CursorResult
        with Session(jobs_db) as session:
            total = session.scalar(select(func.count()).select_from(Job).where(scope)) or 0
    return CancelReport(target=target, is_batch=is_batch, cancelled=cancelled,
                        already_final=total - cancelled)


def shred(jobs_db: Engine, job_id: str, *, now: datetime) -> ShredReport:
    """Destroy one job's data key and sealed parts now; an unfinished job ends cancelled."""
    with store_errors(), Session(jobs_db) as session, session.begin():
        result = session.execute(
            update(Job).where(Job.id == job_id, Job.state.in_(OPEN_STATES))
            .values(**_cancelled(now)).execution_options(synchronize_session=False))
        was_open = bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult
        if not was_open:
            session.execute(update(Job).where(Job.id == job_id).values(**_erased(now))
                            .execution_options(synchronize_session=False))
        state = session.scalar(select(Job.state).where(Job.id == job_id))
    if state is None:
        raise NotFound(f"no job with id {job_id!r}")
    return ShredReport(job_id=job_id, state=state, cancelled=was_open)


def erase_batch_jobs(jobs_db: Engine, batch_id: str, states: Sequence[str], *,
                     now: datetime) -> int:
    """Erase the sealed parts of a batch's finished jobs in these states now; returns how many."""
    erased = 0
    with store_errors():
        while True:
            with Session(jobs_db) as session, session.begin():
                ids = list(session.scalars(
                    select(Job.id).where(Job.batch_id == batch_id, Job.state.in_(states),
                                         Job.erased_at.is_(None))
                    .order_by(Job.id).limit(CANCEL_CHUNK).with_for_update()))
                if not ids:
                    return erased
                session.execute(update(Job).where(Job.id.in_(ids)).values(**_erased(now))
                                .execution_options(synchronize_session=False))
                erased += len(ids)
