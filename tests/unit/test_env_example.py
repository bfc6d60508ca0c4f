""".env.example documents every setting and agrees with compose and its Redis ACL."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url
from support.services import render_acl

from schemas.grants import ROLES as DB_ROLES
from schemas.ops_settings import ExporterSettings, FlowerSettings
from schemas.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]


def example() -> dict[str, str]:
    """Every variable of .env.example, set or commented out, with its example value."""
    found = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^#? ?((?:SEALQ|FLOWER)_[A-Z0-9_]+)=(\S*)", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_every_setting_is_documented() -> None:
    """Each field of Settings, ExporterSettings and FlowerSettings appears in .env.example."""
    variables = set(example())
    for model in (Settings, ExporterSettings, FlowerSettings):
        for name, field in model.model_fields.items():
            variable = field.validation_alias or ENV_PREFIX + name.upper()
            assert variable in variables, variable


def test_example_users_are_the_ones_compose_creates() -> None:
    """The Redis user is an ACL user, the database user a role's user, on both databases."""
    values = example()
    acl_users = {line.split()[1] for line in render_acl(
        {r: "x" for r in ("producer", "api", "worker", "beat", "flower", "exporter", "ops")}
    ).splitlines()}
    broker = re.match(r"redis://([^:]+):", values["SEALQ_BROKER_URL"])
    assert broker and broker.group(1) in acl_users
    users = {f"{values['SEALQ_DB_ROLE_PREFIX']}{role}" for role in DB_ROLES}
    for variable in ("SEALQ_DATABASE_URL", "SEALQ_KEY_STORE_URL"):
        assert make_url(values[variable]).username in users, variable


def test_key_store_is_not_on_the_job_databases_server() -> None:
    """The example keeps the key store on its own server, as the README advises."""
    values = example()
    jobs, keys = make_url(values["SEALQ_DATABASE_URL"]), make_url(values["SEALQ_KEY_STORE_URL"])
    assert (jobs.host, jobs.port) != (keys.host, keys.port)


def test_key_file_path_is_compose_s() -> None:
    """SEALQ_KEYS_FILE is where compose mounts the key file."""
    compose = yaml.safe_load((ROOT / "compose" / "docker-compose.yml").read_text())
    environment = compose["x-sealq"]["environment"]
    assert example()["SEALQ_KEYS_FILE"] == environment["SEALQ_KEYS_FILE"]
