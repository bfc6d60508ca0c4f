"""README's Operating section: its commands name files, services and users that exist."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def operating() -> str:
    """The Operating section of the README."""
    text = (ROOT / "README.md").read_text()
    return text[text.index("## Operating\n"):text.index("\n## ", text.index("## Operating\n"))]


def test_compose_commands_name_real_services_and_files() -> None:
    """Every `docker compose ... run/exec/restart/up` names services of the compose file, and
    every compose/ path mentioned exists (or is made by make-secrets.sh)."""
    compose = yaml.safe_load((ROOT / "compose" / "docker-compose.yml").read_text())
    services = set(compose["services"])
    section = operating().replace("\\\n", " ")
    for command in re.findall(r"docker compose[^\n`]*", section):
        words = command.split()
        for verb in ("run", "exec", "restart"):
            if verb in words:
                rest = [w for w in words[words.index(verb) + 1:] if not w.startswith("-")]
                rest = [w for w in rest if ":" not in w and not w.startswith('"')]
                if rest and rest[0] != "...":
                    assert rest[0] in services | {"<that"}, command
    made = {"compose/secrets", "compose/settings.env", "compose/tp.yml", "compose/.env"}
    for path in set(re.findall(r"compose/[A-Za-z0-9_./-]+[A-Za-z0-9_]", section)):
        assert (ROOT / path).exists() or any(path.startswith(m) for m in made), path


def test_owners_named_are_the_ones_make_secrets_uses() -> None:
    """The uids the README gives (sealq 10001, redis 999, postgres 70) are make-secrets.sh's."""
    script = (ROOT / "compose" / "make-secrets.sh").read_text()
    section = operating()
    for name, uid in (("IMAGE_UID", "10001"), ("REDIS_UID", "999"), ("POSTGRES_UID", "70")):
        assert f"{name}={uid}" in script
        assert f"uid {uid}" in section or f"{uid} (" in section, uid


def test_no_multi_host_set_up_is_promised_that_compose_cannot_serve() -> None:
    """Workers on other hosts are not described as working: Redis and PostgreSQL publish no
    port in compose (tests/unit/test_compose.py), and the README says so."""
    section = operating()
    assert "--scale worker" not in section.replace("Never `--scale worker=N`", "")
    assert "workers on other hosts cannot reach them" in section
