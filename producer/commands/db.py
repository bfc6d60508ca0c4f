"""`sealq db upgrade`: create or migrate the job database, and create the key store."""

from __future__ import annotations

import typer

from producer.commands.common import errors, stderr
from schemas.cli_common import EnvFile, settings_or_exit

db_app = typer.Typer(no_args_is_help=True, add_completion=False, help="Job database schema.")


@db_app.callback()
def _db_group() -> None:
    """Job database schema."""  # a callback keeps `upgrade` a subcommand


@db_app.command("upgrade")
def db_upgrade(env_file: EnvFile = None) -> None:
    """Create or migrate the job database's tables, and the key store's."""
    import migrations
    from schemas.db import make_engine, store_errors
    from schemas.keyfile import load_key_file
    from schemas.keystore import KeyStore

    settings = settings_or_exit(env_file)
    with errors(), store_errors():
        migrations.upgrade(settings.database_url)
        store = KeyStore(make_engine(settings.resolved_key_store_url),
                         load_key_file(settings.keys_file),
                         bucket_seconds=settings.key_bucket_seconds)
        store.create_schema()
    stderr().print(f"job database at revision {migrations.current(settings.database_url)}")
