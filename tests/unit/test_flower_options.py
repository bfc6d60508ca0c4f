"""`sealq flower` honours Flower's documented FLOWER_* variables, or refuses them by name."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from schemas.errors import ConfigError
from schemas.ops_settings import (
    REFUSED_FLOWER_VARIABLES,
    FlowerSettings,
    check_flower_variables,
    load_flower_settings,
)
from workers.ops import cli as ops_cli
from workers.ops.flower import FlowerLaunch, flower_launch

BROKER = "redis://flower:broker-secret@127.0.0.1:6379/0"
BASIC = "ops:correct-horse-battery"
# Every option Flower 2 defines (flower/options.py) and the variables its handlers read.
FLOWER_DOCUMENTED = {
    "port", "address", "unix_socket", "debug", "inspect_timeout", "auth", "basic_auth",
    "oauth2_key", "oauth2_secret", "oauth2_redirect_uri", "max_workers", "max_tasks", "db",
    "persistent", "state_save_interval", "broker_api", "ca_certs", "certfile", "keyfile",
    "xheaders", "auto_refresh", "purge_offline_workers", "cookie_secret", "conf",
    "enable_events", "format_task", "natural_time", "tasks_columns", "auth_provider",
    "url_prefix", "task_runtime_metric_buckets", "read_only", "unauthenticated_api",
    "github_oauth_domain", "gitlab_oauth_domain", "gitlab_auth_allowed_groups",
    "gitlab_min_access_level", "oauth2_okta_base_url",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the broker and basic auth set; no FLOWER_* from the machine."""
    for name in list(os.environ):
        if name.startswith(("SEALQ_", "FLOWER_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SEALQ_BROKER_URL", BROKER)
    monkeypatch.setenv("SEALQ_FLOWER_BASIC_AUTH", BASIC)


def launch(tmp_path: Path, *, address: str | None = None, port: int | None = None,
           read_only: bool | None = None, env_file: Path | None = None) -> FlowerLaunch:
    """flower_launch on settings read from the environment, as `sealq flower` does."""
    return flower_launch(load_flower_settings(env_file), address=address, port=port,
                         read_only=read_only, state_dir=tmp_path,
                         base_env={"PATH": "/usr/bin"})


def test_every_documented_flower_variable_is_honoured_or_refused() -> None:
    """No documented Flower option falls through: each is a setting or a refusal."""
    honoured = {field.validation_alias.removeprefix("FLOWER_").lower()
                for field in FlowerSettings.model_fields.values()
                if isinstance(field.validation_alias, str)}
    refused = {name.removeprefix("FLOWER_").lower() for name in REFUSED_FLOWER_VARIABLES}
    assert FLOWER_DOCUMENTED - honoured - refused == set()
    assert honoured & refused == set()


def test_address_port_and_url_prefix_come_from_flowers_variables(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """FLOWER_ADDRESS, FLOWER_PORT and FLOWER_URL_PREFIX reach Flower when no option is given."""
    monkeypatch.setenv("FLOWER_ADDRESS", "0.0.0.0")  # noqa: S104  # the value under test
    monkeypatch.setenv("FLOWER_PORT", "5601")
    monkeypatch.setenv("FLOWER_URL_PREFIX", "/ops/flower/")
    result = launch(tmp_path)
    assert "--address=0.0.0.0" in result.argv and "--port=5601" in result.argv
    assert result.env["FLOWER_URL_PREFIX"] == "ops/flower"


def test_command_line_options_win_over_flowers_variables(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """--address, --port and --read-only beat FLOWER_ADDRESS, FLOWER_PORT, FLOWER_READ_ONLY."""
    monkeypatch.setenv("FLOWER_ADDRESS", "0.0.0.0")  # noqa: S104  # the value under test
    monkeypatch.setenv("FLOWER_PORT", "5601")
    monkeypatch.setenv("FLOWER_READ_ONLY", "false")
    result = launch(tmp_path, address="127.0.0.2", port=6000, read_only=True)
    assert "--address=127.0.0.2" in result.argv and "--port=6000" in result.argv
    assert result.env["FLOWER_READ_ONLY"] == "true"
    assert launch(tmp_path).env["FLOWER_READ_ONLY"] == "false"


def test_defaults_stay_loopback_5555_read_only(tmp_path: Path) -> None:
    """With nothing set, Flower listens on 127.0.0.1:5555, read-only."""
    result = launch(tmp_path)
    assert result.argv[-3:] == ["--address=127.0.0.1", "--port=5555", "--logging=info"]
    assert result.env["FLOWER_READ_ONLY"] == "true"


def test_display_and_tls_options_pass_through_checked(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Flower's other options are passed on as Flower reads them, after checking."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("cert")
    key.write_text("key")
    values = {"FLOWER_XHEADERS": "1", "FLOWER_MAX_TASKS": "5000",
              "FLOWER_TASKS_COLUMNS": "name, uuid,state", "FLOWER_AUTO_REFRESH": "no",
              "FLOWER_TASK_RUNTIME_METRIC_BUCKETS": "0.5,1,30", "FLOWER_CERTFILE": str(cert),
              "FLOWER_KEYFILE": str(key), "FLOWER_COOKIE_SECRET": "c" * 40}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    env = launch(tmp_path).env
    assert env["FLOWER_XHEADERS"] == "true" and env["FLOWER_AUTO_REFRESH"] == "false"
    assert env["FLOWER_MAX_TASKS"] == "5000"
    assert env["FLOWER_TASKS_COLUMNS"] == "name,uuid,state"
    assert env["FLOWER_TASK_RUNTIME_METRIC_BUCKETS"] == "0.5,1.0,30.0"
    assert env["FLOWER_CERTFILE"] == str(cert) and env["FLOWER_COOKIE_SECRET"] == "c" * 40


def test_flower_variables_in_the_env_file_are_honoured(tmp_path: Path) -> None:
    """FLOWER_* names in the env file count as they would in the environment."""
    env_file = tmp_path / "flower.env"
    env_file.write_text("FLOWER_PORT=5602\nFLOWER_URL_PREFIX=flower\n")
    result = launch(tmp_path, env_file=env_file)
    assert "--port=5602" in result.argv and result.env["FLOWER_URL_PREFIX"] == "flower"


@pytest.mark.parametrize("name", sorted(REFUSED_FLOWER_VARIABLES))
def test_variables_sealq_cannot_honour_are_refused_with_the_reason(
        monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """FLOWER_UNAUTHENTICATED_API, FLOWER_PERSISTENT, ... stop `sealq flower`, saying why."""
    monkeypatch.setenv(name, "true")
    with pytest.raises(ConfigError) as error:
        load_flower_settings()
    assert str(error.value) == (f"{name} (in the environment) is refused: "
                                f"{REFUSED_FLOWER_VARIABLES[name]}; unset it")


def test_unknown_flower_variable_names_the_closest(tmp_path: Path) -> None:
    """A misspelt FLOWER_* name is refused with the real one, also from an env file."""
    env_file = tmp_path / "f.env"
    env_file.write_text("FLOWER_URL_PREFX=flower\n")
    with pytest.raises(ConfigError, match=r"FLOWER_URL_PREFX \(in env file .*\) is not one of "
                       "Flower's options; did you mean FLOWER_URL_PREFIX\\?"):
        check_flower_variables({}, env_file)


@pytest.mark.parametrize(("values", "message"), [
    ({"FLOWER_PORT": "70000"}, "FLOWER_PORT is invalid"),
    ({"FLOWER_URL_PREFIX": "a b"}, "FLOWER_URL_PREFIX is invalid"),
    ({"FLOWER_COOKIE_SECRET": "short"}, "FLOWER_COOKIE_SECRET is invalid"),
    ({"FLOWER_TASK_RUNTIME_METRIC_BUCKETS": "5,1"}, "increasing order"),
    ({"FLOWER_CERTFILE": "/nonexistent.pem"}, "go together"),
    ({"FLOWER_UNIX_SOCKET": "/tmp/f.sock", "FLOWER_PORT": "5601"}, "give one"),
    ({"FLOWER_BASIC_AUTH": "ops:another-long-password"}, "both set"),
])
def test_bad_flower_values_are_refused_by_name(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, values: dict[str, str],
        message: str) -> None:
    """A value Flower would misread, or a combination that cannot work, is a ConfigError."""
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        launch(tmp_path)


def test_flower_basic_auth_is_checked_like_sealqs_own(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """FLOWER_BASIC_AUTH alone is honoured, with the 12-character rule, by its own name."""
    monkeypatch.delenv("SEALQ_FLOWER_BASIC_AUTH")
    monkeypatch.setenv("FLOWER_BASIC_AUTH", "admin:admin")
    with pytest.raises(ConfigError, match=r"FLOWER_BASIC_AUTH entry 1 .*shorter than 12"):
        launch(tmp_path)
    monkeypatch.setenv("FLOWER_BASIC_AUTH", BASIC)
    assert launch(tmp_path).env["FLOWER_BASIC_AUTH"] == BASIC


def test_unix_socket_replaces_address_and_port(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """FLOWER_UNIX_SOCKET makes Flower listen there instead of on a TCP port."""
    monkeypatch.setenv("FLOWER_UNIX_SOCKET", str(tmp_path / "flower.sock"))
    argv = launch(tmp_path).argv
    assert f"--unix_socket={tmp_path / 'flower.sock'}" in argv
    assert not any(arg.startswith(("--port", "--address")) for arg in argv)


def test_command_passes_its_options_and_refuses_in_one_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`sealq flower --port` reaches Flower; a refused variable is one line and exit 2."""
    started: list[FlowerLaunch] = []
    monkeypatch.setattr(FlowerLaunch, "exec", lambda self: started.append(self))
    app = typer.Typer()
    app.command()(ops_cli.flower_command)
    result = CliRunner().invoke(app, ["--port", "6001"], env={"FLOWER_PORT": "5601"})
    assert result.exit_code == 0, result.output
    assert "--port=6001" in started[0].argv
    refused: Any = CliRunner().invoke(app, [], env={"FLOWER_UNAUTHENTICATED_API": "true"})
    assert refused.exit_code == 2
    assert refused.output.strip().splitlines() == [
        "sealq: FLOWER_UNAUTHENTICATED_API (in the environment) is refused: sealq never "
        "serves Flower's API without authentication; unset it"]
