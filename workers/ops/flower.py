"""Flower behind authentication: check the credentials, then hand the process to Flower.

Flower reads its options from FLOWER_* variables; sealq builds that environment from checked
settings only, so nothing unchecked (FLOWER_UNAUTHENTICATED_API, a stray FLOWER_BASIC_AUTH)
reaches it, and secrets travel in the environment, never on the command line `ps` shows.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from schemas.errors import ConfigError
from schemas.messages import celery_config
from workers.ops.settings import FlowerSettings

# A dashboard guarded by "admin:admin" is the classic Flower incident: ask for a real secret.
MIN_PASSWORD_LENGTH = 12
# Flower's login handlers, by the short names operators use.
OAUTH_PROVIDERS = {
    "google": "flower.views.auth.GoogleAuth2LoginHandler",
    "github": "flower.views.auth.GithubLoginHandler",
    "gitlab": "flower.views.auth.GitLabLoginHandler",
    "okta": "flower.views.auth.OktaLoginHandler",
}
_DOMAIN = r"@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}"
# Flower 2 compares FLOWER_AUTH with the whole address: exact addresses joined by |, or one
# `.*` wildcard in the local part (its only wildcard). It is not a regular expression.
EXACT_ADDRESS = re.compile(rf"[A-Za-z0-9._%+-]+{_DOMAIN}")
PREFIX_WILDCARD = re.compile(rf"[A-Za-z0-9_%+-][A-Za-z0-9._%+-]*\.\*{_DOMAIN}")
# The Celery app Flower runs with (`celery -A`): sealq's broker settings, see flower_config.
FLOWER_APP = "workers.ops.flower_app"
# Prefixes of variables Flower's process must not inherit: Flower's and Celery's own options
# are set here from checked values, and sealq's settings hold secrets Flower does not need.
STRIPPED_PREFIXES = ("FLOWER_", "CELERY_", "SEALQ_")


@dataclass(frozen=True)
class FlowerLaunch:
    """The program Flower runs as and its environment (which holds the secrets)."""

    argv: list[str]
    env: dict[str, str]

    def exec(self) -> None:
        """Replace this process with Flower, so signals from a supervisor reach it directly."""
        os.execve(self.argv[0], self.argv, self.env)  # noqa: S606  # argv is ours, no shell


def flower_config(broker_url: str) -> dict[str, object]:
    """Celery settings for Flower's app: the broker contract the workers use, minus acking.

    Flower consumes only events and remote-control replies, never a task message. Without
    ack emulation its kombu channel keeps no unacked state and never restores other
    consumers' messages to their queues (which would need rights over the task queues, and
    with Celery's defaults would redeliver a job after one hour instead of sealq's six).
    """
    config = celery_config(broker_url)
    config["broker_transport_options"] = {**config["broker_transport_options"],
                                          "ack_emulation": False}
    return config


def check_basic_auth(value: str) -> list[str]:
    """The `user:password` entries of SEALQ_FLOWER_BASIC_AUTH, or ConfigError naming the flaw."""
    entries = value.split(",")
    for number, entry in enumerate(entries, start=1):
        user, sep, password = entry.partition(":")
        where = f"SEALQ_FLOWER_BASIC_AUTH entry {number}"
        if not user.strip():
            raise ConfigError(f"{where} has no user name; expected user:password")
        if not sep or not password:
            raise ConfigError(f"{where} (user {user!r}) has no password; expected user:password")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ConfigError(f"{where} (user {user!r}) has a password shorter than "
                              f"{MIN_PASSWORD_LENGTH} characters")
    return entries


def check_auth_pattern(pattern: str) -> str:
    """FLOWER_AUTH if it names who may log in narrowly, else ConfigError saying why not."""
    if any(char in pattern for char in "^$\\()[]{}?"):
        raise ConfigError(
            "FLOWER_AUTH is matched against the whole address by Flower 2, not as a regular "
            "expression: drop ^, $, backslashes and groups; give addresses joined by | or "
            "one prefix wildcard like ops-.*@example.com")
    if pattern.startswith((".*@", "*@", "@")) or "*" in pattern.rpartition("@")[2]:
        raise ConfigError("FLOWER_AUTH must not admit every address of a domain (.*@...): "
                          "name the addresses, joined by |, or a prefix like ops-.*@example.com")
    addresses = pattern.split("|")
    if len(addresses) == 1 and PREFIX_WILDCARD.fullmatch(pattern):
        return pattern
    for address in addresses:
        if not EXACT_ADDRESS.fullmatch(address):
            raise ConfigError(f"FLOWER_AUTH entry {address!r} is not an e-mail address (a "
                              "wildcard is allowed only alone, as a prefix: ops-.*@example.com)")
    return pattern


def _oauth_env(settings: FlowerSettings) -> dict[str, str]:
    provider = settings.auth_provider or ""
    handler = OAUTH_PROVIDERS.get(provider.lower(), provider)
    if handler not in OAUTH_PROVIDERS.values():
        raise ConfigError(f"FLOWER_AUTH_PROVIDER must be one of {', '.join(OAUTH_PROVIDERS)} "
                          "(or Flower's handler class path)")
    if not settings.auth:
        raise ConfigError("FLOWER_AUTH is not set: name who may log in, e.g. "
                          "alice@example.com|bob@example.com")
    pattern = check_auth_pattern(settings.auth)
    secret = settings.oauth2_secret.get_secret_value() if settings.oauth2_secret else ""
    client = {"FLOWER_OAUTH2_KEY": settings.oauth2_key or "", "FLOWER_OAUTH2_SECRET": secret,
              "FLOWER_OAUTH2_REDIRECT_URI": settings.oauth2_redirect_uri or ""}
    missing = [name for name, value in client.items() if not value]
    if missing:
        raise ConfigError(f"{missing[0]} is not set; OAuth needs the client id, secret and "
                          "redirect URI")
    return {"FLOWER_AUTH_PROVIDER": handler, "FLOWER_AUTH": pattern,
            **client}


def auth_env(settings: FlowerSettings) -> dict[str, str]:
    """Flower's authentication variables from checked settings; ConfigError if there is none."""
    env: dict[str, str] = {}
    if settings.flower_basic_auth is not None:
        entries = check_basic_auth(settings.flower_basic_auth.get_secret_value())
        env["FLOWER_BASIC_AUTH"] = ",".join(entries)
    if settings.auth_provider or settings.auth:
        env.update(_oauth_env(settings))
    if not env:
        raise ConfigError("Flower needs authentication: set SEALQ_FLOWER_BASIC_AUTH=user:password "
                          "or FLOWER_AUTH_PROVIDER with FLOWER_AUTH and the OAuth client")
    return env


def flower_launch(settings: FlowerSettings, *, address: str, port: int, read_only: bool,
                  state_dir: Path, base_env: Mapping[str, str]) -> FlowerLaunch:
    """How to start Flower on the broker with checked authentication; raises ConfigError."""
    env = {name: value for name, value in base_env.items()
           if not name.startswith(STRIPPED_PREFIXES)}
    env.update(auth_env(settings))
    env.update({
        "CELERY_BROKER_URL": settings.broker_url,
        # Flower keeps its task history in memory only; the path is where it would write.
        "FLOWER_PERSISTENT": "false",
        "FLOWER_DB": str(state_dir / "flower.db"),
        # Read-only: no revoking, terminating or sending tasks from the dashboard or its API.
        "FLOWER_READ_ONLY": "true" if read_only else "false",
        # Workers send events from their start; Flower's periodic enable_events broadcast is a
        # control command they refuse (workers/app.py), so it is not sent.
        "FLOWER_ENABLE_EVENTS": "false",
    })
    argv = [sys.executable, "-m", "celery", "-A", FLOWER_APP, "flower", f"--address={address}",
            f"--port={port}", f"--logging={settings.log_level.lower()}"]
    return FlowerLaunch(argv=argv, env=env)
