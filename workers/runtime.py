"""Wiring a worker process from settings: stores, keys, kinds, policy, and its one engine."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine as SqlEngine
from sqlalchemy import inspect

from schemas.constants import KEY_STORE_POOL_SIZE
from schemas.db import make_engine, store_errors
from schemas.errors import ConfigError
from schemas.keyring import KeyRing
from schemas.keystore import KeyStore
from schemas.kinds import KindRegistry, load_kinds
from schemas.sealing import Sealer
from schemas.settings import Settings
from workers.cache_salt import TenantSalt
from workers.engine.base import Engine
from workers.generate import Generator, Policy
from workers.store import WorkerStore


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def worker_name() -> str:
    """A name unique to this process, for leases and Celery."""
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass(frozen=True)
class Foundations:
    """Everything a worker or beat needs before any engine exists."""

    settings: Settings
    jobs_db: SqlEngine
    keystore: KeyStore
    kinds: KindRegistry


def load_foundations(settings: Settings) -> Foundations:
    """Keys, kinds and databases, each checked now so a bad one fails at start (exit 2)."""
    master = KeyRing.from_file(settings.keys_file)
    kinds = load_kinds(settings.kinds_file)
    jobs_db = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    with store_errors():
        tables = set(inspect(jobs_db).get_table_names())
    if "jobs" not in tables:
        raise ConfigError("the job database has no tables; run `sealq db upgrade` first")
    keystore_db = make_engine(settings.resolved_key_store_url, pool_size=KEY_STORE_POOL_SIZE)
    keystore = KeyStore(keystore_db, master, bucket_seconds=settings.key_bucket_seconds)
    with store_errors("key store"):
        keystore.create_schema()
    return Foundations(settings=settings, jobs_db=jobs_db, keystore=keystore, kinds=kinds)


def build_generator(foundations: Foundations, *, engine: Engine, policy: Policy,
                    owner: str, clock: Callable[[], datetime] = utc_now) -> Generator:
    """The job runner for this process."""
    settings = foundations.settings
    store = WorkerStore(foundations.jobs_db, owner=owner, lease_seconds=settings.lease_seconds,
                        max_attempts=settings.max_attempts)
    return Generator(store=store, sealer=Sealer(foundations.keystore), engine=engine,
                     kinds=foundations.kinds, policy=policy, clock=clock,
                     cache_salt=TenantSalt.fresh())
