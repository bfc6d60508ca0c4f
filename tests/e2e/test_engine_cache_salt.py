"""Tenants do not share the real engine's prefix cache: vLLM's own counters, on the CPU model.

Jobs go through the real producer and the real Generator (SQLite, Redis, the policy) onto the
session's vLLM engine. Runs before test_vllm_engine.py, whose last test closes that engine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

import migrations
from producer.client import Client
from schemas.jobs import BatchLine
from schemas.tables import Job
from workers.engine.base import GenerationRequest
from workers.generate import Generator
from workers.policy import PolicyEngine
from workers.runtime import Foundations, build_generator, load_foundations

pytestmark = pytest.mark.e2e

# A shared opening of several hundred tokens: many full KV blocks whichever block size the
# CPU backend picked.
REPORT = " ".join(
    f"Section {n}: the regional branch network reported steady deposits, moderate loan growth "
    f"and stable operating costs for quarter {n % 4 + 1}, with no change in headcount."
    for n in range(1, 25))


def ask(question: str) -> dict[str, Any]:
    """A request whose user message is the shared report, then a question."""
    return {"messages": [{"role": "user", "content": f"{REPORT}\n\nQuestion: {question}"}],
            "max_tokens": 4, "temperature": 0}


@pytest.fixture
def deployment(settings_factory: Any, sqlite_url: str, redis_url: str,
               vllm_engine: Any) -> Iterator[tuple[Client, Generator, Any, Any]]:
    """A producer, a worker's Generator on the session's real engine, and a job-id lookup."""
    migrations.upgrade(sqlite_url)
    settings = settings_factory(database_url=sqlite_url, broker_url=redis_url)
    foundations: Foundations = load_foundations(settings)
    generator = build_generator(foundations, engine=vllm_engine, policy=PolicyEngine(),
                                owner="cache-salt-test")
    client = Client.from_settings(settings)
    for tenant in ("acme", "globex"):
        client.tenants.add(tenant, now=datetime.now(UTC))

    def job_ids(batch_id: str) -> list[str]:
        with foundations.jobs_db.connect() as connection:
            return list(connection.scalars(select(Job.id).where(Job.batch_id == batch_id)))

    yield client, generator, vllm_engine, job_ids
    client.close()
    foundations.jobs_db.dispose()


def counters(engine: Any) -> tuple[int, int]:
    """The engine's prefix-cache (queries, hits) so far, in tokens."""
    stats = engine.stats()
    return stats.prefix_cache_queries_total or 0, stats.prefix_cache_hits_total or 0


def hits_of(engine: Any, run: Any) -> int:
    """Prefix-cache hits (tokens) caused by `run()`, once vLLM has reported its step."""
    queries, hits = counters(engine)
    run()
    deadline = time.monotonic() + 30
    while counters(engine)[0] == queries and time.monotonic() < deadline:
        time.sleep(0.05)
    assert counters(engine)[0] > queries, "vLLM reported no prefix-cache lookup"
    return counters(engine)[1] - hits


def test_identical_prefixes_hit_within_a_tenant_and_never_across(deployment: Any) -> None:
    """Tenant B's identical prompt finds none of tenant A's cached blocks; A's next prompt
    with the same opening does; unsalted requests (what sealq sent before) would share."""
    client, generator, engine, job_ids = deployment
    prompt_tokens: list[int] = []

    def run_job(tenant: str, custom_id: str, question: str) -> None:
        batch = client.submit([BatchLine.from_request_body(ask(question), custom_id)],
                              tenant=tenant)
        [job_id] = job_ids(batch.batch_id)
        assert generator.run(job_id) == "succeeded"
        [record] = client.results(batch.batch_id)
        assert record["error"] is None
        prompt_tokens.append(record["response"]["body"]["usage"]["prompt_tokens"])

    first = hits_of(engine, lambda: run_job("acme", "a-1", "What happened to deposits?"))
    other_tenant = hits_of(engine, lambda: run_job("globex", "b-1",
                                                   "What happened to deposits?"))
    same_tenant = hits_of(engine, lambda: run_job("acme", "a-2", "What about costs?"))
    print(f"\nprompts of {prompt_tokens} tokens; prefix-cache hits (tokens): acme first "
          f"{first}, globex identical prompt {other_tenant}, acme again {same_tenant}")
    assert other_tenant == 0
    assert same_tenant > 0

    # The control: without salts (as before), a second identical prompt reuses the first's.
    chat = [{"role": "user", "content": ask("Unsalted?")["messages"][0]["content"]}]

    def unsalted(request_id: str) -> None:
        engine.submit(GenerationRequest(request_id, chat, max_tokens=4)).result(300)

    hits_of(engine, lambda: unsalted("plain-1"))
    assert hits_of(engine, lambda: unsalted("plain-2")) > 0
