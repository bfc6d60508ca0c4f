"""One job's run: claim, open in memory, guard, generate on the shared engine, police, seal.

Every way a job can end is decided here and recorded as a state and a code. Nothing raised
from `run` carries content, and only EngineDead escapes: the worker must restart its engine.
A job whose keys this process cannot reach yet (a master key rotated in elsewhere) is given
back to the queue, its attempt returned: a key rollout delays work, it never ends it.
"""

from __future__ import annotations

import dataclasses
import logging
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime
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
        now = self._clock()
        claim = self._store.claim(job_id, now=now)
        if claim is None:
            settled = self._store.settle_unclaimable(job_id, now=now)
            if settled is None:
                return "skipped"
            # The code, as for any other end, so the worker's counter records why it ended.
            return (ErrorCode.ATTEMPTS_EXHAUSTED.value if settled is JobState.FAILED
                    else ErrorCode.EXPIRED.value)
        try:
            outcome = self._attempt(claim)
        except EngineDead:
            self._store.release(claim)
            raise
        except LeaseLost:
            return "lease_lost"
        except KeyUnavailable as e:
            released = self._store.release_for_retry(claim, now=self._clock())
            log.warning("job %s: master key %r is not in this worker's key file, even after "
                        "reading it again; %s for a later attempt (back to waiting after one "
                        "lease, then released again). Give this worker the key file that "
                        "holds the key.",
                        job_id, e.master_key_id,
                        "returned it to the queue" if released else "lost its lease, left it")
            return KEY_UNAVAILABLE
        except StoreError:
            # The database is away: leave the lease to run out; the reconciler retries.
            log.warning("job %s: database unavailable, leaving it to its lease", job_id)
            raise
        except Exception as e:  # noqa: BLE001  # one bad job must never take the worker down
            log.error("job %s: unexpected %s\n%s", job_id, type(e).__name__, safe_traceback(e))
            outcome = Outcome(JobState.FAILED, ErrorCode.ENGINE_ERROR)
        if not self._store.finish(claim, outcome, now=self._clock()):
            return "lease_lost"
        return outcome.state.value if outcome.error_code is None else outcome.error_code

    def _attempt(self, claim: Claim) -> Outcome:
        """Decide the job's outcome and seal its facts under the job's data key."""
        try:
            data_key = self._sealer.data_key(claim.binding, claim.wrapped_key, now=self._clock())
        except EnvelopeError:
            # No data key, nothing to seal the outcome with: the reader expects none here.
            return Outcome(JobState.FAILED, ErrorCode.PAYLOAD_INVALID)
        try:
            outcome = self._decide(claim, data_key)
        except (LeaseLost, EngineDead, StoreError, KeyUnavailable):
            raise
        except Exception as e:  # noqa: BLE001  # one bad job must never take the worker down
            log.error("job %s: unexpected %s\n%s", claim.job_id, type(e).__name__,
                      safe_traceback(e))
            outcome = Outcome(JobState.FAILED, ErrorCode.ENGINE_ERROR)
        facts = facts_of(outcome)
        if facts is None:  # policy counts are ints by construction; never expected
            return outcome
        return dataclasses.replace(outcome,
                                   sealed_outcome=seal_facts(data_key, claim.binding, facts))

    def _decide(self, claim: Claim, data_key: bytes) -> Outcome:
        binding = claim.binding
        try:
            if claim.sealed_prompt is None:
                raise EnvelopeError
            body = RequestBody.model_validate_json(
                envelope.open_sealed(data_key, claim.sealed_prompt, binding, "prompt"))
        except (EnvelopeError, ValidationError):
            return Outcome(JobState.FAILED, ErrorCode.PAYLOAD_INVALID)
        if claim.kind not in self._kinds:
            return Outcome(JobState.FAILED, ErrorCode.UNKNOWN_KIND)
        kind = self._kinds.get(claim.kind)
        try:
            codes = dict(self._policy.check_input(kind, body.messages))
            if kind.injection_model_check:
                codes.update(self._second_opinion(claim, kind, body))
            completion = self._generate(claim, kind, body)
            checked = self._policy.check_output(kind, completion.text)
        except LeaseLost:
            raise
        except JobFailure as e:
            return Outcome(JobState(e.state), e.code)
        for code, count in checked.codes.items():
            codes[code] = codes.get(code, 0) + count
        result = ResultPayload(content=checked.text, finish_reason=completion.finish_reason,
                               model=self._engine.model_name)
        sealed = envelope.seal(data_key, result.model_dump_json().encode(), binding, "result")
        return Outcome(JobState.SUCCEEDED, sealed_result=sealed,
                       prompt_tokens=completion.prompt_tokens,
                       completion_tokens=completion.completion_tokens,
                       finish_reason=completion.finish_reason, policy=codes or None)

    def _second_opinion(self, claim: Claim, kind: Kind, body: RequestBody) -> dict[str, int]:
        """The engine's own one-word judgement of the input, asked before the real request."""
        request = self._policy.second_opinion_request(
            kind, body.messages, request_id=f"{claim.job_id}-{claim.attempts}-guard")
        answer = self._await(claim, self._engine.submit(request))
        return self._policy.check_second_opinion(kind, answer.text)

    def _generate(self, claim: Claim, kind: Kind, body: RequestBody) -> Completion:
        request = GenerationRequest(
            request_id=f"{claim.job_id}-{claim.attempts}",
            messages=self._policy.build_messages(kind, body.messages),
            max_tokens=body.max_tokens, temperature=body.temperature, top_p=body.top_p,
            seed=body.seed, stop=body.stop, frequency_penalty=body.frequency_penalty,
            presence_penalty=body.presence_penalty, ignore_eos=body.ignore_eos,
            json_schema=kind.output_schema, cache_salt=self._cache_salt(claim.tenant))
        future = self._engine.submit(request)
        return self._await(claim, future)

    def _await(self, claim: Claim, future: Future[Completion]) -> Completion:
        """Wait for the engine, renewing the lease; drop the request if the lease is lost."""
        while True:
            try:
                return future.result(timeout=self._renew_every)
            except FutureTimeout:
                if not self._store.renew(claim, now=self._clock()):
                    future.cancel()
                    raise LeaseLost from None
            except CancelledError:
                raise LeaseLost from None
