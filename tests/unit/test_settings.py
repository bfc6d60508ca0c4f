"""Settings: read from SEALQ_* variables once, validated, one-line errors naming the variable."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from schemas.errors import ConfigError
from schemas.settings import Settings, load_settings


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A clean environment holding only the three required SEALQ_* variables."""
    for name in list(os.environ):
        if name.startswith("SEALQ_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SEALQ_DATABASE_URL", f"sqlite:///{tmp_path / 'sealq.db'}")
    monkeypatch.setenv("SEALQ_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("SEALQ_KEYS_FILE", str(tmp_path / "keys.json"))
    return monkeypatch


def config_error(env_file: Path | None = None) -> str:
    """The message of the ConfigError load_settings raises."""
    with pytest.raises(ConfigError) as error:
        load_settings(env_file)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_environment_loads(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The three required variables are enough; the rest take their defaults."""
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'sealq.db'}"
    assert settings.keys_file == tmp_path / "keys.json"
    assert settings.max_attempts == 3


@pytest.mark.parametrize("variable", ["SEALQ_DATABASE_URL", "SEALQ_BROKER_URL",
                                      "SEALQ_KEYS_FILE"])
def test_missing_required_variable_is_named(env: pytest.MonkeyPatch, variable: str) -> None:
    """A missing required variable gives a ConfigError naming it."""
    env.delenv(variable)
    message = config_error()
    assert message.startswith(variable)
    assert "not set" in message


@pytest.mark.parametrize("url", ["mysql://u@localhost/sealq", "mysql+pymysql://u@h/db",
                                 "oracle://u@h/db", "not a url"])
def test_unsupported_database_is_refused(env: pytest.MonkeyPatch, url: str) -> None:
    """A database URL that is neither SQLite nor PostgreSQL is refused, naming the variable."""
    env.setenv("SEALQ_DATABASE_URL", url)
    message = config_error()
    assert message.startswith("SEALQ_DATABASE_URL is invalid")


def test_plain_postgresql_url_gets_psycopg_driver(env: pytest.MonkeyPatch) -> None:
    """postgresql:// becomes postgresql+psycopg://, keeping user, password, host and db."""
    env.setenv("SEALQ_DATABASE_URL", "postgresql://sealq:p%40ss@db.internal:5433/jobs")
    env.setenv("SEALQ_KEY_STORE_URL", "postgresql://sealq@keys.internal/keys")
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg://sealq:p%40ss@db.internal:5433/jobs"
    assert settings.key_store_url == "postgresql+psycopg://sealq@keys.internal/keys"


def test_explicit_driver_is_kept(env: pytest.MonkeyPatch) -> None:
    """A postgresql URL that already names its driver is kept as given."""
    env.setenv("SEALQ_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    assert load_settings().database_url == "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def test_bad_key_store_url_is_named(env: pytest.MonkeyPatch) -> None:
    """A bad key store URL is refused naming SEALQ_KEY_STORE_URL."""
    env.setenv("SEALQ_KEY_STORE_URL", "mysql://u@h/keys")
    assert config_error().startswith("SEALQ_KEY_STORE_URL is invalid")


def test_non_redis_broker_is_refused(env: pytest.MonkeyPatch) -> None:
    """A broker URL that is not Redis is refused naming SEALQ_BROKER_URL."""
    env.setenv("SEALQ_BROKER_URL", "amqp://guest@localhost//")
    assert config_error().startswith("SEALQ_BROKER_URL is invalid")


@pytest.mark.parametrize("variable, value", [("SEALQ_MAX_ATTEMPTS", "0"),
                                             ("SEALQ_LEASE_SECONDS", "1"),
                                             ("SEALQ_DEFAULT_TTL_SECONDS", "five"),
                                             ("SEALQ_TOMBSTONE_RETENTION_DAYS", "-1"),
                                             ("SEALQ_LOG_LEVEL", "TRACE")])
def test_out_of_range_knob_is_named(env: pytest.MonkeyPatch, variable: str, value: str) -> None:
    """An invalid optional knob is refused naming its variable."""
    env.setenv(variable, value)
    assert config_error().startswith(f"{variable} is invalid")


def test_tombstone_retention_defaults_to_30_days_and_0_keeps_them(
        env: pytest.MonkeyPatch) -> None:
    """Tombstones are kept 30 days after expiry unless set; 0 means kept for ever (None)."""
    assert load_settings().tombstone_retention == timedelta(days=30)
    env.setenv("SEALQ_TOMBSTONE_RETENTION_DAYS", "7")
    assert load_settings().tombstone_retention == timedelta(days=7)
    env.setenv("SEALQ_TOMBSTONE_RETENTION_DAYS", "0")
    assert load_settings().tombstone_retention is None


def test_env_file_is_read_and_environment_wins(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An env file supplies settings; a variable set in the environment overrides it."""
    env_file = tmp_path / "sealq.env"
    env_file.write_text("SEALQ_MAX_ATTEMPTS=7\nSEALQ_QUEUE=sealq.from-file\n")
    env.setenv("SEALQ_QUEUE", "sealq.from-env")
    settings = load_settings(env_file)
    assert settings.max_attempts == 7
    assert settings.queue == "sealq.from-env"


@pytest.mark.parametrize("queue", ["jobs", "sealqx", "sealq.", "sealq..a", "sealq.a b",
                                   "celery"])
def test_queue_outside_the_acl_is_refused(env: pytest.MonkeyPatch, queue: str) -> None:
    """A queue the Redis ACL would refuse is a setting error at start, naming the rule."""
    env.setenv("SEALQ_QUEUE", queue)
    message = config_error()
    assert message.startswith("SEALQ_QUEUE is invalid") and "sealq." in message


def test_key_store_defaults_beside_key_file(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without SEALQ_KEY_STORE_URL the key store is a SQLite file next to the key file."""
    settings = load_settings()
    expected = f"sqlite:///{(tmp_path / 'sealq-keystore.db').resolve()}"
    assert settings.resolved_key_store_url == expected


def test_settings_factory_takes_keywords(settings_factory: Callable[..., Settings]) -> None:
    """The shared settings_factory fixture builds Settings from keyword overrides."""
    settings = settings_factory(max_attempts=5, database_url="postgresql://postgres@h/db")
    assert settings.max_attempts == 5
    assert settings.database_url == "postgresql+psycopg://postgres@h/db"
