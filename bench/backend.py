"""A throw-away sealq backend: a fresh job database, a private Redis and a key file."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import psycopg
from psycopg import sql

import migrations
from producer.embedded import PrivateRedis
from producer.tenants import TenantDirectory
from schemas.db import make_engine
from schemas.keyfile import init_key_file
from schemas.settings import Settings

Database = Literal["sqlite", "postgresql"]
# The tenant every bench job belongs to (registered in each fresh database).
TENANT = "bench"

# PostgreSQL as the project's machines run it: trust auth for the superuser on loopback.
PG_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/"
PG_ADMIN_CONNINFO = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@dataclass(frozen=True)
class Backend:
    """Where a bench worker and its producer meet, as environment and as Settings."""

    env: dict[str, str]
    settings: Settings


@contextmanager
def fresh_database(kind: Database, workdir: Path) -> Iterator[str]:
    """A migrated job database with the bench's tenant; a PostgreSQL one is dropped after."""
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'sealq.db'}"
        _prepare(url)
        yield url
        return
    name = f"sealq_bench_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN_CONNINFO, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = f"{PG_SERVER_URL}{name}"
        _prepare(url)
        yield url
    finally:
        with psycopg.connect(PG_ADMIN_CONNINFO, autocommit=True) as admin:
            # FORCE: a pool still open somewhere must not keep the database alive.
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                          .format(sql.Identifier(name)))


def _prepare(url: str) -> None:
    migrations.upgrade(url)
    engine = make_engine(url, pool_size=1)
    try:
        TenantDirectory(engine).add(TENANT, now=datetime.now(UTC), rate_limit=1_000_000)
    finally:
        engine.dispose()


@contextmanager
def backend(kind: Database, workdir: Path, *, concurrency: int) -> Iterator[Backend]:
    """Database, Redis and key file in `workdir`; `concurrency` worker threads and engine seqs."""
    workdir.mkdir(parents=True, exist_ok=True)
    keys = workdir / "keys" / "sealq-keys.json"
    init_key_file(keys)
    redis = PrivateRedis.start(workdir)
    try:
        with fresh_database(kind, workdir) as url:
            env = {"SEALQ_DATABASE_URL": url, "SEALQ_BROKER_URL": redis.url,
                   "SEALQ_KEYS_FILE": str(keys), "SEALQ_WORKER_CONCURRENCY": str(concurrency)}
            settings = Settings(database_url=url, broker_url=redis.url, keys_file=keys,
                                worker_concurrency=concurrency)
            yield Backend(env=env, settings=settings)
    finally:
        redis.stop()
