"""Settings of the ops commands: only what each needs, so Flower never holds keys or the DB.

`sealq flower` also reads Flower's own documented FLOWER_* variables: the ones sealq can honour
are fields here (passed on to Flower after checking), the ones it cannot are refused with the
reason, and an unknown FLOWER_* name is refused with the closest real one. None is ignored.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.constants import DEFAULT_QUEUE
from schemas.environment import (
    ENV_PREFIX,
    UnknownVariable,
    closest_name,
    load,
    unknown_names,
    variable_sources,
    variables_of,
)
from schemas.settings import _database_url, check_queue_name

BROKER_SCHEMES = ("redis://", "rediss://")
FLOWER_PREFIX = "FLOWER_"

# Flower options sealq cannot honour, and why; each stops `sealq flower` with this reason.
REFUSED_FLOWER_VARIABLES: dict[str, str] = {
    "FLOWER_UNAUTHENTICATED_API": "sealq never serves Flower's API without authentication",
    "FLOWER_PERSISTENT": "sealq keeps Flower's task history in memory only, never on disk",
    "FLOWER_DB": "sealq keeps Flower's task history in memory only, never on disk",
    "FLOWER_STATE_SAVE_INTERVAL": "sealq keeps Flower's task history in memory only",
    "FLOWER_CONF": "a Flower config file would bypass sealq's checks; set FLOWER_* variables",
    "FLOWER_FORMAT_TASK": "it can only be set in a Flower config file, which sealq does not load",
    "FLOWER_BROKER_API": "it reads RabbitMQ's management API; sealq's broker is Redis",
    "FLOWER_DEBUG": "debug mode shows tracebacks in Flower's pages; use SEALQ_LOG_LEVEL=DEBUG",
    "FLOWER_LOGGING": "sealq flower logs at SEALQ_LOG_LEVEL",
}

_URL_PREFIX = re.compile(r"[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*")
_COLUMNS = re.compile(r"[a-z_]+(,[a-z_]+)*")


def _flower(name: str) -> str:
    """Flower's variable for one of its options: FLOWER_<NAME>."""
    return FLOWER_PREFIX + name.upper()


def _check_broker(value: str) -> str:
    # The ops commands talk to Redis directly (LLEN), so only TCP Redis URLs are accepted.
    if not value.startswith(BROKER_SCHEMES):
        raise ValueError("must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0")
    return value


Port = Annotated[int, Field(ge=1, le=65535)]


