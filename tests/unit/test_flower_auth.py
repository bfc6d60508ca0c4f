"""`sealq flower` refuses to start without sound authentication, and hands Flower only checks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from schemas.errors import ConfigError
from schemas.ops_settings import FlowerSettings
from workers.ops.cli import flower_command
from workers.ops.flower import check_auth_pattern, check_basic_auth, flower_launch

BROKER = "redis://flower:broker-secret@127.0.0.1:6379/0"
GOOD_BASIC = "ops:correct-horse-battery"
OAUTH = {"FLOWER_AUTH_PROVIDER": "google", "FLOWER_OAUTH2_KEY": "client-id",
         "FLOWER_OAUTH2_SECRET": "client-secret",
         "FLOWER_OAUTH2_REDIRECT_URI": "https://flower.example.com/login"}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SEALQ_* or FLOWER_* variable of the machine leaks into these tests."""
    import os

    for name in list(os.environ):
        if name.startswith(("SEALQ_", "FLOWER_")):
            monkeypatch.delenv(name)


def settings(**values: Any) -> FlowerSettings:
    """FlowerSettings from keyword arguments (by variable name), no env file."""
    values.setdefault("SEALQ_BROKER_URL", BROKER)
    return FlowerSettings.model_validate(
        {name.removeprefix("SEALQ_").lower() if name.startswith("SEALQ_") else name: value
         for name, value in values.items()})


def launch(tmp_path: Path, base_env: dict[str, str] | None = None, **values: Any) -> Any:
    """flower_launch with the defaults `sealq flower` uses."""
    return flower_launch(settings(**values), address="127.0.0.1", port=5555, read_only=True,
                         state_dir=tmp_path, base_env=base_env or {"PATH": "/usr/bin"})


@pytest.mark.parametrize(("value", "message"), [
    ("admin:", "entry 1 (user 'admin') has no password"),
    ("admin", "entry 1 (user 'admin') has no password"),
    (":correct-horse-battery", "entry 1 has no user name"),
    (f"{GOOD_BASIC},bob:", "entry 2 (user 'bob') has no password"),
    ("admin:admin", "shorter than 12 characters"),
    ("", "entry 1 has no user name"),
])
def test_basic_auth_without_a_real_password_is_refused(value: str, message: str) -> None:
    """An empty or short password, or a user without one, is refused by entry number."""
    with pytest.raises(ConfigError, match=re.escape(message)):
        check_basic_auth(value)


def test_basic_auth_entries_are_kept_whole() -> None:
    """Several user:password entries pass; a colon inside a password is allowed."""
    assert check_basic_auth(f"{GOOD_BASIC},bob:pass:with:colons") == [
        GOOD_BASIC, "bob:pass:with:colons"]


@pytest.mark.parametrize("pattern", ["alice@.*", "alice@*.example.com", ".*@.*"])
def test_auth_patterns_with_a_wildcard_domain_are_refused(pattern: str) -> None:
    """Any wildcard in the domain is refused."""
    with pytest.raises(ConfigError, match="must not put a wildcard in the domain"):
        check_auth_pattern(pattern)


@pytest.mark.parametrize("pattern", ["a.*@gmail.com", "ops-.*@example.com", "*@example.com",
                                     "ops-.*.*@example.com", "alice.*@corp.example.com"])
def test_partial_wildcards_are_refused(pattern: str) -> None:
    """A prefix wildcard admits anyone who can pick a matching address: refused."""
    with pytest.raises(ConfigError, match="partial wildcard"):
        check_auth_pattern(pattern)


@pytest.mark.parametrize("pattern", [".*@gmail.com", ".*@Outlook.com", ".*@qq.com"])
def test_whole_public_mail_domains_are_refused(pattern: str) -> None:
    """Every address of a provider where anyone can open one is the whole world: refused."""
    with pytest.raises(ConfigError, match="where anyone can open one"):
        check_auth_pattern(pattern)


def test_flowers_own_matching_agrees_with_what_passes() -> None:
    """What passes admits exactly the addresses meant, by Flower's own matching function."""
    from flower.utils.authentication import authenticate

    assert authenticate(check_auth_pattern(".*@corp.example.com"), "bob@corp.example.com")
    assert not authenticate(".*@corp.example.com", "bob@evil.corp.example.com.attacker.io")
    assert not authenticate(".*@corp.example.com", "bob@other.example.com")
    # The review's case: this prefix matches strangers' addresses, so sealq refuses it.
    assert authenticate("a.*@gmail.com", "anyone-at-all@gmail.com")


@pytest.mark.parametrize("pattern", [
    r"^alice@example\.com$", "^.*@example.com$", "(alice|bob)@example.com", "alice@example.com$",
])
def test_regex_syntax_is_refused_because_flower_matches_whole_addresses(pattern: str) -> None:
    """Anchors and groups would lock everyone out of Flower 2, so they are refused with why."""
    with pytest.raises(ConfigError, match="not as a regular expression"):
        check_auth_pattern(pattern)


