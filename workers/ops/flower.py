"""Flower behind authentication: check the credentials, then hand the process to Flower.

Flower reads its options from FLOWER_* variables; sealq builds that environment from checked
settings only (schemas.ops_settings reads Flower's documented variables, refusing the ones it
cannot honour), so nothing unchecked reaches Flower, and secrets travel in the environment,
never on the command line `ps` shows.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from schemas.errors import ConfigError
from schemas.messages import celery_config
from schemas.ops_settings import FLOWER_PASS_THROUGH, FlowerSettings

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
# The only wildcard sealq lets through: a whole domain the organisation controls. A prefix
# (`ops-.*@example.com`) is refused: at a domain where people pick their own addresses
# (`a.*@gmail.com`) anyone can register one that matches.
DOMAIN_WILDCARD = re.compile(rf"\.\*{_DOMAIN}")
# Mail providers where anyone can open an address: a whole-domain wildcard there admits the
# world. Not exhaustive; name the addresses when in doubt.
PUBLIC_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
    "yahoo.com", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me",
    "protonmail.com", "pm.me", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com",
    "zoho.com", "yandex.com", "yandex.ru", "mail.ru", "qq.com", "163.com", "126.com",
    "sina.com", "fastmail.com", "tutanota.com", "hey.com",
})
# The Celery app Flower runs with (`celery -A`): sealq's broker settings, see flower_config.
FLOWER_APP = "workers.ops.flower_app"
# Prefixes of variables Flower's process must not inherit: Flower's and Celery's own options
# are set here from checked values, and sealq's settings hold secrets Flower does not need.
STRIPPED_PREFIXES = ("FLOWER_", "CELERY_", "SEALQ_")
DEFAULT_PORT = 5555
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class FlowerLaunch:
    """The program Flower runs as and its environment (which holds the secrets)."""

    argv: list[str]
    env: dict[str, str]

    def exec(self) -> None:
        """Replace this process with Flower, so signals from a supervisor reach it directly."""
        os.execve(self.argv[0], self.argv, self.env)  # noqa: S606  # argv is ours, no shell


def flower_config(broker_url: str) -> dict[str, object]:
    """Celery settings for Flower's app: the broker contract the workers use.

    Flower consumes only events and remote-control replies, never a task message. Without
    ack emulation (celery_config turns it off for every sealq process) its kombu channel keeps
    no unacked state and never restores other consumers' messages to their queues (which would
    need rights over the task queues).
    """
    return celery_config(broker_url)


def check_basic_auth(value: str, variable: str = "SEALQ_FLOWER_BASIC_AUTH") -> list[str]:
    """The `user:password` entries of the variable, or ConfigError naming the flaw."""
    entries = value.split(",")
    for number, entry in enumerate(entries, start=1):
        user, sep, password = entry.partition(":")
        where = f"{variable} entry {number}"
        if not user.strip():
            raise ConfigError(f"{where} has no user name; expected user:password")
        if not sep or not password:
            raise ConfigError(f"{where} (user {user!r}) has no password; expected user:password")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ConfigError(f"{where} (user {user!r}) has a password shorter than "
                              f"{MIN_PASSWORD_LENGTH} characters")
    return entries


def check_auth_pattern(pattern: str) -> str:
    """FLOWER_AUTH if it names exact addresses or one organisation's domain, else ConfigError."""
    if any(char in pattern for char in "^$\\()[]{}?"):
        raise ConfigError(
            "FLOWER_AUTH is matched against the whole address by Flower 2, not as a regular "
            "expression: drop ^, $, backslashes and groups; give addresses joined by | or "
            "one domain as .*@example.com")
    if "*" in pattern.rpartition("@")[2]:
        raise ConfigError("FLOWER_AUTH must not put a wildcard in the domain: name the "
                          "addresses, joined by |, or one whole domain as .*@example.com")
    if "*" in pattern and "|" not in pattern:
        if not DOMAIN_WILDCARD.fullmatch(pattern):
            raise ConfigError(
                f"FLOWER_AUTH {pattern!r} is a partial wildcard: a prefix like a.*@ admits "
                "anyone who can pick a matching address; name the addresses, joined by |, "
                "or one whole domain your organisation controls as .*@example.com")
        domain = pattern.rpartition("@")[2].lower()
        if domain in PUBLIC_MAIL_DOMAINS:
            raise ConfigError(f"FLOWER_AUTH {pattern!r} admits every address of {domain}, "
                              "where anyone can open one: name the addresses, joined by |")
        return pattern
    for address in pattern.split("|"):
        if not EXACT_ADDRESS.fullmatch(address):
            raise ConfigError(f"FLOWER_AUTH entry {address!r} is not an e-mail address (a "
                              "wildcard is allowed only alone, for a whole domain: "
                              ".*@example.com)")
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
    if settings.flower_basic_auth is not None and settings.basic_auth is not None:
        raise ConfigError("SEALQ_FLOWER_BASIC_AUTH and FLOWER_BASIC_AUTH are both set: "
                          "keep one")
    if settings.flower_basic_auth is not None:
        entries = check_basic_auth(settings.flower_basic_auth.get_secret_value())
        env["FLOWER_BASIC_AUTH"] = ",".join(entries)
    elif settings.basic_auth is not None:
        entries = check_basic_auth(settings.basic_auth.get_secret_value(), "FLOWER_BASIC_AUTH")
        env["FLOWER_BASIC_AUTH"] = ",".join(entries)
    if settings.auth_provider or settings.auth:
        env.update(_oauth_env(settings))
    if not env:
        raise ConfigError("Flower needs authentication: set SEALQ_FLOWER_BASIC_AUTH=user:password "
                          "or FLOWER_AUTH_PROVIDER with FLOWER_AUTH and the OAuth client")
    return env


