"""`sealq keys init|rotate|shred`: the master key file, and erasing one job's data key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from producer.commands.common import errors, open_client, stderr
from schemas.cli_common import EnvFile, settings_or_exit

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
    rewrap: Annotated[bool, typer.Option(
        help="Also re-wrap live bucket keys under the new primary (needs the key store).")] =
        False,
    env_file: EnvFile = None,
) -> None:
    """Add a new primary master key; older keys still open what they wrapped."""
    from schemas.keyfile import load_key_file, rotate_key_file

    if path is None or rewrap:
        settings = settings_or_exit(env_file)
        path = path or settings.keys_file
    with errors():
        key_id = rotate_key_file(path)
        stderr().print(f"added primary key {key_id} to {path}")
        if rewrap:
            from schemas.db import make_engine, store_errors
            from schemas.keystore import KeyStore

            store = KeyStore(make_engine(settings.resolved_key_store_url), load_key_file(path),
                             bucket_seconds=settings.key_bucket_seconds)
            with store_errors("key store"):
                stderr().print(f"re-wrapped {store.rewrap_all()} bucket keys")


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
