"""Jobs' runs: claim, open in memory, guard, generate on the shared engine, police, seal.

A message may carry a group of job ids: the group is claimed in one statement, its requests
all go to the engine before the first answer is awaited (the engine batches them), and its
outcomes are recorded in one transaction. Every way a job can end is decided here and
recorded as a state and a code; one job's failure ends that job only. Nothing raised from
`run_many` carries content, and only EngineDead (the worker must restart its engine) and
StoreError (the database is away: leases run out, the reconciler retries) escape.
A job whose keys this process cannot reach yet (a master key rotated in elsewhere) is given
back to the queue, its attempt returned: a key rollout delays work, it never ends it.
"""

from __future__ import annotations

import dataclasses
import logging
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ALL_COMPLETED, CancelledError, Future, wait
from datetime import datetime
from functools import partial
from typing import Protocol

from pydantic import ValidationError

from schemas import envelope
from schemas.errors import (
    EngineDead,
    EnvelopeError,
    JobFailure,
    KeyUnavailable,
    LeaseLost,
    StoreError,
)
from schemas.jobs import ErrorCode, JobState, Message, RequestBody, ResultPayload
from schemas.kinds import Kind, KindRegistry
from schemas.sealing import Sealer, facts_of, seal_facts
from workers.cache_salt import TenantSalt
from workers.engine.base import Completion, Engine, GenerationRequest
from workers.store import Claim, Outcome, WorkerStore

log = logging.getLogger("sealq.worker")
Clock = Callable[[], datetime]
# What `run` returns for a job given back because its master key is not here yet.
KEY_UNAVAILABLE = "key_unavailable"


class OutputChecked(Protocol):
    """The output policy's verdict: the text to deliver and the codes that fired."""

    @property
    def text(self) -> str:
        """The answer as it may be delivered (redacted where the kind says so)."""

    @property
    def codes(self) -> dict[str, int]:
        """Policy codes that fired, with counts."""


class Policy(Protocol):
    """What the worker asks of the policy engine (workers.policy.PolicyEngine)."""

    def build_messages(self, kind: Kind, messages: Sequence[Message]) -> list[dict[str, str]]:
        """The chat to send: the kind's system prompt in its own role, then the request."""

    def check_input(self, kind: Kind, messages: Sequence[Message]) -> dict[str, int]:
        """Codes that fired on the input; raises PolicyRejection to refuse it."""

    def check_output(self, kind: Kind, text: str) -> OutputChecked:
        """The answer as it may be delivered; raises PolicyRejection to refuse it."""

    def second_opinion_request(self, kind: Kind, messages: Sequence[Message], *,
                               request_id: str) -> GenerationRequest:
        """The engine request asking whether the input is an injection."""

    def check_second_opinion(self, kind: Kind, answer: str) -> dict[str, int]:
        """Codes from the engine's answer; raises PolicyRejection to refuse the input."""