def _as_flower_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return str(value)


def options_env(settings: FlowerSettings) -> dict[str, str]:
    """The checked Flower options sealq passes on as they are (FLOWER_URL_PREFIX, ...)."""
    env: dict[str, str] = {}
    for field in FLOWER_PASS_THROUGH:
        value = getattr(settings, field)
        if value is not None:
            env[f"FLOWER_{field.upper()}"] = _as_flower_value(value)
    if (settings.certfile is None) != (settings.keyfile is None):
        raise ConfigError("FLOWER_CERTFILE and FLOWER_KEYFILE go together: set both for TLS, "
                          "or neither")
    if settings.ca_certs is not None and settings.certfile is None:
        raise ConfigError("FLOWER_CA_CERTS needs FLOWER_CERTFILE and FLOWER_KEYFILE")
    for name in ("certfile", "keyfile", "ca_certs"):
        path = getattr(settings, name)
        if path is not None and not path.is_file():
            raise ConfigError(f"FLOWER_{name.upper()} names {path}, which is not a file")
    return env


def listen_argv(settings: FlowerSettings, *, address: str | None,
                port: int | None) -> list[str]:
    """Where Flower listens: the command's options, else FLOWER_ADDRESS/PORT/UNIX_SOCKET."""
    if settings.unix_socket is not None:
        if address or port or settings.address or settings.port:
            raise ConfigError("FLOWER_UNIX_SOCKET and an address or port both say where "
                              "Flower listens: give one")
        return [f"--unix_socket={settings.unix_socket}"]
    return [f"--address={address or settings.address or LOOPBACK}",
            f"--port={port or settings.port or DEFAULT_PORT}"]


def flower_launch(settings: FlowerSettings, *, address: str | None, port: int | None,
                  read_only: bool | None, state_dir: Path,
                  base_env: Mapping[str, str]) -> FlowerLaunch:
    """How to start Flower on the broker with checked authentication; raises ConfigError.

    `address`, `port` and `read_only` come from the command line and win over Flower's own
    variables; None means not given there.
    """
    env = {name: value for name, value in base_env.items()
           if not name.startswith(STRIPPED_PREFIXES)}
    env.update(auth_env(settings))
    env.update(options_env(settings))
    if read_only is None:
        read_only = True if settings.read_only is None else settings.read_only
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
    argv = [sys.executable, "-m", "celery", "-A", FLOWER_APP, "flower",
            *listen_argv(settings, address=address, port=port),
            f"--logging={settings.log_level.lower()}"]
    return FlowerLaunch(argv=argv, env=env)
