"""Fixtures every sealq test may use: key files, databases, Redis and settings.

Servers are real: PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379. A fixture that
needs one and cannot reach it fails the test (it never skips), so a CI run without its
servers is red, not quietly green.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from psycopg import sql
from sqlalchemy.engine import make_url

import migrations
from schemas.constants import DEFAULT_TENANT
from schemas.keyfile import init_key_file
from schemas.settings import Settings
from schemas.tables import JobBase

# Where PostgreSQL test databases are created (trust auth, the superuser).
PG_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/"
PG_ADMIN_CONNINFO = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
# A Redis database number reserved for these tests: flushed before each test that asks for it.
# PYTEST_SEALQ_REDIS_DB moves it, so two checkouts can run their suites on one Redis at once.
TEST_REDIS_DB = int(os.environ.get("PYTEST_SEALQ_REDIS_DB", "11"))
TEST_REDIS_URL = f"redis://127.0.0.1:6379/{TEST_REDIS_DB}"

SettingsFactory = Callable[..., Settings]


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    """A fresh master key file (mode 0600, one primary key) in the test's tmp dir."""
    path = tmp_path / "keys" / "sealq-keys.json"
    init_key_file(path)
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The URL of a SQLite file in the test's tmp dir (not migrated)."""
    return f"sqlite:///{tmp_path / 'sealq.db'}"


def _admin_connection() -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(PG_ADMIN_CONNINFO, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as e:
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is unreachable ({e}); start it, "
                    "see ENV-NOTES.md", pytrace=False)


@contextmanager
def _fresh_pg_database() -> Iterator[str]:
    """Create `sealq_t_<random>`, yield its URL, then drop it."""
    name = f"sealq_t_{secrets.token_hex(6)}"
    with _admin_connection() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{PG_SERVER_URL}{name}"
    finally:
        with _admin_connection() as admin:
            # FORCE: a pool the test forgot to dispose must not keep the database alive.
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                          .format(sql.Identifier(name)))


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database `sealq_t_<random>`, dropped after the test."""
    with _fresh_pg_database() as url:
        yield url


@pytest.fixture(scope="module")
def _pg_migrated_module_db() -> Iterator[str]:
    """One migrated PostgreSQL database per test module (creating one per test is slow)."""
    with _fresh_pg_database() as url:
        migrations.upgrade(url)
        yield url


def _empty_job_tables(url: str) -> None:
    """Delete every row of the job database's tables, keeping the schema and its revision."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    tables = sql.SQL(", ").join(sql.Identifier(t.name) for t in JobBase.metadata.sorted_tables)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        # Connections an earlier test leaked go, as they would with a dropped database: an
        # idle transaction of theirs must not hold a lock into this test.
        connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        connection.execute("SET lock_timeout = '10s'")
        connection.execute(sql.SQL("TRUNCATE {} CASCADE").format(tables))
        # What the migration seeds, as a fresh database has it.
        connection.execute("INSERT INTO tenants (name, weight, created_at) "
                           "VALUES (%s, 1, now())", (DEFAULT_TENANT,))


@pytest.fixture(scope="session")
def _sqlite_migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session, copied for each test that needs one."""
    path = tmp_path_factory.mktemp("template") / "sealq.db"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty job database, once on SQLite and once on PostgreSQL.

    SQLite is a fresh copy of a migrated file per test. PostgreSQL is shared by the tests of
    one module and emptied before each. `migrations.upgrade` runs on it every time (a no-op
    on the copy and after the module's first test).
    """
    if request.param == "sqlite":
        url: str = request.getfixturevalue("sqlite_url")
        database = make_url(url).database
        assert database is not None
        shutil.copyfile(request.getfixturevalue("_sqlite_migrated_template"), database)
    else:
        url = request.getfixturevalue("_pg_migrated_module_db")
        _empty_job_tables(url)
    migrations.upgrade(url)
    return url


@pytest.fixture
def redis_url() -> Iterator[str]:
    """redis://127.0.0.1:6379/11, flushed before the test."""
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=5)
    try:
        client.flushdb()
    except redis.ConnectionError as e:
        pytest.fail(f"Redis at 127.0.0.1:6379 is unreachable ({e}); start it, "
                    "see ENV-NOTES.md", pytrace=False)
    finally:
        client.close()
    yield TEST_REDIS_URL


@pytest.fixture
def settings_factory(tmp_path: Path, keys_file: Path, sqlite_url: str) -> SettingsFactory:
    """Build Settings from keyword arguments; defaults: tmp SQLite, test Redis, tmp key file.

    Nothing is read from an env file; keyword arguments win over any SEALQ_* variable.
    """

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": sqlite_url,
            "broker_url": TEST_REDIS_URL,
            "keys_file": keys_file,
            "key_store_url": f"sqlite:///{tmp_path / 'sealq-keystore.db'}",
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return build
