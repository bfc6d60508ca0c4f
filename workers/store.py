"""The worker's side of the job database: claim with a lease, renew, finish, release.

Every write is one conditional UPDATE, so two workers racing for a job (a redelivered message,
a job released again after the reconciler put it back) cannot both hold it, and a result only
lands while its lease holds.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from schemas.db import store_errors
from schemas.envelope import JobBinding
from schemas.jobs import JobState
from schemas.sealing import binding_of
from schemas.tables import Job
from schemas.wakeup import wake_dispatcher
from workers.group_commit import GroupCommit

# The hot path writes through Core: the ORM's bookkeeping for an UPDATE costs more than the
# statement itself at hundreds of jobs per second.
JOBS = Job.metadata.tables["jobs"]
# Most claims (or finishes) one group writes at once; a worker's threads rarely exceed it.
MAX_GROUP = 64
# An outcome recorded only while its lease holds; built once, run with each finish's values
# (building the statement cost as much as running it).
_FINISH = (
    update(JOBS)
    .where(JOBS.c.id == bindparam("b_id"), JOBS.c.lease_token == bindparam("b_token"),
           JOBS.c.state == JobState.RUNNING.value)
    .values(state=bindparam("b_state"), error_code=bindparam("b_error_code"),
            sealed_result=bindparam("b_sealed_result"),
            sealed_outcome=bindparam("b_sealed_outcome"), finished_at=bindparam("b_now"),
            prompt_tokens=bindparam("b_prompt_tokens"),
            completion_tokens=bindparam("b_completion_tokens"),
            finish_reason=bindparam("b_finish_reason"), policy=bindparam("b_policy"),
            lease_owner=None, lease_token=None, lease_expires_at=None)
)


@dataclass(frozen=True, slots=True)
class Claim:
    """A job this worker holds until `lease_expires_at`, with what it needs to run it."""

    job_id: str
    token: str
    tenant: str
    kind: str
    attempts: int
    expires_at: datetime
    sealed_prompt: bytes | None
    wrapped_key: bytes | None
    # What the job's sealed parts are bound to, read from the row it claimed.
    binding: JobBinding


@dataclass(frozen=True, slots=True)
class Outcome:
    """How an attempt ended, as the job records it."""

    state: JobState
    error_code: str | None = None
    sealed_result: bytes | None = None
    # TerminalFacts of this outcome sealed under the job's data key (None if it was not at hand).
    sealed_outcome: bytes | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None
    policy: dict[str, int] | None = None


def _claimable(now: datetime) -> Any:
    lease_ran_out = and_(JOBS.c.state == JobState.RUNNING.value, JOBS.c.lease_expires_at <= now)
    return and_(or_(JOBS.c.state == JobState.QUEUED.value, lease_ran_out),
                JOBS.c.expires_at > now)


class WorkerStore:
    """Job rows as a worker claims and finishes them.

    Claims and finishes of the worker's many threads go through group commit: under load one
    statement claims many jobs and one transaction records many outcomes.
    """

    def __init__(self, engine: Engine, *, owner: str, lease_seconds: int,
                 max_attempts: int, max_group: int = MAX_GROUP) -> None:
        self._engine = engine
        self.owner = owner
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self._claims: GroupCommit[tuple[str, datetime], Claim | None] = GroupCommit(
            self.claim_many, max_size=max_group)
        self._finishes: GroupCommit[tuple[Claim, Outcome, datetime], bool] = GroupCommit(
            self.finish_many, max_size=max_group)

    def claim(self, job_id: str, *, now: datetime) -> Claim | None:
        """Take the job if it is queued (or its lease ran out) and has attempts left."""
        return self._claims((job_id, now))

    def claim_group(self, job_ids: Sequence[str], *, now: datetime) -> list[Claim | None]:
        """`claim` for each job id (same order), in one group with whatever else is waiting."""
        return self._claims.many([(job_id, now) for job_id in job_ids])

    def claim_many(self, calls: Sequence[tuple[str, datetime]]) -> list[Claim | None]:
        """Claim every (job id, now) that can be claimed, in one statement; None for the rest
        (and for a job id asked for twice, after the first)."""
        now = max(at for _, at in calls)
        token = secrets.token_hex(16)
        ids = sorted({job_id for job_id, _ in calls})
        statement = (
            update(JOBS)
            .where(JOBS.c.id.in_(ids), _claimable(now), JOBS.c.attempts < self.max_attempts)
            .values(state=JobState.RUNNING.value, attempts=JOBS.c.attempts + 1,
                    lease_owner=self.owner, lease_token=token,
                    lease_expires_at=now + self.lease, started_at=now)
            .returning(JOBS.c.id, JOBS.c.batch_id, JOBS.c.position, JOBS.c.custom_id,
                       JOBS.c.tenant, JOBS.c.kind, JOBS.c.attempts, JOBS.c.expires_at,
                       JOBS.c.sealed_prompt, JOBS.c.wrapped_key)
        )
        with store_errors(), self._engine.begin() as connection:
            claimed = {row.id: row for row in connection.execute(statement)}
        answers: list[Claim | None] = []
        for job_id, _ in calls:
            row = claimed.pop(job_id, None)
            answers.append(None if row is None else Claim(
                job_id=job_id, token=token, tenant=row.tenant, kind=row.kind,
                attempts=row.attempts, expires_at=row.expires_at,
                sealed_prompt=row.sealed_prompt, wrapped_key=row.wrapped_key,
                binding=binding_of(row)))
        return answers

    def settle_unclaimable(self, job_id: str, *, now: datetime) -> JobState | None:
        """A job no one can claim any more: end it expired or attempts_exhausted, else None."""
        lease_ran_out = and_(Job.state == JobState.RUNNING, Job.lease_expires_at <= now)
        open_ = or_(Job.state == JobState.QUEUED, lease_ran_out)
        rules = [
            (and_(open_, Job.expires_at <= now), JobState.EXPIRED, "expired"),
            (and_(open_, Job.attempts >= self.max_attempts), JobState.FAILED,
             "attempts_exhausted"),
        ]
        with store_errors(), Session(self._engine) as session, session.begin():
            for condition, state, code in rules:
                result = session.execute(
                    update(Job).where(Job.id == job_id, condition)
                    .values(state=state.value, error_code=code, finished_at=now,
                            lease_owner=None, lease_token=None, lease_expires_at=None))
                if result.rowcount:  # type: ignore[attr-defined]  # CursorResult at runtime
                    return state
        return None

    def renew(self, claim: Claim, *, now: datetime) -> bool:
        """Extend the lease; False if the job is no longer ours (cancelled, taken over)."""
        with store_errors(), Session(self._engine) as session, session.begin():
            result = session.execute(
                update(Job).where(Job.id == claim.job_id, Job.lease_token == claim.token,
                                  Job.state == JobState.RUNNING)
                .values(lease_expires_at=now + self.lease))
        return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult at runtime

    def finish(self, claim: Claim, outcome: Outcome, *, now: datetime) -> bool:
        """Record the outcome, result included, only while the lease holds; else False."""
        return self._finishes((claim, outcome, now))

    def finish_group(self, calls: Sequence[tuple[Claim, Outcome, datetime]]) -> list[bool]:
        """`finish` for each (claim, outcome, now), in one group with whatever else is waiting."""
        return self._finishes.many(calls)

    def finish_many(self, calls: Sequence[tuple[Claim, Outcome, datetime]]) -> list[bool]:
        """Record each outcome whose lease holds, all in one transaction; one answer per call.

        Rows are written in job id order, as every multi-row writer does, so two groups never
        wait on each other in a cycle. Several go as one batch of statements (pipelined on
        PostgreSQL); only if one of them finds its lease gone is the batch undone and written
        row by row, to learn which.
        """
        order = sorted(range(len(calls)), key=lambda i: calls[i][0].job_id)
        rows = [_finish_values(*calls[index]) for index in order]
        written = [False] * len(calls)
        with store_errors(), self._engine.connect() as connection:
            if len(rows) > 1 and connection.dialect.supports_sane_multi_rowcount:
                with connection.begin() as transaction:
                    if connection.execute(_FINISH, rows).rowcount == len(rows):
                        wake_dispatcher(connection)  # slots freed
                        return [True] * len(calls)
                    transaction.rollback()
            with connection.begin():
                for index, row in zip(order, rows, strict=True):
                    written[index] = bool(connection.execute(_FINISH, row).rowcount)
                if any(written):
                    wake_dispatcher(connection)
        return written

    def release(self, claim: Claim) -> bool:
        """Give the job back to waiting (engine gone, worker stopping); attempts stay."""
        with store_errors(), Session(self._engine) as session, session.begin():
            result = session.execute(
                update(Job).where(Job.id == claim.job_id, Job.lease_token == claim.token,
                                  Job.state == JobState.RUNNING)
                .values(state=JobState.QUEUED.value, lease_owner=None, lease_token=None,
                        lease_expires_at=None, enqueued_at=None))
            if result.rowcount:  # type: ignore[attr-defined]  # CursorResult at runtime
                wake_dispatcher(session.connection())  # waiting again, and a slot freed
        return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult at runtime

    def release_for_retry(self, claim: Claim, *, now: datetime) -> bool:
        """Give the job back with its attempt returned: it failed for this process's reasons
        (a key not here yet), not its own. Marked as released now with no message, so the
        reconciler puts it back to waiting after one lease, which is the back-off."""
        with store_errors(), Session(self._engine) as session, session.begin():
            result = session.execute(
                update(Job).where(Job.id == claim.job_id, Job.lease_token == claim.token,
                                  Job.state == JobState.RUNNING)
                .values(state=JobState.QUEUED.value, attempts=Job.attempts - 1,
                        lease_owner=None, lease_token=None, lease_expires_at=None,
                        enqueued_at=now))
        return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult at runtime

    def state_of(self, job_id: str) -> str | None:
        """The job's state, or None if there is no such job."""
        with store_errors(), Session(self._engine) as session:
            return session.scalar(select(Job.state).where(Job.id == job_id))


def _finish_values(claim: Claim, outcome: Outcome, now: datetime) -> dict[str, Any]:
    """The values `_FINISH` records for one outcome."""
    return {"b_id": claim.job_id, "b_token": claim.token, "b_state": outcome.state.value,
            "b_error_code": outcome.error_code, "b_sealed_result": outcome.sealed_result,
            "b_sealed_outcome": outcome.sealed_outcome, "b_now": now,
            "b_prompt_tokens": outcome.prompt_tokens,
            "b_completion_tokens": outcome.completion_tokens,
            "b_finish_reason": outcome.finish_reason, "b_policy": outcome.policy}
