"""The `sealq` front loads a command's module only when that command is used.

The import checks run the real command line in a child process and read `sys.modules` at its
exit. The child sees the entry points declared in pyproject.toml (a dist-info written for the
test, ahead of any installed one), so the check is about this checkout, not an older install.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
import textwrap
import tomllib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest
import typer
from sqlalchemy import insert
from typer.testing import CliRunner

import migrations
from producer.cli import COMMANDS, app
from producer.cli_group import LazyGroup, load_command
from producer.tracker import BATCHES, JOBS
from schemas.commands import CommandRef
from schemas.db import make_engine
from schemas.states import JobState
from schemas.tables import Batch, Job

ROOT = Path(__file__).resolve().parents[2]
# What none of the light commands may import: the broker client stack, the worker side, the
# engine, the policy, the dashboards. (Their own commands import them when they run.)
HEAVY = ("celery", "kombu", "redis", "workers", "vllm", "torch", "transformers",
         "presidio_analyzer", "presidio_anonymizer", "flower", "tornado", "prometheus_client",
         "jsonschema", "cryptography", "psutil")
# What counting a batch's jobs (`status`, `wait`) does without: it is one SQLAlchemy Core query,
# so neither the ORM nor the table classes load, nor the settings of the other processes.
NOT_FOR_COUNTING = ("sqlalchemy.orm", "schemas.tables", "producer.store", "producer.lifecycle",
                    "producer.client", "schemas.ops_settings", "alembic", "migrations")
# Runs the command line, then writes the top-level names of every imported module to argv[1].
PROBE = textwrap.dedent("""
    import json, sys
    out, sys.argv = sys.argv[1], ["sealq", *sys.argv[2:]]
    from producer.cli import main
    try:
        main()
    except SystemExit as e:
        code = e.code
    else:
        code = 0
    with open(out, "w") as f:
        json.dump({"code": code, "modules": sorted(sys.modules)}, f)
""")


@pytest.fixture(scope="module")
def declared_entry_points(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a sealq dist-info whose entry points are pyproject.toml's."""
    folder = tmp_path_factory.mktemp("dist")
    info = folder / "sealq-0.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sealq\nVersion: 0.0.0\n")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = ["[sealq.commands]"]
    lines += [f"{name} = {target}"
              for name, target in project["entry-points"]["sealq.commands"].items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture
def sqlite_batch(tmp_path: Path) -> tuple[dict[str, str], str]:
    """A migrated SQLite job database with one empty batch; the env to reach it, and its id."""
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    migrations.upgrade(url)
    batch_id = uuid.uuid4().hex
    now = datetime(2026, 12, 1, tzinfo=UTC)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(Batch), [{
            "id": batch_id, "tenant": "acme", "kind": "free_text", "queue": "sealq",
            "submit_key": "k", "job_count": 0, "created_at": now,
            "expires_at": now + timedelta(days=1)}])
    engine.dispose()
    env = {"SEALQ_DATABASE_URL": url, "SEALQ_BROKER_URL": "redis://127.0.0.1:1/0",
           "SEALQ_KEYS_FILE": str(tmp_path / "no-keys.json")}
    return env, batch_id


