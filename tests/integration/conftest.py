"""A producer and a worker's store wired to real databases and Redis, with a settable clock.

Test modules reach everything through the `harness` / `make_harness` fixtures (helpers are
methods of Harness), so they never import this conftest at run time.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, select

from producer.client import Client
from producer.store import ProducerStore
from schemas.db import make_engine
from schemas.jobs import BatchLine, JobState, ResultPayload
from schemas.keyfile import load_key_file
from schemas.keystore import KeyStore
from schemas.kinds import load_kinds
from schemas.sealing import Sealer, facts_of
from schemas.tables import JobBase
from workers.store import Outcome, WorkerStore

# A fixed start time: every judgement of expiry and lease takes its `now` from here.
T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
# Tenants every harness registers (the default tenant comes with the migration).
TEST_TENANTS = ("acme", "globex")
# Confidential text stand-in: it must never be found in Redis or in any database column.
CANARY = "CANARY-4c1d-merger-with-acme-confidential"


class Clock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        """Move time forward; returns the new now."""
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass
class Harness:
    """One producer client plus what a worker would hold, on the same databases."""

    client: Client
    clock: Clock
    jobs: Engine
    keys: Engine
    worker_sealer: Sealer  # a worker's own Sealer: same key store, its own cache
    canary: str = CANARY

    @staticmethod
    def lines(*custom_ids: str, content: str = CANARY) -> list[BatchLine]:
        """Batch lines with these custom ids, each asking about `content`."""
        return [BatchLine.from_request_body(
            {"messages": [{"role": "user", "content": f"{content} #{custom_id}"}],
             "max_tokens": 16}, custom_id) for custom_id in custom_ids]

    @staticmethod
    def jsonl(lines: list[BatchLine]) -> str:
        """Batch lines as the text of a JSONL file."""
        return "".join(json.dumps(line.model_dump(mode="json")) + "\n" for line in lines)

    def worker_store(self, *, owner: str = "worker-1", lease_seconds: int = 60,
                     max_attempts: int = 3) -> WorkerStore:
        """A WorkerStore on the job database, as one worker process holds it."""
        return WorkerStore(self.jobs, owner=owner, lease_seconds=lease_seconds,
                           max_attempts=max_attempts)

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of a job-database table, as dicts (times aware UTC, as the models read)."""
        with self.jobs.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(
                select(JobBase.metadata.tables[table]))]

    def count(self, table: str) -> int:
        """How many rows a job-database table holds."""
        return len(self.rows(table))

    def finish(self, job_id: str, content: str, *, fail_code: str | None = None) -> None:
        """Do what a worker does: claim, open the prompt, seal a result (or fail) and the
        outcome's facts, finish."""
        store = self.worker_store()
        now = self.clock()
        claim = store.claim(job_id, now=now)
        assert claim is not None
        binding = claim.binding
        prompt = self.worker_sealer.open(binding, claim.wrapped_key, claim.sealed_prompt,
                                         "prompt", now=now)
        assert self.canary.encode() in prompt
        if fail_code is not None:
            outcome = Outcome(JobState.FAILED, error_code=fail_code)
        else:
            payload = ResultPayload(content=content, finish_reason="stop", model="test-model")
            sealed = self.worker_sealer.seal(binding, claim.wrapped_key,
                                             payload.model_dump_json().encode(), "result",
                                             now=now)
            outcome = Outcome(JobState.SUCCEEDED, sealed_result=sealed, prompt_tokens=11,
                              completion_tokens=5, finish_reason="stop",
                              policy={"pii_email": 1})
        facts = facts_of(outcome)
        assert facts is not None
        outcome = dataclasses.replace(outcome, sealed_outcome=self.worker_sealer.seal_facts(
            binding, claim.wrapped_key, facts, now=now))
        assert store.finish(claim, outcome, now=self.clock.advance(2))

    def dump(self) -> bytes:
        """Every stored value of the job database and the key store, as bytes."""
        return dump_database(self.jobs) + b"\n" + dump_database(self.keys)


def dump_database(engine: Engine) -> bytes:
    """Every value of every column of every table, as bytes, for searching."""
    metadata = MetaData()
    metadata.reflect(engine)
    chunks: list[bytes] = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        chunks.append(bytes(value))
                    else:
                        chunks.append(str(value).encode())
    return b"\n".join(chunks)


HarnessFactory = Callable[..., Harness]


@pytest.fixture
def make_harness(db_url: str, keys_file: Path, tmp_path: Path) -> Iterator[HarnessFactory]:
    """Build harnesses on the migrated db_url and a tmp key store; engines disposed after."""
    engines: list[Engine] = []
    clients: list[Client] = []

    # broker_url: the Redis the calling test works with. Producers never connect to a broker
    # (jobs wait in the database for the dispatcher), so the harness does not use it.
    def build(broker_url: str, *, key_bucket_seconds: int = 3600,
              default_ttl_seconds: int = 3600) -> Harness:
        master = load_key_file(keys_file)
        jobs = make_engine(db_url, pool_size=4)
        keys = make_engine(f"sqlite:///{tmp_path / 'sealq-keystore.db'}")
        engines.extend([jobs, keys])
        producer_keys = KeyStore(keys, master, bucket_seconds=key_bucket_seconds)
        producer_keys.create_schema()
        clock = Clock()
        client = Client(store=ProducerStore(jobs), sealer=Sealer(producer_keys),
                        kinds=load_kinds(),
                        default_ttl_seconds=default_ttl_seconds, queue="sealq", clock=clock)
        clients.append(client)
        for tenant in TEST_TENANTS:
            if client.tenants.get(tenant) is None:
                client.tenants.add(tenant, now=clock())
        worker_keys = KeyStore(keys, master, bucket_seconds=key_bucket_seconds)
        return Harness(client=client, clock=clock, jobs=jobs, keys=keys,
                       worker_sealer=Sealer(worker_keys))

    yield build
    for client in clients:
        client.close()
    for engine in engines:
        engine.dispose()


@pytest.fixture
def harness(make_harness: HarnessFactory, redis_url: str) -> Harness:
    """A harness on the test databases; its producer stores jobs waiting, publishing nothing."""
    return make_harness(redis_url)


@pytest.fixture
def gateway_factory(harness: Harness, redis_url: str) -> Iterator[Callable[..., Any]]:
    """Start gateways over the harness's databases (real HTTP, real Redis); stopped after."""
    from support.gateway import serve

    from producer.api.gateway import Defaults, Gateway
    from producer.api.limiter import RateLimiter
    from producer.audit import AuditLog

    stack = ExitStack()

    def start(*, key_cache_seconds: float = 0, ticker: Any = None, **defaults: Any) -> Any:
        gateway = Gateway(client=harness.client, store=harness.client.store,
                          files=harness.client.files, audit=AuditLog(harness.jobs),
                          limiter=RateLimiter(redis_url), defaults=Defaults(**defaults),
                          # Jobs are finished and keys revoked by hand between calls: every
                          # read goes to the database unless a test asks otherwise.
                          clock=harness.clock, batch_fresh_seconds=0,
                          key_cache_seconds=key_cache_seconds,
                          **({"ticker": ticker} if ticker else {}))
        return stack.enter_context(serve(gateway))

    with stack:
        yield start


@pytest.fixture
def gateway(gateway_factory: Callable[..., Any]) -> Any:
    """One gateway with the default limits (tests/support/gateway.py's GatewayServer)."""
    return gateway_factory()