class FlowerSettings(BaseSettings):
    """The broker, how Flower authenticates, and the Flower options sealq passes on."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    broker_url: str
    # "user:password", several separated by commas; FLOWER_BASIC_AUTH is Flower's own name.
    flower_basic_auth: SecretStr | None = None
    basic_auth: SecretStr | None = Field(None, validation_alias=_flower("basic_auth"))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # OAuth, with Flower's names.
    auth_provider: str | None = Field(None, validation_alias=_flower("auth_provider"))
    auth: str | None = Field(None, validation_alias=_flower("auth"))
    oauth2_key: str | None = Field(None, validation_alias=_flower("oauth2_key"))
    oauth2_secret: SecretStr | None = Field(None, validation_alias=_flower("oauth2_secret"))
    oauth2_redirect_uri: str | None = Field(None, validation_alias=_flower("oauth2_redirect_uri"))
    github_oauth_domain: str | None = Field(None,
                                            validation_alias=_flower("github_oauth_domain"))
    gitlab_oauth_domain: str | None = Field(None,
                                            validation_alias=_flower("gitlab_oauth_domain"))
    gitlab_auth_allowed_groups: str | None = Field(
        None, validation_alias=_flower("gitlab_auth_allowed_groups"))
    gitlab_min_access_level: Annotated[int, Field(ge=0)] | None = Field(
        None, validation_alias=_flower("gitlab_min_access_level"))
    oauth2_okta_base_url: str | None = Field(None,
                                             validation_alias=_flower("oauth2_okta_base_url"))

    # Where to listen; `sealq flower --address/--port` win over these.
    address: str | None = Field(None, validation_alias=_flower("address"))
    port: Port | None = Field(None, validation_alias=_flower("port"))
    unix_socket: Path | None = Field(None, validation_alias=_flower("unix_socket"))
    url_prefix: str | None = Field(None, validation_alias=_flower("url_prefix"))
    # `--read-only/--allow-control` win over this; read-only when neither is given.
    read_only: bool | None = Field(None, validation_alias=_flower("read_only"))
    xheaders: bool | None = Field(None, validation_alias=_flower("xheaders"))
    certfile: Path | None = Field(None, validation_alias=_flower("certfile"))
    keyfile: Path | None = Field(None, validation_alias=_flower("keyfile"))
    ca_certs: Path | None = Field(None, validation_alias=_flower("ca_certs"))
    cookie_secret: SecretStr | None = Field(None, validation_alias=_flower("cookie_secret"))

    # What Flower keeps and shows.
    max_workers: Annotated[int, Field(ge=1)] | None = Field(
        None, validation_alias=_flower("max_workers"))
    max_tasks: Annotated[int, Field(ge=1)] | None = Field(
        None, validation_alias=_flower("max_tasks"))
    inspect_timeout: Annotated[float, Field(gt=0)] | None = Field(
        None, validation_alias=_flower("inspect_timeout"))
    auto_refresh: bool | None = Field(None, validation_alias=_flower("auto_refresh"))
    natural_time: bool | None = Field(None, validation_alias=_flower("natural_time"))
    enable_events: bool | None = Field(None, validation_alias=_flower("enable_events"))
    purge_offline_workers: Annotated[int, Field(ge=1)] | None = Field(
        None, validation_alias=_flower("purge_offline_workers"))
    tasks_columns: str | None = Field(None, validation_alias=_flower("tasks_columns"))
    task_runtime_metric_buckets: str | None = Field(
        None, validation_alias=_flower("task_runtime_metric_buckets"))

    _check_broker_url = field_validator("broker_url")(_check_broker)

    @field_validator("url_prefix")
    @classmethod
    def _check_url_prefix(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip("/")
        if not _URL_PREFIX.fullmatch(value):
            raise ValueError("must be a URL path such as flower or ops/flower")
        return value

    @field_validator("tasks_columns")
    @classmethod
    def _check_columns(cls, value: str | None) -> str | None:
        if value is not None and not _COLUMNS.fullmatch(value.replace(" ", "")):
            raise ValueError("must be column names separated by commas, e.g. name,uuid,state")
        return None if value is None else value.replace(" ", "")

    @field_validator("task_runtime_metric_buckets")
    @classmethod
    def _check_buckets(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            buckets = [float(item) for item in value.split(",")]
        except ValueError:
            raise ValueError("must be numbers separated by commas, e.g. 0.5,1,5,30") from None
        if buckets != sorted(buckets):
            raise ValueError("the buckets must be in increasing order")
        return ",".join(str(bucket) for bucket in buckets)

    @field_validator("cookie_secret")
    @classmethod
    def _check_cookie_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (it signs login cookies)")
        return value


# Fields that are Flower options passed on as they are, once checked: FLOWER_<NAME>=value.
FLOWER_PASS_THROUGH = (
    "github_oauth_domain", "gitlab_oauth_domain", "gitlab_auth_allowed_groups",
    "gitlab_min_access_level", "oauth2_okta_base_url", "url_prefix", "xheaders", "certfile",
    "keyfile", "ca_certs", "cookie_secret", "max_workers", "max_tasks", "inspect_timeout",
    "auto_refresh", "natural_time", "enable_events", "purge_offline_workers", "tasks_columns",
    "task_runtime_metric_buckets",
)


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


def check_flower_variables(environ: Mapping[str, str], env_file: Path | None) -> None:
    """UnknownVariable for a FLOWER_* name sealq refuses or Flower does not have."""
    honoured = frozenset(name for name in variables_of(FlowerSettings)
                         if name.startswith(FLOWER_PREFIX))
    sources = variable_sources(environ, env_file)
    for name, origin in unknown_names(sources, prefix=FLOWER_PREFIX, known=honoured):
        reason = REFUSED_FLOWER_VARIABLES.get(name.upper())
        if reason:
            raise UnknownVariable(f"{name} ({origin}) is refused: {reason}; unset it")
        guess = closest_name(name, honoured | set(REFUSED_FLOWER_VARIABLES), FLOWER_PREFIX)
        hint = f"; did you mean {guess}?" if guess else ""
        raise UnknownVariable(f"{name} ({origin}) is not one of Flower's options{hint}")


def load_flower_settings(env_file: Path | None = None) -> FlowerSettings:
    """FlowerSettings from the environment (and an env file), or ConfigError."""
    check_flower_variables(os.environ, env_file)
    return load(FlowerSettings, env_file)


def load_exporter_settings(env_file: Path | None = None) -> ExporterSettings:
    """ExporterSettings from the environment (and an env file), or ConfigError."""
    return load(ExporterSettings, env_file)
