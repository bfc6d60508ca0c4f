"""`sealq db upgrade`: create or migrate the job database, and create the key store."""

from __future__ import annotations

from typing import Annotated

import typer

from producer.commands.common import errors, stderr
from schemas.cli_common import EnvFile, settings_or_exit

db_app = typer.Typer(no_args_is_help=True, add_completion=False, help="Job database schema.")


@db_app.callback()
def _db_group() -> None:
    """Job database schema."""  # a callback keeps `upgrade` a subcommand


@db_app.command("upgrade")
def db_upgrade(
    env_file: EnvFile = None,
    wait: Annotated[float, typer.Option(
        min=0, help="Seconds to keep retrying a database that is not reachable yet.")] = 0,
) -> None:
    """Migrate the job database, create the key store's table, then the database users.

    With SEALQ_DB_ROLES_FILE (PostgreSQL), every role gets its own least-privilege user:
    created or updated, with exactly the grants of schemas/grants.py, on both databases.
    """
    import migrations
    from migrations.roles import apply_roles, load_role_passwords
    from schemas.db import make_engine, store_errors, wait_until_reachable
    from schemas.keyring import KeyRing
    from schemas.keystore import KeyStore

    settings = settings_or_exit(env_file)
    out = stderr()
    with errors():
        passwords = (load_role_passwords(settings.db_roles_file)
                     if settings.db_roles_file is not None else None)
        master = KeyRing.from_file(settings.keys_file)
        databases = {"job database": make_engine(settings.database_url, pool_size=1),
                     "key store": make_engine(settings.resolved_key_store_url, pool_size=1)}
        for what, engine in databases.items():
            wait_until_reachable(engine, what, seconds=wait)
        with store_errors():
            migrations.upgrade(settings.database_url)
        with store_errors("key store"):
            KeyStore(databases["key store"], master,
                     bucket_seconds=settings.key_bucket_seconds).create_schema()
        out.print(f"job database at revision {migrations.current(settings.database_url)}")
        if passwords is None:
            return
        for what, engine in databases.items():
            if engine.dialect.name != "postgresql":
                out.print(f"{what}: SQLite, no database users to create")
                continue
            with store_errors(what):
                report = apply_roles(engine, what, passwords, prefix=settings.db_role_prefix)
            disabled = (f"; login disabled (no password): {', '.join(report.no_login)}"
                        if report.no_login else "")
            out.print(f"{what}: users {', '.join(report.login)}{disabled}")
