"""Settings of the ops commands: only what each needs, so Flower never holds keys or the DB."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.constants import DEFAULT_QUEUE
from schemas.errors import ConfigError

# One validation for SEALQ_DATABASE_URL wherever it is read.
from schemas.settings import (
    ENV_PREFIX,
    _database_url,
    check_queue_name,
    describe_validation_error,
)

BROKER_SCHEMES = ("redis://", "rediss://")


def _check_broker(value: str) -> str:
    # The ops commands talk to Redis directly (LLEN), so only TCP Redis URLs are accepted.
    if not value.startswith(BROKER_SCHEMES):
        raise ValueError("must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0")
    return value


class FlowerSettings(BaseSettings):
    """The broker and how Flower authenticates; FLOWER_* names are Flower's own OAuth ones."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    broker_url: str
    # "user:password", several separated by commas.
    flower_basic_auth: SecretStr | None = None
    auth_provider: str | None = Field(None, validation_alias="FLOWER_AUTH_PROVIDER")
    auth: str | None = Field(None, validation_alias="FLOWER_AUTH")
    oauth2_key: str | None = Field(None, validation_alias="FLOWER_OAUTH2_KEY")
    oauth2_secret: SecretStr | None = Field(None, validation_alias="FLOWER_OAUTH2_SECRET")
    oauth2_redirect_uri: str | None = Field(None, validation_alias="FLOWER_OAUTH2_REDIRECT_URI")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    _check_broker_url = field_validator("broker_url")(_check_broker)


class ExporterSettings(BaseSettings):
    """The job database and broker to read, and how often and how patiently to read them."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    database_url: str
    broker_url: str
    queue: str = DEFAULT_QUEUE
    # Extra queues to report, comma-separated (worker pools per model or priority).
    exporter_queues: str = ""
    exporter_interval_seconds: Annotated[float, Field(ge=1, le=3600)] = 15.0
    # Longest a database or Redis call may take before the collection counts as failed.
    exporter_timeout_seconds: Annotated[float, Field(ge=0.5, le=300)] = 5.0
    # Policy decisions are summed over jobs finished this recently (bounded work per scrape).
    exporter_policy_window_seconds: Annotated[int, Field(ge=60, le=7 * 24 * 3600)] = 3600
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    _check_broker_url = field_validator("broker_url")(_check_broker)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        return _database_url(value, "SEALQ_DATABASE_URL")

    @field_validator("queue")
    @classmethod
    def _check_queue(cls, value: str) -> str:
        return check_queue_name(value)

    @field_validator("exporter_queues")
    @classmethod
    def _check_queues(cls, value: str) -> str:
        for name in value.split(","):
            if name.strip():
                check_queue_name(name.strip())
        return value

    @property
    def extra_queues(self) -> list[str]:
        """The queues named in SEALQ_EXPORTER_QUEUES."""
        return [name.strip() for name in self.exporter_queues.split(",") if name.strip()]


def load_flower_settings(env_file: Path | None = None) -> FlowerSettings:
    """FlowerSettings from the environment (and an env file), or ConfigError."""
    try:
        return FlowerSettings(_env_file=env_file)
    except ValidationError as e:
        raise ConfigError(describe_validation_error(e)) from None


def load_exporter_settings(env_file: Path | None = None) -> ExporterSettings:
    """ExporterSettings from the environment (and an env file), or ConfigError."""
    try:
        return ExporterSettings(_env_file=env_file)
    except ValidationError as e:
        raise ConfigError(describe_validation_error(e)) from None