def imported_by(args: list[str], tmp_path: Path, dist: Path,
                env: dict[str, str] | None = None) -> tuple[int, set[str]]:
    """Run `sealq ARGS` in a fresh interpreter; its exit code and the modules it imported."""
    out = tmp_path / f"modules-{uuid.uuid4().hex}.json"
    child_env = {name: value for name, value in os.environ.items()
                 if not name.startswith("SEALQ_")}
    child_env.update(env or {})
    child_env["PYTHONPATH"] = os.pathsep.join([str(dist), str(ROOT)])
    done = subprocess.run([sys.executable, "-c", PROBE, str(out), *args], env=child_env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.exists(), done.stderr
    report = json.loads(out.read_text())
    return int(report["code"] or 0), set(report["modules"])


def top_level(modules: set[str]) -> set[str]:
    """The packages these modules belong to."""
    return {name.split(".")[0] for name in modules}


def within(modules: set[str], packages: tuple[str, ...]) -> set[str]:
    """The modules that are one of these packages or modules, or inside one."""
    return {name for name in modules
            if any(name == package or name.startswith(f"{package}.") for package in packages)}


def test_status_json_imports_none_of_the_heavy_modules(
        tmp_path: Path, declared_entry_points: Path,
        sqlite_batch: tuple[dict[str, str], str]) -> None:
    """`sealq status BATCH --json` answers without Celery, Redis, the worker side or rich."""
    env, batch_id = sqlite_batch
    code, modules = imported_by(["status", batch_id, "--json"], tmp_path,
                                declared_entry_points, env)
    assert code == 0
    found = top_level(modules) & {*HEAVY, "rich"}
    assert not found, sorted(found)


def test_status_json_counts_without_the_orm_or_other_settings(
        tmp_path: Path, declared_entry_points: Path,
        sqlite_batch: tuple[dict[str, str], str]) -> None:
    """`sealq status BATCH --json` counts with SQLAlchemy Core alone and reads one settings
    class: the ORM, the table classes, alembic and the ops settings stay unloaded."""
    env, batch_id = sqlite_batch
    code, modules = imported_by(["status", batch_id, "--json"], tmp_path,
                                declared_entry_points, env)
    assert code == 0
    found = within(modules, NOT_FOR_COUNTING)
    assert not found, sorted(found)


def test_status_json_prints_every_state_or_fails_for_an_unknown_batch(
        sqlite_batch: tuple[dict[str, str], str]) -> None:
    """The Core count answers every state (zero where none); an unknown batch is exit 1."""
    env, batch_id = sqlite_batch
    result = CliRunner().invoke(app, ["status", batch_id, "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {state.value: 0 for state in JobState}
    missing = CliRunner().invoke(app, ["status", "0" * 32, "--json"], env=env)
    assert missing.exit_code == 1
    assert missing.stderr == f"sealq: no batch with id {'0' * 32!r}\n"


def test_counting_names_the_tables_and_columns_of_the_schema() -> None:
    """The Core clauses status counts with name real tables and columns of schemas.tables."""
    for clause, mapped in ((BATCHES, Batch), (JOBS, Job)):
        assert clause.name == mapped.__tablename__
        assert set(clause.c.keys()) <= set(mapped.__table__.c.keys())


@pytest.mark.parametrize("args", [["batches", "--json"], ["cancel", "f" * 32, "--json"]])
def test_other_reading_commands_stay_light(
        tmp_path: Path, declared_entry_points: Path,
        sqlite_batch: tuple[dict[str, str], str], args: list[str]) -> None:
    """Listing batches and cancelling touch the job database only."""
    env, _ = sqlite_batch
    _, modules = imported_by(args, tmp_path, declared_entry_points, env)
    found = top_level(modules) & set(HEAVY)
    assert not found, sorted(found)


def test_help_lists_every_command_without_loading_any(
        tmp_path: Path, declared_entry_points: Path) -> None:
    """`sealq --help` imports no command module, no settings and no database layer."""
    code, modules = imported_by(["--help"], tmp_path, declared_entry_points)
    assert code == 0
    found = top_level(modules) & {*HEAVY, "sqlalchemy", "pydantic_settings", "migrations"}
    # The worker side's command list is read (one module of references), nothing else of it.
    assert found == {"workers"}, sorted(found)
    assert {name for name in modules if name.startswith("workers")} == {
        "workers", "workers.commands"}
    assert not any(name.startswith("producer.commands.") for name in modules)


def test_a_command_module_is_imported_when_its_help_is_shown(
        tmp_path: Path, declared_entry_points: Path) -> None:
    """`sealq flower --help` loads the Flower command's module (and only then)."""
    code, modules = imported_by(["flower", "--help"], tmp_path, declared_entry_points)
    assert code == 0 and "workers.ops.cli" in modules
    assert "producer.commands.jobs" not in modules


def test_every_reference_loads_and_its_help_line_is_the_commands_own() -> None:
    """Each CommandRef names a real command whose own help starts with the listed line."""
    import workers.commands

    refs = dict(COMMANDS)
    refs.update({name: ref for name, ref in vars(workers.commands).items()
                 if isinstance(ref, CommandRef)})
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert set(project["entry-points"]["sealq.commands"]) == set(refs) - set(COMMANDS)
    for name, ref in refs.items():
        command = load_command(name, ref)
        own = inspect.cleandoc(command.help or "").splitlines()[0]
        assert own == ref.help, f"{name}: listed {ref.help!r}, its own help says {own!r}"
        importlib.import_module(ref.module)


def test_unknown_command_suggests_the_closest() -> None:
    """A mistyped command fails with a usage error naming the command it resembles."""
    result = CliRunner().invoke(app, ["statsu", "x"])
    assert result.exit_code == 2
    assert "statsu" in result.output and "status" in result.output


def test_sub_command_help_comes_from_the_loaded_command() -> None:
    """`sealq batches --help` shows that command's own options."""
    result = CliRunner().invoke(app, ["batches", "--help"])
    assert result.exit_code == 0
    assert "--tenant" in result.output and "--after" in result.output


def test_a_command_whose_module_is_missing_fails_in_one_line() -> None:
    """A reference to a module that is not installed is a usage error naming what is missing."""

    ghost = CommandRef("sealq_absent_side.cli:ghost", help="Not here.", panel="Workers")

    class Group(LazyGroup):
        refs: ClassVar[dict[str, CommandRef]] = {"ghost": ghost}

    ghost_app = typer.Typer(cls=Group, add_completion=False)

    @ghost_app.callback()
    def _root() -> None:
        """A group with one missing command."""

    listed = CliRunner().invoke(ghost_app, ["--help"])
    assert listed.exit_code == 0 and "Not here." in listed.output
    result = CliRunner().invoke(ghost_app, ["ghost"])
    assert result.exit_code == 2
    assert result.stderr == ("sealq: `sealq ghost` is not available here: sealq_absent_side.cli "
                             "cannot be imported (sealq_absent_side is missing)\n")
