"""An unknown SEALQ_* variable stops a command with one line naming it, not silence."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from producer.cli import app
from schemas.environment import (
    OTHER_VARIABLES,
    SETTINGS_CLASSES,
    UnknownVariable,
    known_variables,
    settings_classes,
)
from schemas.errors import ConfigError
from schemas.ops_settings import load_exporter_settings
from schemas.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
# Files that set or pass SEALQ_* variables an operator may have in the environment.
OPERATOR_FILES = [".env.example", "compose/docker-compose.yml", "compose/Dockerfile",
                  "compose/make-secrets.sh", "scripts/setup.sh", "scripts/quickstart.sh",
                  "scripts/test.sh", "scripts/prereqs.sh", ".ci/run"]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Only the three required SEALQ_* variables set."""
    for name in list(os.environ):
        if name.upper().startswith("SEALQ_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SEALQ_DATABASE_URL", f"sqlite:///{tmp_path / 'sealq.db'}")
    monkeypatch.setenv("SEALQ_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("SEALQ_KEYS_FILE", str(tmp_path / "keys.json"))
    return monkeypatch


def refusal(env_file: Path | None = None) -> str:
    """The one-line message load_settings refuses with."""
    with pytest.raises(UnknownVariable) as error:
        load_settings(env_file)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_misspelt_variable_in_the_environment_is_named_with_the_closest(
        env: pytest.MonkeyPatch) -> None:
    """SEALQ_KEYSTORE_URL is refused, suggesting SEALQ_KEY_STORE_URL, naming the environment."""
    env.setenv("SEALQ_KEYSTORE_URL", "postgresql://sealq:secret-pw@keys/sealq_keys")
    message = refusal()
    assert message == ("SEALQ_KEYSTORE_URL (in the environment) is not a sealq setting; "
                       "did you mean SEALQ_KEY_STORE_URL?")
    assert "secret-pw" not in message


def test_misspelt_variable_in_an_env_file_names_the_file(
        env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A misspelt name in the env file is refused too, naming that file."""
    env_file = tmp_path / "sealq.env"
    env_file.write_text("SEALQ_MAX_ATTEMPTS=5\n# comment\nexport SEALQ_LEASE_SECOND=30\n")
    message = refusal(env_file)
    assert message.startswith(f"SEALQ_LEASE_SECOND (in env file {env_file}) is not a sealq "
                              "setting; did you mean SEALQ_LEASE_SECONDS?")


def test_a_name_like_nothing_points_to_the_example_file(env: pytest.MonkeyPatch) -> None:
    """Without a close match the message says where every setting is listed."""
    env.setenv("SEALQ_ZZZ", "1")
    assert refusal().endswith("every setting is listed in .env.example")


def test_a_missing_env_file_is_an_error(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An env file that does not exist is named, not silently skipped."""
    with pytest.raises(ConfigError, match=r"env file .*missing\.env does not exist"):
        load_settings(tmp_path / "missing.env")


def test_names_of_every_settings_class_and_of_compose_are_accepted(
        env: pytest.MonkeyPatch) -> None:
    """Flower's, the exporter's and compose's own SEALQ_* names pass every command's check."""
    for name in ("SEALQ_FLOWER_BASIC_AUTH", "SEALQ_EXPORTER_QUEUES", "SEALQ_IMAGE_TAG",
                 "SEALQ_ENV_FILE", "SEALQ_WORKER_QUEUE", "SEALQ_REDIS_MAXMEMORY"):
        env.setenv(name, "sealq.x")
    assert load_settings().max_attempts == 3
    assert load_exporter_settings().queue == "sealq"


def test_ops_loaders_refuse_unknown_names_too(env: pytest.MonkeyPatch) -> None:
    """The exporter's settings loader applies the same check."""
    env.setenv("SEALQ_EXPORTER_QUEUE", "a,b")
    with pytest.raises(UnknownVariable, match="did you mean SEALQ_EXPORTER_QUEUES"):
        load_exporter_settings()


def test_every_registered_class_is_a_settings_class() -> None:
    """Each SETTINGS_CLASSES entry imports to a pydantic-settings class with the SEALQ_ prefix."""
    classes = list(settings_classes())
    assert len(classes) == len(SETTINGS_CLASSES)
    for settings_class in classes:
        assert issubclass(settings_class, BaseSettings)
        assert settings_class.model_config.get("env_prefix") == "SEALQ_"


@pytest.mark.parametrize("path", OPERATOR_FILES)
def test_every_name_the_deployment_files_use_is_known(path: str) -> None:
    """No SEALQ_* name in the example, compose or scripts would be refused."""
    text = (ROOT / path).read_text()
    names = set(re.findall(r"\bSEALQ_[A-Z0-9_]*[A-Z0-9]\b", text))
    assert names - known_variables() == set()


def test_other_variables_are_no_settings() -> None:
    """The extra list holds only names no settings class reads (no double bookkeeping)."""
    fields = known_variables() - set(OTHER_VARIABLES)
    assert not set(OTHER_VARIABLES) & fields
    assert "SEALQ_KEY_STORE_URL" in fields and "SEALQ_KEYSTORE_URL" not in known_variables()


@pytest.mark.parametrize("args", [["status", "x", "--json"], ["keys", "init", "k.json"],
                                  ["batches"]])
def test_every_command_stops_on_an_unknown_name_with_exit_2(
        env: pytest.MonkeyPatch, tmp_path: Path, args: list[str]) -> None:
    """Whatever the command (even one reading no settings), the typo stops it: one line, 2."""
    env.chdir(tmp_path)
    result = CliRunner().invoke(app, args, env={"SEALQ_KEYSTORE_URL": "sqlite:///k.db"})
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "sealq: SEALQ_KEYSTORE_URL (in the environment) is not a sealq setting; "
        "did you mean SEALQ_KEY_STORE_URL?")
    assert not (tmp_path / "k.json").exists()


def test_env_file_typo_stops_the_command_with_exit_2(
        env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`--env-file` with a misspelt name exits 2 naming the file."""
    env_file = tmp_path / "x.env"
    env_file.write_text("SEALQ_BROKER_ULR=redis://127.0.0.1:6379/0\n")
    result = CliRunner().invoke(app, ["status", "x", "--env-file", str(env_file)])
    assert result.exit_code == 2
    assert f"SEALQ_BROKER_ULR (in env file {env_file})" in result.stderr
    assert "did you mean SEALQ_BROKER_URL?" in result.stderr
