"""Cancel (batch or job) and shred: erased at once, a running job's result is dropped."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from lifecycle_support import T0, Clock, client, jobs_of, lines, live_keystore, settings_env
from typer.testing import CliRunner

from producer.cli import app as cli_app
from schemas.db import make_engine
from schemas.errors import EnvelopeError, NotFound
from schemas.jobs import JobState, Message, ResultPayload
from schemas.kinds import Kind, load_kinds
from schemas.sealing import Sealer, binding_of, facts_of
from workers.engine.base import Completion, Engine, EngineStats, GenerationRequest
from workers.generate import Generator
from workers.store import Outcome, WorkerStore

pytestmark = pytest.mark.integration


def test_cancel_queued_batch_ends_all_cancelled_and_erased(db_url: str, redis_url: str,
                                                           settings_factory: Any) -> None:
    """Cancelling a queued batch ends every job cancelled and erases its sealed parts now."""
    settings = settings_factory(database_url=db_url, broker_url=redis_url)
    clock = Clock(T0)
    producer = client(settings, clock)
    batch = producer.submit(lines("cancel", 5)).batch_id
    clock.now = T0 + timedelta(seconds=30)
    report = producer.cancel(batch)
    assert (report.is_batch, report.cancelled, report.already_final) == (True, 5, 0)
    assert producer.status(batch)["cancelled"] == 5
    engine = make_engine(db_url)
    for job in jobs_of(engine, batch):
        assert (job.state, job.error_code, job.finished_at) == ("cancelled", "cancelled",
                                                                clock.now)
        assert (job.sealed_prompt, job.wrapped_key, job.erased_at) == (None, None, clock.now)
    assert [r["error"]["code"] for r in producer.results(batch)] == ["cancelled"] * 5
    again = producer.cancel(batch)
    assert (again.cancelled, again.already_final) == (0, 5)
    with pytest.raises(NotFound):
        producer.cancel("0" * 32)
    producer.close()
    engine.dispose()


def test_cancel_running_job_refuses_its_finish(db_url: str, redis_url: str,
                                               settings_factory: Any) -> None:
    """A cancelled running job's worker cannot renew or finish; a finished job keeps its end."""
    settings = settings_factory(database_url=db_url, broker_url=redis_url)
    clock = Clock(T0)
    producer = client(settings, clock)
    batch = producer.submit(lines("running", 2)).batch_id
    engine = make_engine(db_url)
    running_id, done_id = [job.id for job in jobs_of(engine, batch)]
    worker = WorkerStore(engine, owner="w", lease_seconds=300, max_attempts=3)
    running = worker.claim(running_id, now=T0)
    done = worker.claim(done_id, now=T0)
    assert running is not None and done is not None
    assert worker.finish(done, Outcome(JobState.SUCCEEDED, sealed_result=b"kept"), now=T0)

    clock.now = T0 + timedelta(seconds=10)
    report = producer.cancel(batch)
    assert (report.cancelled, report.already_final) == (1, 1)
    later = T0 + timedelta(seconds=20)
    assert not worker.renew(running, now=later)
    assert not worker.finish(running, Outcome(JobState.SUCCEEDED, sealed_result=b"late"),
                             now=later)
    cancelled, succeeded = jobs_of(engine, batch)
    assert (cancelled.state, cancelled.sealed_result, cancelled.lease_token) == (
        "cancelled", None, None)
    assert (succeeded.state, succeeded.sealed_result) == ("succeeded", b"kept")
    producer.close()
    engine.dispose()


@dataclass
class Checked:
    """The fake policy's verdict."""

    text: str
    codes: dict[str, int] = field(default_factory=dict)


class PassPolicy:
    """A policy that lets everything through unchanged."""

    def build_messages(self, kind: Kind, messages: Sequence[Message]) -> list[dict[str, str]]:
        return [{"role": m.role, "content": m.content} for m in messages]

    def check_input(self, kind: Kind, messages: Sequence[Message]) -> dict[str, int]:
        return {}

    def check_output(self, kind: Kind, text: str) -> Checked:
        return Checked(text)


class HeldEngine(Engine):
    """An engine that never answers on its own: the test decides when (or whether)."""

    max_model_len = 2048
    model_name = "held"

    def __init__(self) -> None:
        self.submitted = threading.Event()
        self.future: Future[Completion] = Future()

    def submit(self, request: GenerationRequest) -> Future[Completion]:
        self.submitted.set()
        return self.future

    def stats(self) -> EngineStats:
        return EngineStats()

    def close(self) -> None:
        self.future.cancel()


