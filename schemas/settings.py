"""Settings: read once from the environment at the edge, validated, then passed explicitly."""

from __future__ import annotations

import re
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from schemas import constants
from schemas.environment import ENV_PREFIX, load


def _database_url(value: str, variable: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError as e:
        raise ValueError(f"not a database URL; expected e.g. sqlite:///sealq.db ({e})") from None
    if url.drivername == "postgres":
        url = url.set(drivername="postgresql")  # the alias many hosting providers hand out
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ValueError(f"{variable} must be a sqlite:// or postgresql:// URL")
    if url.drivername in {"postgresql", "postgres"}:
        # psycopg 3 is the driver sealq ships with.
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def check_queue_name(value: str) -> str:
    """A queue name the Redis ACL lets sealq use (`sealq` or `sealq.<name>`), or ValueError."""
    if not re.fullmatch(constants.QUEUE_PATTERN, value):
        raise ValueError(f"queue {value!r} must be `sealq` or start with `sealq.` (letters, "
                         "digits, _ and - after the dot), e.g. sealq.qwen7b.urgent: the Redis "
                         "ACL grants only those keys")
    return value


class Settings(BaseSettings):
    """Every knob sealq has; each field is the variable SEALQ_<FIELD NAME>."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    database_url: str
    broker_url: str
    keys_file: Path
    # Bucket keys live apart from the jobs so a job-database backup never carries them.
    key_store_url: str | None = None
    key_bucket_seconds: Annotated[int, Field(ge=60, le=7 * 24 * 3600)] = (
        constants.DEFAULT_KEY_BUCKET_SECONDS
    )
    default_ttl_seconds: Annotated[int, Field(ge=60, le=constants.MAX_TTL_SECONDS)] = (
        constants.DEFAULT_TTL_SECONDS
    )
    queue: str = constants.DEFAULT_QUEUE
    lease_seconds: Annotated[int, Field(ge=5)] = constants.DEFAULT_LEASE_SECONDS
    max_attempts: Annotated[int, Field(ge=1, le=100)] = constants.DEFAULT_MAX_ATTEMPTS
    reconcile_interval_seconds: Annotated[int, Field(ge=1)] = (
        constants.DEFAULT_RECONCILE_INTERVAL_SECONDS
    )
    sweep_interval_seconds: Annotated[int, Field(ge=1)] = constants.DEFAULT_SWEEP_INTERVAL_SECONDS
    # Days a tombstone is kept after its job's expiry; 0 keeps tombstones for ever.
    tombstone_retention_days: Annotated[int, Field(ge=0, le=36_500)] = (
        constants.DEFAULT_TOMBSTONE_RETENTION_DAYS
    )
    # Dispatcher: released-but-not-started jobs kept beyond the workers' slots (a share of
    # them), and the floor of a waiting lower lane (one job in this many releases).
    dispatch_headroom: Annotated[float, Field(ge=0.0, le=4.0)] = (
        constants.DEFAULT_DISPATCH_HEADROOM
    )
    dispatch_lane_floor: Annotated[int, Field(ge=2, le=10_000)] = (
        constants.DEFAULT_DISPATCH_LANE_FLOOR
    )
    # Connections this process keeps to the job database at most.
    db_pool_size: Annotated[int, Field(ge=1, le=512)] = constants.DEFAULT_DB_POOL_SIZE
    # `sealq db upgrade` only: the database users to create, one `role=password` per line.
    db_roles_file: Path | None = None
    # Prefix of those users' names (roles are cluster-wide: one prefix per deployment).
    db_role_prefix: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]{0,40}$")] = "sealq_"
    # Where `sealq beat` keeps its schedule file (last run times only; a tmpfs is fine).
    beat_state_dir: Path = Path(tempfile.gettempdir()) / "sealq-beat"
    kinds_file: Path | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Engine. An empty model means: the GPU default on CUDA, the embedded model on CPU.
    model: str = ""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    model_cache_dir: Path = Path.home() / ".cache" / "sealq" / "models"
    max_model_len: Annotated[int, Field(ge=256)] | None = None
    # Tokens the engine takes into one step; unset: 2048 on CPU, vLLM's batch default on GPU.
    max_num_batched_tokens: Annotated[int, Field(ge=256)] | None = None
    gpu_memory_utilization: Annotated[float, Field(gt=0.0, le=1.0)] = 0.90
    tensor_parallel_size: Annotated[int, Field(ge=1, le=64)] = 1
    quantization: str | None = None
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "auto"
    enforce_eager: bool | None = None
    kv_cache_gib: Annotated[int, Field(ge=1)] = 2
    worker_concurrency: Annotated[int, Field(ge=1, le=1024)] = constants.DEFAULT_WORKER_CONCURRENCY
    # Task events (received, started, succeeded) for Flower's task pages, sent in batches
    # every 0.1 s (workers.consumer). Off: Flower still shows the workers.
    worker_task_events: bool = True
    # Worker's own Prometheus endpoint (engine load, jobs finished); off when unset.
    worker_metrics_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    # Loopback by default: in compose the worker binds 0.0.0.0 on its internal network only.
    worker_metrics_address: str = "127.0.0.1"

    # Gateway (`sealq api`). Per-tenant values set with `sealq tenant add/set` win over these.
    api_rate_limit_per_minute: Annotated[int, Field(ge=1, le=1_000_000)] = (
        constants.DEFAULT_API_RATE_LIMIT_PER_MINUTE
    )
    api_max_enqueued_jobs: Annotated[int, Field(ge=1)] = constants.DEFAULT_API_MAX_ENQUEUED_JOBS
    api_max_upload_bytes: Annotated[int, Field(ge=1024)] = constants.DEFAULT_API_MAX_UPLOAD_BYTES
    api_max_file_lines: Annotated[int, Field(ge=1)] = constants.DEFAULT_API_MAX_FILE_LINES

    @field_validator("queue")
    @classmethod
    def _check_queue(cls, value: str) -> str:
        return check_queue_name(value)

    @field_validator("keys_file", "kinds_file", "model_cache_dir", "db_roles_file")
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser()

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        return _database_url(value, "SEALQ_DATABASE_URL")

    @field_validator("key_store_url")
    @classmethod
    def _check_key_store_url(cls, value: str | None) -> str | None:
        return None if value is None else _database_url(value, "SEALQ_KEY_STORE_URL")

    @field_validator("broker_url")
    @classmethod
    def _check_broker_url(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "redis+socket://")):
            raise ValueError("must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0")
        return value

    @property
    def tombstone_retention(self) -> timedelta | None:
        """How long the sweeper keeps a tombstone after its job's expiry; None: for ever."""
        days = self.tombstone_retention_days
        return timedelta(days=days) if days else None

    @property
    def resolved_key_store_url(self) -> str:
        """The key store's URL: its own setting, else a SQLite file beside the key file."""
        if self.key_store_url:
            return self.key_store_url
        return f"sqlite:///{self.keys_file.resolve().parent / 'sealq-keystore.db'}"


def load_settings(env_file: Path | None = None) -> Settings:
    """Settings from the environment (and an optional env file), or ConfigError.

    Every SEALQ_* name in either must be one sealq knows (schemas.environment).
    """
    return load(Settings, env_file)
