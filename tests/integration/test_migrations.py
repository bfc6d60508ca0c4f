"""Alembic migrations on fresh SQLite and PostgreSQL: tables created, idempotent, match models."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect

import migrations
from schemas.tables import JobBase

pytestmark = pytest.mark.integration

HEAD = ScriptDirectory.from_config(migrations.alembic_config("sqlite://")).get_current_head()

JOB_TABLES = {"batches", "jobs", "tenants", "api_keys", "files", "file_lines", "audit_events",
              "workers", "dispatcher"}


def head_revision() -> str:
    """The newest revision among the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(migrations.alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest) -> str:
    """An empty database that has never been migrated, on each backend."""
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


@pytest.fixture
def engine(fresh_url: str) -> Iterator[Engine]:
    """A plain engine on the fresh database, disposed after the test."""
    engine = create_engine(fresh_url)
    yield engine
    engine.dispose()


def schema_snapshot(engine: Engine) -> dict[str, Any]:
    """Tables with their columns, indexes, unique and foreign keys, as reflected."""
    inspector = inspect(engine)
    snapshot: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        snapshot[table] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"])
                        for c in inspector.get_columns(table)],
            "indexes": sorted((i["name"] or "", tuple(i["column_names"]))
                              for i in inspector.get_indexes(table)),
            "uniques": sorted((u["name"] or "", tuple(u["column_names"]))
                              for u in inspector.get_unique_constraints(table)),
            "foreign_keys": sorted((f["name"] or "", tuple(f["constrained_columns"]))
                                   for f in inspector.get_foreign_keys(table)),
        }
    return snapshot


def model_diffs(engine: Engine) -> list[Any]:
    """What alembic's autogenerate would change to make the database match the models."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "compare_server_default": True})
        return list(compare_metadata(context, JobBase.metadata))


def test_upgrade_creates_the_tables(fresh_url: str, engine: Engine) -> None:
    """upgrade on a fresh database creates every job table and records the head revision."""
    assert migrations.current(fresh_url) is None
    migrations.upgrade(fresh_url)
    assert JOB_TABLES | {"alembic_version"} == set(inspect(engine).get_table_names())
    assert migrations.current(fresh_url) == HEAD


def test_upgrade_twice_is_a_no_op(fresh_url: str, engine: Engine) -> None:
    """A second upgrade changes nothing: same revision, same schema."""
    migrations.upgrade(fresh_url)
    before = schema_snapshot(engine)
    migrations.upgrade(fresh_url)
    assert migrations.current(fresh_url) == HEAD
    assert schema_snapshot(engine) == before


def test_migrated_schema_matches_the_models(fresh_url: str, engine: Engine) -> None:
    """The migrated schema is what schemas.tables declares: autogenerate finds no difference."""
    migrations.upgrade(fresh_url)
    assert model_diffs(engine) == []


def test_model_drift_would_be_caught(fresh_url: str, engine: Engine) -> None:
    """The comparison is live: a database missing an index shows up as a difference."""
    migrations.upgrade(fresh_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_jobs_state_expires_at")
    diffs = model_diffs(engine)
    assert [d[0] for d in diffs] == ["add_index"]
    assert diffs[0][1].name == "ix_jobs_state_expires_at"


def test_downgrade_removes_the_tables(fresh_url: str, engine: Engine) -> None:
    """Downgrading to base drops the job tables, and upgrading again restores them."""
    from alembic import command

    migrations.upgrade(fresh_url)
    command.downgrade(migrations.alembic_config(fresh_url), "base")
    assert not JOB_TABLES & set(inspect(engine).get_table_names())
    migrations.upgrade(fresh_url)
    assert model_diffs(engine) == []


def test_upgrade_registers_the_tenants_that_have_work(fresh_url: str, engine: Engine) -> None:
    """A database from before tenants existed keeps working: its tenants are registered."""
    migrations.upgrade(fresh_url, "0001")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO batches (id, tenant, kind, queue, submit_key, job_count, created_at, "
            "expires_at) VALUES ('b1', 'acme', 'free_text', 'sealq', 'k', 0, "
            "'2030-01-01 00:00:00', '2030-01-02 00:00:00')")
    migrations.upgrade(fresh_url)
    with engine.connect() as connection:
        names = {row[0] for row in connection.exec_driver_sql("SELECT name FROM tenants")}
    assert names == {"acme", "default"}


def test_upgrade_puts_earlier_batches_and_jobs_in_the_normal_lane(fresh_url: str,
                                                                  engine: Engine) -> None:
    """Batches and jobs stored before lanes existed come through the upgrade in `normal`."""
    migrations.upgrade(fresh_url, "0004")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO batches (id, tenant, kind, queue, submit_key, job_count, created_at, "
            "expires_at) VALUES ('b1', 'default', 'free_text', 'sealq', 'k', 1, "
            "'2030-01-01 00:00:00', '2030-01-02 00:00:00')")
        connection.exec_driver_sql(
            "INSERT INTO jobs (id, batch_id, tenant, custom_id, position, kind, queue, state, "
            "attempts, created_at, expires_at, key_id) VALUES ('j1', 'b1', 'default', 'a', 1, "
            "'free_text', 'sealq', 'queued', 0, '2030-01-01 00:00:00', "
            "'2030-01-02 00:00:00', 'mk-1')")
    migrations.upgrade(fresh_url)
    with engine.connect() as connection:
        lanes = [row[0] for row in connection.exec_driver_sql(
            "SELECT priority FROM batches UNION ALL SELECT priority FROM jobs")]
    assert lanes == ["normal", "normal"]
