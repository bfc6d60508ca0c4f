"""`sealq keys`: the master key file (init, staged rotation, rewrap, status, retire), shred."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from producer.commands.common import errors, open_client, stderr
from schemas import constants
from schemas.cli_common import EnvFile, fail, settings_or_exit

if TYPE_CHECKING:
    from datetime import datetime

    from schemas.keystore import KeyStore
    from schemas.settings import Settings

keys_app = typer.Typer(no_args_is_help=True, add_completion=False,
                       help="Keys: create and rotate the master key file, shred a job.")


@keys_app.command("init")
def keys_init(path: Annotated[Path, typer.Argument(help="Where to write the key file.")]) -> None:
    """Create a key file (mode 0600) with one fresh master key."""
    from schemas.keyfile import init_key_file

    with errors():
        key_id = init_key_file(path)
    stderr().print(f"created {path} with primary key {key_id}")


@keys_app.command("rotate")
def keys_rotate(
    path: Annotated[Path | None, typer.Argument(help="Key file; default SEALQ_KEYS_FILE.")] =
        None,
    stage: Annotated[bool, typer.Option(
        "--stage", help="Only add a new key, not primary yet: copy the file to every host, "
                        "then promote it.")] = False,
    promote: Annotated[bool, typer.Option(
        "--promote", help="Make the newest staged key (or --key) primary.")] = False,
    key: Annotated[str | None, typer.Option(help="With --promote: the key id to promote.")] =
        None,
    rewrap: Annotated[bool, typer.Option(
        help="Also re-wrap live bucket keys under the new primary (needs the key store).")] =
        False,
    env_file: EnvFile = None,
) -> None:
    """Rotate the master key: stage a new key, promote it, or both at once (the default)."""
    from schemas.db import store_errors
    from schemas.keyfile import promote_key, rotate_key_file, stage_key

    if stage and (promote or rewrap or key):
        fail("--stage only adds a key; promote it (and re-wrap) in a later run",
             constants.EXIT_CONFIG)
    if key and not promote:
        fail("--key names the key to promote; add --promote", constants.EXIT_CONFIG)
    settings = settings_or_exit(env_file) if path is None or rewrap else None
    path = path or settings.keys_file  # type: ignore[union-attr]  # set when path is None
    with errors():
        if stage:
            key_id = stage_key(path)
            stderr().print(f"staged key {key_id} in {path} (not primary yet); copy the file to "
                           f"every host, then run `sealq keys rotate --promote`")
            return
        key_id = promote_key(path, key) if promote else rotate_key_file(path)
        stderr().print(f"primary key of {path} is now {key_id}")
        if rewrap:
            assert settings is not None  # loaded above whenever rewrap is asked
            with store_errors("key store"):
                count = _key_store(settings, path).rewrap_all()
            stderr().print(f"re-wrapped {count} bucket keys")


@keys_app.command("rewrap")
def keys_rewrap(env_file: EnvFile = None) -> None:
    """Re-wrap every live bucket key under the primary master key (and the newest format)."""
    from schemas.db import store_errors

    settings = settings_or_exit(env_file)
    with errors(), store_errors("key store"):
        count = _key_store(settings, settings.keys_file).rewrap_all()
    stderr().print(f"re-wrapped {count} bucket keys under the primary master key")


@keys_app.command("status")
def keys_status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    env_file: EnvFile = None,
) -> None:
    """Master keys in the key file and how many live bucket keys each one wraps."""
    from datetime import UTC, datetime

    from rich.console import Console
    from rich.table import Table

    from schemas.db import store_errors

    settings = settings_or_exit(env_file)
    with errors(), store_errors("key store"):
        store = _key_store(settings, settings.keys_file)
        keys = store.ring.keys
        live = store.live_by_master(now=datetime.now(UTC))
    staged = set(keys.staged())
    report = [{"id": key_id,
               "role": "primary" if key_id == keys.primary else
                       "staged" if key_id in staged else "old",
               "created_at": keys.created.get(key_id) or None,
               "live_bucket_keys": live.get(key_id, (0, None))[0],
               "last_bucket_ends": _iso(live.get(key_id, (0, None))[1])}
              for key_id in keys.ids]
    unknown = sorted(set(live) - set(keys.keys))
    if as_json:
        print(json.dumps({"keys": report, "unknown_master_keys": unknown}))
        return
    table = Table("master key", "role", "live bucket keys", "last one ends")
    for row in report:
        table.add_row(str(row["id"]), str(row["role"]), str(row["live_bucket_keys"]),
                      str(row["last_bucket_ends"] or "-"))
    Console().print(table)
    if unknown:
        stderr().print(f"[yellow]warning:[/] bucket keys are wrapped by master keys missing "
                       f"from this key file: {', '.join(unknown)}")


@keys_app.command("retire")
def keys_retire(
    key_id: Annotated[str, typer.Argument(help="The master key to remove from the key file.")],
    env_file: EnvFile = None,
) -> None:
    """Remove an old master key, once no live bucket key is wrapped by it."""
    from datetime import UTC, datetime

    from schemas.db import store_errors
    from schemas.errors import ConfigError
    from schemas.keyfile import retire_key

    settings = settings_or_exit(env_file)
    with errors(), store_errors("key store"):
        store = _key_store(settings, settings.keys_file)
        if key_id == store.ring.primary:
            raise ConfigError(f"{key_id} is the primary key; promote another first")
        count, last = store.live_by_master(now=datetime.now(UTC)).get(key_id, (0, None))
        if count:
            fail(f"{key_id} still wraps {count} live bucket keys (the last ends "
                 f"{_iso(last)}); run `sealq keys rewrap` to move them under the primary, "
                 f"or wait until then")
        retire_key(settings.keys_file, key_id)
    stderr().print(f"retired {key_id}: removed from {settings.keys_file}; copy the file to "
                   "every host")


def _key_store(settings: Settings, path: Path) -> KeyStore:
    """The key store on these settings, its master keys read from `path`."""
    from schemas.db import make_engine
    from schemas.keyring import KeyRing
    from schemas.keystore import KeyStore

    store = KeyStore(make_engine(settings.resolved_key_store_url), KeyRing.from_file(path),
                     bucket_seconds=settings.key_bucket_seconds)
    store.create_schema()
    return store


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


@keys_app.command("shred")
def keys_shred(
    job: Annotated[str, typer.Argument(help="Job id whose data key to destroy.")],
    env_file: EnvFile = None,
) -> None:
    """Destroy one job's data key and sealed data now (right to erasure); cannot be undone."""
    client = open_client(env_file)
    with errors():
        report = client.shred(job)
    client.close()
    ended = "; it was unfinished and is now cancelled" if report.cancelled else ""
    stderr().print(f"job {job}: data key and sealed data destroyed (state {report.state}){ended}")