def safe_traceback(error: BaseException) -> str:
    """A traceback with frames and exception types only: messages may quote content."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    return f"{frames}{type(error).__module__}.{type(error).__qualname__} (message withheld)"


class _Run:
    """One claimed job of a group on its way through the stages."""

    __slots__ = ("body", "claim", "codes", "data_key", "kind", "outcome", "word")

    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        self.data_key: bytes | None = None
        self.body: RequestBody | None = None
        self.kind: Kind | None = None
        self.codes: dict[str, int] = {}
        # Decided: the outcome to record (its facts are sealed if the data key is at hand).
        self.outcome: Outcome | None = None
        # Ended with nothing to record: lease_lost, or key_unavailable (given back).
        self.word: str | None = None

    @property
    def ended(self) -> bool:
        return self.outcome is not None or self.word is not None


class Generator:
    """Runs generate tasks against one engine; shared by all the worker's threads."""

    def __init__(self, *, store: WorkerStore, sealer: Sealer, engine: Engine,
                 kinds: KindRegistry, policy: Policy, clock: Clock,
                 renew_every_seconds: float | None = None,
                 cache_salt: Callable[[str], str] | None = None) -> None:
        self._store = store
        self._sealer = sealer
        self._engine = engine
        self._kinds = kinds
        self._policy = policy
        self._clock = clock
        lease_seconds = store.lease.total_seconds()
        self._renew_every = renew_every_seconds or max(1.0, lease_seconds / 3)
        # Tenants never share the engine's prefix cache: one salt per tenant, secret-keyed.
        self._cache_salt = cache_salt or TenantSalt.fresh()

    def run(self, job_id: str) -> str:
        """Run one job to a recorded end; returns what happened, as a word for the log."""
        return self.run_many([job_id])[0]

    def run_many(self, job_ids: Sequence[str]) -> list[str]:
        """Run a group of jobs to their recorded ends; one word per job id, in order."""
        now = self._clock()
        claims = self._store.claim_group(job_ids, now=now)
        words: list[str] = [""] * len(job_ids)
        runs: list[tuple[int, _Run]] = []
        for index, (job_id, claim) in enumerate(zip(job_ids, claims, strict=True)):
            if claim is None:
                words[index] = self._settle(job_id, now)
            else:
                runs.append((index, _Run(claim)))
        group = [run for _, run in runs]
        try:
            self._stages(group)
        except EngineDead:
            for run in group:
                if run.word is None:
                    self._store.release(run.claim)
            raise
        except StoreError:
            # The database is away: leave the leases to run out; the reconciler retries.
            log.warning("%s: database unavailable, leaving %s to %s lease",
                        _jobs(group), *(("it", "its") if len(group) == 1 else ("them", "their")))
            raise
        finishing = [(index, run) for index, run in runs if run.word is None]
        now = self._clock()
        written = self._store.finish_group(
            [(run.claim, run.outcome or Outcome(JobState.FAILED, ErrorCode.ENGINE_ERROR), now)
             for _, run in finishing])
        for (index, run), ok in zip(finishing, written, strict=True):
            outcome = run.outcome
            words[index] = ("lease_lost" if not ok or outcome is None else
                            outcome.state.value if outcome.error_code is None
                            else outcome.error_code)
        for index, run in runs:
            if run.word is not None:
                words[index] = run.word
        return words

    def _settle(self, job_id: str, now: datetime) -> str:
        """The word for a job this worker could not claim (ended now if no one ever can)."""
        settled = self._store.settle_unclaimable(job_id, now=now)
        if settled is None:
            return "skipped"
        # The code, as for any other end, so the worker's counter records why it ended.
        return (ErrorCode.ATTEMPTS_EXHAUSTED.value if settled is JobState.FAILED
                else ErrorCode.EXPIRED.value)

    def _stages(self, group: list[_Run]) -> None:
        """Decide every job's outcome, stage by stage across the group, and seal its facts."""
        for run in group:
            self._guarded(run, self._open)
        self._on_engine([run for run in group if not run.ended
                         and run.kind is not None and run.kind.injection_model_check],
                        self._second_opinion_request, self._take_second_opinion)
        self._on_engine([run for run in group if not run.ended],
                        self._generation_request, self._take_completion)
        for run in group:
            self._seal_facts(run)

    def _guarded(self, run: _Run, step: Callable[[_Run], None]) -> None:
        """`step` on a job; a failure of the job's own ends that job, and only it."""
        try:
            step(run)
        except (EngineDead, StoreError):
            raise
        except (LeaseLost, CancelledError):
            run.word = "lease_lost"
        except KeyUnavailable as e:
            self._give_back(run, e)
        except JobFailure as e:
            run.outcome = Outcome(JobState(e.state), e.code)
        except Exception as e:  # noqa: BLE001  # one bad job must never take the worker down
            log.error("job %s: unexpected %s\n%s", run.claim.job_id, type(e).__name__,
                      safe_traceback(e))
            run.outcome = Outcome(JobState.FAILED, ErrorCode.ENGINE_ERROR)

    def _give_back(self, run: _Run, error: KeyUnavailable) -> None:
        released = self._store.release_for_retry(run.claim, now=self._clock())
        log.warning("job %s: master key %r is not in this worker's key file, even after "
                    "reading it again; %s for a later attempt (back to waiting after one "
                    "lease, then released again). Give this worker the key file that "
                    "holds the key.",
                    run.claim.job_id, error.master_key_id,
                    "returned it to the queue" if released else "lost its lease, left it")
        run.word = KEY_UNAVAILABLE

    def _open(self, run: _Run) -> None:
        """The job's data key, its request opened and validated, its kind, the input guard."""
        claim = run.claim
        try:
            run.data_key = self._sealer.data_key(claim.binding, claim.wrapped_key,
                                                 now=self._clock())
        except EnvelopeError:
            # No data key, nothing to seal the outcome with: the reader expects none here.
            run.outcome = Outcome(JobState.FAILED, ErrorCode.PAYLOAD_INVALID)
            return
        try:
            if claim.sealed_prompt is None:
                raise EnvelopeError
            run.body = RequestBody.model_validate_json(
                envelope.open_sealed(run.data_key, claim.sealed_prompt, claim.binding,
                                     "prompt"))
        except (EnvelopeError, ValidationError):
            run.outcome = Outcome(JobState.FAILED, ErrorCode.PAYLOAD_INVALID)
            return
        if claim.kind not in self._kinds:
            run.outcome = Outcome(JobState.FAILED, ErrorCode.UNKNOWN_KIND)
            return
        run.kind = self._kinds.get(claim.kind)
        run.codes = dict(self._policy.check_input(run.kind, run.body.messages))

    def _second_opinion_request(self, run: _Run) -> GenerationRequest:
        """The engine's own one-word judgement of the input, asked before the real request."""
        assert run.kind is not None and run.body is not None  # opened
        claim = run.claim
        return self._policy.second_opinion_request(
            run.kind, run.body.messages, request_id=f"{claim.job_id}-{claim.attempts}-guard")

    def _take_second_opinion(self, run: _Run, answer: Completion) -> None:
        assert run.kind is not None  # opened
        run.codes.update(self._policy.check_second_opinion(run.kind, answer.text))

    def _generation_request(self, run: _Run) -> GenerationRequest:
        assert run.kind is not None and run.body is not None  # opened
        claim, kind, body = run.claim, run.kind, run.body
        return GenerationRequest(
            request_id=f"{claim.job_id}-{claim.attempts}",
            messages=self._policy.build_messages(kind, body.messages),
            max_tokens=body.max_tokens, temperature=body.temperature, top_p=body.top_p,
            seed=body.seed, stop=body.stop, frequency_penalty=body.frequency_penalty,
            presence_penalty=body.presence_penalty, ignore_eos=body.ignore_eos,
            json_schema=kind.output_schema, cache_salt=self._cache_salt(claim.tenant))

    def _take_completion(self, run: _Run, completion: Completion) -> None:
        """The output policy on the answer; the result sealed under the job's data key."""
        assert run.kind is not None and run.data_key is not None  # opened
        checked = self._policy.check_output(run.kind, completion.text)
        codes = run.codes
        for code, count in checked.codes.items():
            codes[code] = codes.get(code, 0) + count
        result = ResultPayload(content=checked.text, finish_reason=completion.finish_reason,
                               model=self._engine.model_name)
        sealed = envelope.seal(run.data_key, result.model_dump_json().encode(),
                               run.claim.binding, "result")
        run.outcome = Outcome(JobState.SUCCEEDED, sealed_result=sealed,
                              prompt_tokens=completion.prompt_tokens,
                              completion_tokens=completion.completion_tokens,
                              finish_reason=completion.finish_reason, policy=codes or None)

    def _on_engine(self, runs: list[_Run], request_of: Callable[[_Run], GenerationRequest],
                   take: Callable[[_Run, Completion], None]) -> None:
        """Every run's request queued on the engine, then each answer taken as it is ready."""
        futures: dict[_Run, Future[Completion]] = {}

        def submit(run: _Run) -> None:
            futures[run] = self._engine.submit(request_of(run))

        for run in runs:
            self._guarded(run, submit)
        for run, future in self._answers(futures):
            self._guarded(run, partial(_take_answer, take, future))

    def _answers(self, futures: dict[_Run, Future[Completion]]
                 ) -> Iterator[tuple[_Run, Future[Completion]]]:
        """Each run with its finished future; while waiting, the leases of those still
        waiting are renewed, and a run whose lease is lost has its request dropped."""
        pending = dict(futures)
        while pending:
            done, _ = wait(pending.values(), timeout=self._renew_every,
                           return_when=ALL_COMPLETED)
            for run, future in list(pending.items()):
                if future in done:
                    del pending[run]
                    yield run, future
            now = self._clock()
            for run, future in list(pending.items()):
                if not self._store.renew(run.claim, now=now):
                    future.cancel()
                    del pending[run]
                    run.word = "lease_lost"

    def _seal_facts(self, run: _Run) -> None:
        """The outcome's facts sealed under the job's data key, where there is one."""
        if run.outcome is None or run.data_key is None:
            return
        try:
            facts = facts_of(run.outcome)
            if facts is None:  # policy counts are ints by construction; never expected
                return
            run.outcome = dataclasses.replace(
                run.outcome, sealed_outcome=seal_facts(run.data_key, run.claim.binding, facts))
        except Exception as e:  # noqa: BLE001  # one bad job must never take the worker down
            log.error("job %s: unexpected %s\n%s", run.claim.job_id, type(e).__name__,
                      safe_traceback(e))
            run.outcome = Outcome(JobState.FAILED, ErrorCode.ENGINE_ERROR)


def _take_answer(take: Callable[[_Run, Completion], None], future: Future[Completion],
                 run: _Run) -> None:
    take(run, future.result())


def _jobs(group: Sequence[_Run]) -> str:
    """`job <id>` or `jobs <id>, <id> ...` for a log line (ids only)."""
    ids = [run.claim.job_id for run in group]
    return f"job {ids[0]}" if len(ids) == 1 else f"jobs {', '.join(ids)}"
