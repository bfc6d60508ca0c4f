"""The gateway (`sealq api`) and its operators' commands: `sealq tenant`, `apikey`, `audit`.

They need the job database only (`api` also the key file and Redis); none of them ever shows
a key's secret except `apikey issue`, once, as the last line of its output.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from schemas import constants
from schemas.cli_common import EnvFile, configure_logging, fail, settings_or_exit
from schemas.errors import ConfigError, SealqError

tenant_app = typer.Typer(no_args_is_help=True,
                         help="Tenants: who may use the gateway, their weights and limits.")
apikey_app = typer.Typer(no_args_is_help=True,
                         help="API keys: issue (shown once), list, revoke.")
err = Console(stderr=True)

RateLimit = Annotated[int | None, typer.Option(
    "--rate-limit", min=1, help="Requests per minute; default SEALQ_API_RATE_LIMIT_PER_MINUTE.")]
MaxEnqueued = Annotated[int | None, typer.Option(
    "--max-enqueued-jobs", min=1,
    help="Jobs queued or running at once; default SEALQ_API_MAX_ENQUEUED_JOBS.")]
AsJson = Annotated[bool, typer.Option("--json", help="JSON instead of a table.")]


def _now() -> datetime:
    return datetime.now(UTC)


def _directory(env_file: Path | None) -> Any:
    from producer.tenants import TenantDirectory
    from schemas.db import make_engine

    settings = settings_or_exit(env_file)
    return TenantDirectory(make_engine(settings.database_url, pool_size=1))


def _run(action: Any) -> Any:
    try:
        return action()
    except ConfigError as e:
        fail(str(e), constants.EXIT_CONFIG)
    except SealqError as e:
        fail(str(e))


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def api_command(
    env_file: EnvFile = None,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 in a container).")] =
        "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    forwarded_allow_ips: Annotated[str | None, typer.Option(
        help="Addresses of the TLS proxy whose X-Forwarded-For is trusted (comma-separated).")]
        = None,
) -> None:
    """Serve the OpenAI-compatible Batch API to tenants (put a TLS proxy in front)."""
    import uvicorn

    from producer.api.app import create_app
    from producer.api.server import build_gateway

    settings = settings_or_exit(env_file)
    configure_logging(settings.log_level)
    gateway = _run(lambda: build_gateway(settings))
    app = create_app(gateway)
    uvicorn.run(app, host=host, port=port, log_config=None, server_header=False,
                proxy_headers=forwarded_allow_ips is not None,
                forwarded_allow_ips=forwarded_allow_ips, log_level=settings.log_level.lower())


@tenant_app.command("add")
def tenant_add(
    name: Annotated[str, typer.Argument(help="Tenant name (letters, digits, '.', '_', '-').")],
    weight: Annotated[int, typer.Option(min=1, max=1000, help="Share of the GPU.")] = 1,
    rate_limit: RateLimit = None,
    max_enqueued_jobs: MaxEnqueued = None,
    env_file: EnvFile = None,
) -> None:
    """Register a tenant."""
    directory = _directory(env_file)
    info = _run(lambda: directory.add(name, now=_now(), weight=weight, rate_limit=rate_limit,
                                      max_enqueued_jobs=max_enqueued_jobs))
    err.print(f"added tenant {info.name}; issue it a key with `sealq apikey issue {info.name}`")


@tenant_app.command("set")
def tenant_set(
    name: Annotated[str, typer.Argument(help="Tenant name.")],
    weight: Annotated[int | None, typer.Option(min=1, max=1000, help="Share of the GPU.")] =
        None,
    rate_limit: RateLimit = None,
    max_enqueued_jobs: MaxEnqueued = None,
    default_rate_limit: Annotated[bool, typer.Option(
        "--default-rate-limit", help="Use the deployment's default rate again.")] = False,
    default_max_enqueued_jobs: Annotated[bool, typer.Option(
        "--default-max-enqueued-jobs", help="Use the deployment's default quota again.")] =
        False,
    env_file: EnvFile = None,
) -> None:
    """Change a tenant's weight or limits."""
    clear = [field for field, wanted in (("rate_limit_per_minute", default_rate_limit),
                                         ("max_enqueued_jobs", default_max_enqueued_jobs))
             if wanted]
    directory = _directory(env_file)
    info = _run(lambda: directory.set(name, weight=weight, rate_limit=rate_limit,
                                      max_enqueued_jobs=max_enqueued_jobs, clear=clear))
    err.print(f"tenant {info.name}: weight {info.weight}, rate limit "
              f"{info.rate_limit_per_minute or 'default'}/min, max enqueued jobs "
              f"{info.max_enqueued_jobs or 'default'}")


@tenant_app.command("list")
def tenant_list(as_json: AsJson = False, env_file: EnvFile = None) -> None:
    """Every tenant with its weight and limits (empty limits: the deployment's defaults)."""
    tenants = _run(lambda: _directory(env_file).all())
    if as_json:
        print(json.dumps([{"name": t.name, "weight": t.weight,
                           "rate_limit_per_minute": t.rate_limit_per_minute,
                           "max_enqueued_jobs": t.max_enqueued_jobs,
                           "created_at": _when(t.created_at)} for t in tenants]))
        return
    table = Table("tenant", "weight", "rate limit/min", "max enqueued jobs", "created")
    for t in tenants:
        table.add_row(t.name, str(t.weight), str(t.rate_limit_per_minute or "default"),
                      str(t.max_enqueued_jobs or "default"), _when(t.created_at) or "")
    Console().print(table)