def test_cancel_while_generating_drops_the_result(db_url: str, redis_url: str,
                                                  settings_factory: Any) -> None:
    """A job cancelled mid-generation: the worker's renew fails, the request is dropped."""
    settings = settings_factory(database_url=db_url, broker_url=redis_url)
    clock = Clock(T0)
    producer = client(settings, clock)
    batch = producer.submit(lines("gen", 1)).batch_id
    engine = make_engine(db_url)
    job_id = jobs_of(engine, batch)[0].id
    held = HeldEngine()
    generator = Generator(
        store=WorkerStore(engine, owner="w", lease_seconds=300, max_attempts=3),
        sealer=Sealer(live_keystore(settings)), engine=held, kinds=load_kinds(None),
        policy=PassPolicy(), clock=Clock(T0 + timedelta(seconds=5)), renew_every_seconds=0.05)
    outcome: list[str] = []
    runner = threading.Thread(target=lambda: outcome.append(generator.run(job_id)))
    runner.start()
    assert held.submitted.wait(timeout=10)
    clock.now = T0 + timedelta(seconds=6)
    assert producer.cancel(job_id).cancelled == 1
    runner.join(timeout=10)
    assert outcome == ["lease_lost"]
    assert held.future.cancelled()  # the engine was told to drop the request
    job = jobs_of(engine, batch)[0]
    assert (job.state, job.sealed_result, job.completion_tokens) == ("cancelled", None, None)
    producer.close()
    engine.dispose()


def test_shred_destroys_the_data_key_and_results_say_expired(
        db_url: str, redis_url: str, settings_factory: Any) -> None:
    """Shredding a finished job makes its result unreadable; an unfinished one is cancelled."""
    settings = settings_factory(database_url=db_url, broker_url=redis_url)
    clock = Clock(T0)
    producer = client(settings, clock)
    batch = producer.submit(lines("shred", 2)).batch_id
    engine = make_engine(db_url)
    finished, queued = jobs_of(engine, batch)
    sealer = Sealer(live_keystore(settings))
    answer = ResultPayload(content="an answer", finish_reason="stop", model="m")
    sealed = sealer.seal(binding_of(finished), finished.wrapped_key,
                         answer.model_dump_json().encode(), "result", now=T0)
    worker = WorkerStore(engine, owner="w", lease_seconds=300, max_attempts=3)
    claim = worker.claim(finished.id, now=T0)
    assert claim is not None
    done = Outcome(JobState.SUCCEEDED, sealed_result=sealed, completion_tokens=7)
    facts = facts_of(done)
    assert facts is not None
    done = dataclasses.replace(done, sealed_outcome=sealer.seal_facts(
        binding_of(finished), finished.wrapped_key, facts, now=T0))
    assert worker.finish(claim, done, now=T0)
    clock.now = T0 + timedelta(seconds=60)
    first = next(iter(producer.results(batch)))
    assert first["response"]["body"]["choices"][0]["message"]["content"] == "an answer"

    report = producer.shred(finished.id)
    assert (report.state, report.cancelled) == ("succeeded", False)
    row = jobs_of(engine, batch)[0]
    assert (row.wrapped_key, row.sealed_prompt, row.sealed_result) == (None, None, None)
    assert row.erased_at == clock.now and row.completion_tokens == 7  # tombstone facts stay
    with pytest.raises(EnvelopeError):
        sealer.data_key(binding_of(row), row.wrapped_key, now=clock.now)
    records = list(producer.results(batch))
    assert records[0]["error"]["code"] == "expired" and records[0]["response"] is None

    report = producer.shred(queued.id)
    assert (report.state, report.cancelled) == ("cancelled", True)
    with pytest.raises(NotFound):
        producer.shred("f" * 32)
    producer.close()
    engine.dispose()


def test_cancel_and_shred_commands(db_url: str, redis_url: str, settings_factory: Any) -> None:
    """`sealq cancel BATCH --json` and `sealq keys shred JOB` report what they did."""
    settings = settings_factory(database_url=db_url, broker_url=redis_url)
    producer = client(settings, Clock(T0))
    batch = producer.submit(lines("cli", 2)).batch_id
    shred_me = producer.submit(lines("cli-shred", 1)).batch_id
    producer.close()
    engine = make_engine(db_url)
    env = settings_env(settings)
    cancelled = CliRunner().invoke(cli_app, ["cancel", batch, "--json"], env=env)
    assert cancelled.exit_code == 0, cancelled.output
    assert '"cancelled": 2' in cancelled.stdout
    job_id = jobs_of(engine, shred_me)[0].id
    shredded = CliRunner().invoke(cli_app, ["keys", "shred", job_id], env=env)
    assert shredded.exit_code == 0, shredded.output
    assert "data key and sealed data destroyed" in shredded.stderr
    assert jobs_of(engine, shred_me)[0].wrapped_key is None
    missing = CliRunner().invoke(cli_app, ["cancel", "nope"], env=env)
    assert missing.exit_code == 1 and "no batch or job" in missing.stderr
    engine.dispose()
