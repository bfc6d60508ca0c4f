"""The model check inside the job runner: one constrained engine request before the real one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from schemas.jobs import JobState, Message, RequestBody
from schemas.kinds import Kind, load_kinds
from schemas.sealing import binding_at_submit
from workers.engine.fake import FakeEngine
from workers.generate import Generator, _Run
from workers.policy.engine import PolicyEngine
from workers.store import Claim

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class LeaseOnly:
    """The part of the worker store the engine wait touches: the lease and its renewal."""

    lease = timedelta(seconds=60)

    def renew(self, claim: Claim, *, now: datetime) -> bool:
        return True


@pytest.fixture(scope="module")
def policy() -> PolicyEngine:
    """One policy engine for the module (presidio takes seconds to build)."""
    return PolicyEngine()


def _run(policy: PolicyEngine, kind: Kind, engine: FakeEngine) -> _Run:
    # The model check never seals and only waits on the lease: the rest of the store is unused.
    generator = Generator(store=LeaseOnly(), sealer=None, engine=engine,  # type: ignore[arg-type]
                          kinds=load_kinds(), policy=policy, clock=lambda: NOW)
    expires_at = NOW + timedelta(hours=1)
    claim = Claim(job_id="job-7", token="t", tenant="acme", kind=kind.name, attempts=1,
                  expires_at=expires_at, sealed_prompt=None, wrapped_key=None,
                  binding=binding_at_submit(job_id="job-7", batch_id="b", position=0,
                                            tenant="acme", kind=kind.name, custom_id="r",
                                            expires_at=expires_at))
    run = _Run(claim)
    run.kind = kind
    run.body = RequestBody(messages=[Message(role="user", content="Summarise: revenue 12m.")])
    generator._on_engine([run], generator._second_opinion_request,
                         generator._take_second_opinion)
    return run


def _kind(**changes: object) -> Kind:
    return load_kinds().get("report_analysis").model_copy(
        update={"injection_model_check": True, **changes})


def test_engine_saying_injection_rejects_a_reject_kind(policy: PolicyEngine) -> None:
    """The engine's "injection" ends a reject kind's job with prompt_injection."""
    engine = FakeEngine(json_answer='"injection"')
    run = _run(policy, _kind(injection="reject"), engine)
    assert run.outcome is not None and run.outcome.state is JobState.REJECTED
    assert run.outcome.error_code == "prompt_injection"
    assert engine.submitted == ["job-7-1-guard"]


def test_engine_saying_injection_is_recorded_under_a_flag_kind(policy: PolicyEngine) -> None:
    """A flag kind records injection.model and goes on."""
    run = _run(policy, _kind(injection="flag"), FakeEngine(json_answer='"injection"'))
    assert run.codes == {"injection.model": 1} and run.outcome is None


def test_engine_saying_clean_adds_nothing(policy: PolicyEngine) -> None:
    """"clean" adds no code."""
    run = _run(policy, _kind(), FakeEngine(json_answer='"clean"'))
    assert run.codes == {} and run.outcome is None