@apikey_app.command("issue")
def apikey_issue(
    tenant: Annotated[str, typer.Argument(help="Tenant the key acts for.")],
    role: Annotated[str, typer.Option(
        help="submitter (create, cancel, delete, read) or reader (read only).")] = "submitter",
    expires_in_days: Annotated[int | None, typer.Option(
        min=1, max=3650, help="Days until the key stops working; default never.")] = None,
    env_file: EnvFile = None,
) -> None:
    """Issue a key; the key is printed once, as the last line. Store it in a secret store."""
    from producer.tenants import Role

    if role not in {r.value for r in Role}:
        fail(f"--role must be submitter or reader, not {role!r}", constants.EXIT_CONFIG)
    directory = _directory(env_file)
    expires = None if expires_in_days is None else timedelta(days=expires_in_days)
    info, key = _run(lambda: directory.issue_key(tenant, role=Role(role), now=_now(),
                                                 expires_in=expires))
    until = f", expires {_when(info.expires_at)}" if info.expires_at else ""
    err.print(f"issued {info.role} key {info.display_id} for tenant {tenant}{until}. It is "
              "shown once, now; sealq keeps only its hash:")
    print(key)


@apikey_app.command("list")
def apikey_list(
    tenant: Annotated[str | None, typer.Argument(help="Only this tenant's keys.")] = None,
    as_json: AsJson = False,
    env_file: EnvFile = None,
) -> None:
    """Keys with tenant, role, status and times; never a secret."""
    keys = _run(lambda: _directory(env_file).keys(tenant))
    now = _now()
    rows = [{"id": k.display_id, "tenant": k.tenant, "role": k.role, "status": k.status(now),
             "created_at": _when(k.created_at), "last_used_at": _when(k.last_used_at),
             "expires_at": _when(k.expires_at), "revoked_at": _when(k.revoked_at)}
            for k in keys]
    if as_json:
        print(json.dumps(rows))
        return
    table = Table("id", "tenant", "role", "status", "created", "last used", "expires")
    for row in rows:
        table.add_row(row["id"], row["tenant"], row["role"], row["status"],
                      row["created_at"] or "", row["last_used_at"] or "never",
                      row["expires_at"] or "never")
    Console().print(table)


@apikey_app.command("revoke")
def apikey_revoke(
    key: Annotated[str, typer.Argument(help="The key's id (sqk_...) or the whole key.")],
    env_file: EnvFile = None,
) -> None:
    """Revoke a key; calls with it are refused (401) from now on."""
    info = _run(lambda: _directory(env_file).revoke(key, now=_now()))
    err.print(f"revoked {info.display_id} (tenant {info.tenant}, {info.role})")


def audit_command(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's events.")] = None,
    since: Annotated[str | None, typer.Option(
        help="From this moment (ISO 8601, e.g. 2026-12-01T00:00Z) or this long ago "
             "(30m, 12h, 7d).")] = None,
    action: Annotated[str | None, typer.Option(
        help="Only this action, e.g. batches.create or files.content.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="Newest events at most.")] =
        1000,
    as_json: AsJson = False,
    env_file: EnvFile = None,
) -> None:
    """The gateway's audit trail: who called what, on which ids, and how it ended."""
    from producer.audit import AuditLog
    from schemas.db import make_engine

    start = _since(since, _now())
    settings = settings_or_exit(env_file)
    log = AuditLog(make_engine(settings.database_url, pool_size=1))
    events = _run(lambda: log.events(tenant=tenant, since=start, action=action, limit=limit))
    if as_json:
        for event in events:
            print(json.dumps(event.as_dict()))
        return
    table = Table()
    for column in ("at", "tenant", "key", "action", "object", "status", "outcome", "in", "out",
                   "items"):
        # Folded, not cut: an id is only useful whole.
        table.add_column(column, overflow="fold")
    for e in events:
        table.add_row(_when(e.at) or "", e.tenant or "-",
                      f"{constants.API_KEY_PREFIX}{e.key_id}" if e.key_id else "-", e.action,
                      e.object_id or "-", str(e.status), e.outcome, str(e.request_bytes),
                      str(e.response_bytes), "" if e.items is None else str(e.items))
    Console().print(table)


DURATION = re.compile(r"(\d+)([smhd])")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _since(value: str | None, now: datetime) -> datetime | None:
    if value is None:
        return None
    match = DURATION.fullmatch(value.strip())
    if match:
        return now - timedelta(seconds=int(match.group(1)) * UNITS[match.group(2)])
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        fail(f"--since {value!r} is neither a time (2026-12-01T00:00Z) nor a duration "
             "(30m, 12h, 7d)", constants.EXIT_CONFIG)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