@pytest.mark.parametrize("pattern", ["alice", "alice@example.com|bob", "a.*@x.com|b@x.com",
                                     "@example.com"])
def test_malformed_auth_patterns_are_refused(pattern: str) -> None:
    """Entries that are not addresses, or wildcards beside other entries, are refused."""
    with pytest.raises(ConfigError, match="FLOWER_AUTH entry"):
        check_auth_pattern(pattern)


@pytest.mark.parametrize("pattern", ["alice@example.com", "alice@example.com|bob@example.org",
                                     ".*@example.com", ".*@ops.corp.example.com"])
def test_narrow_auth_patterns_pass(pattern: str) -> None:
    """Named addresses, or one whole organisation's domain, are accepted as given."""
    assert check_auth_pattern(pattern) == pattern


def test_no_authentication_at_all_is_refused(tmp_path: Path) -> None:
    """Without basic auth or OAuth, Flower is not started."""
    with pytest.raises(ConfigError, match="Flower needs authentication"):
        launch(tmp_path)


@pytest.mark.parametrize(("missing", "message"), [
    ("FLOWER_OAUTH2_KEY", "FLOWER_OAUTH2_KEY is not set"),
    ("FLOWER_OAUTH2_SECRET", "FLOWER_OAUTH2_SECRET is not set"),
    ("FLOWER_OAUTH2_REDIRECT_URI", "FLOWER_OAUTH2_REDIRECT_URI is not set"),
    ("FLOWER_AUTH_PROVIDER", "FLOWER_AUTH_PROVIDER must be one of"),
])
def test_incomplete_oauth_is_refused(tmp_path: Path, missing: str, message: str) -> None:
    """OAuth needs a known provider, the pattern, client id, secret and redirect URI."""
    values = {**OAUTH, "FLOWER_AUTH": "alice@example.com"}
    del values[missing]
    with pytest.raises(ConfigError, match=message):
        launch(tmp_path, **values)


def test_oauth_provider_short_names_become_flower_handlers(tmp_path: Path) -> None:
    """`google` is passed to Flower as its handler class, with the checked pattern."""
    env = launch(tmp_path, **OAUTH, FLOWER_AUTH="alice@example.com").env
    assert env["FLOWER_AUTH_PROVIDER"] == "flower.views.auth.GoogleAuth2LoginHandler"
    assert env["FLOWER_AUTH"] == "alice@example.com"
    assert env["FLOWER_OAUTH2_SECRET"] == "client-secret"


def test_flower_gets_only_checked_variables_and_no_secret_on_its_command_line(
        tmp_path: Path) -> None:
    """Unchecked FLOWER_*, CELERY_* and sealq's own secrets are dropped; argv holds none."""
    base = {"PATH": "/usr/bin", "FLOWER_UNAUTHENTICATED_API": "true",
            "FLOWER_BASIC_AUTH": "x:y", "CELERY_BROKER_URL": "redis://elsewhere",
            "SEALQ_DATABASE_URL": "postgresql://sealq:db-secret@db/sealq"}
    result = launch(tmp_path, base, SEALQ_FLOWER_BASIC_AUTH=GOOD_BASIC)
    assert "FLOWER_UNAUTHENTICATED_API" not in result.env
    assert not any(name.startswith("SEALQ_") for name in result.env)
    assert result.env["FLOWER_BASIC_AUTH"] == GOOD_BASIC
    assert result.env["CELERY_BROKER_URL"] == BROKER
    assert result.env["FLOWER_PERSISTENT"] == "false"
    assert result.env["FLOWER_READ_ONLY"] == "true"
    assert result.env["FLOWER_DB"].startswith(str(tmp_path))
    assert result.env["PATH"] == "/usr/bin"
    command_line = " ".join(result.argv)
    assert "broker-secret" not in command_line and "battery" not in command_line
    assert result.argv[-4:] == ["flower", "--address=127.0.0.1", "--port=5555",
                                "--logging=info"]


@pytest.mark.parametrize(("env", "message"), [
    ({"SEALQ_FLOWER_BASIC_AUTH": "admin:"}, "has no password"),
    ({"FLOWER_AUTH_PROVIDER": "google", "FLOWER_AUTH": "a.*@gmail.com"},
     "partial wildcard"),
    ({}, "Flower needs authentication"),
    ({"SEALQ_BROKER_URL": "amqp://guest@rabbit//", "SEALQ_FLOWER_BASIC_AUTH": GOOD_BASIC},
     "SEALQ_BROKER_URL is invalid"),
])
def test_command_refuses_with_one_line_and_exit_code_2(env: dict[str, str], message: str) -> None:
    """`sealq flower` with bad authentication prints one line and exits 2 before starting."""
    app = typer.Typer()
    app.command()(flower_command)
    result = CliRunner().invoke(app, [], env={"SEALQ_BROKER_URL": BROKER, **env})
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sealq: ") and message in lines[0]
