"""Alembic environment: online migrations against the URL the config carries."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from schemas.tables import JobBase

target_metadata = JobBase.metadata


def run_migrations_online() -> None:
    """Run every pending revision in one connection."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url)
    with engine.connect() as connection:
        # render_as_batch: SQLite can't ALTER most things; batch mode rebuilds the table.
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("sealq migrations run online only: `sealq db upgrade`")
run_migrations_online()
