"""The key store's table is created safely by many processes starting at once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect

from schemas import envelope
from schemas.db import make_engine
from schemas.keyfile import MasterKeys
from schemas.keystore import KeyStore

pytestmark = pytest.mark.integration

STARTERS = 8


@pytest.fixture(params=["postgresql", "sqlite"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty key-store database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'keys.db'}"
    return str(request.getfixturevalue("pg_url"))


def test_concurrent_create_schema_on_a_fresh_database(fresh_url: str) -> None:
    """Workers, beat and producers starting together must not collide creating the table."""
    master = MasterKeys(primary="mk-1", keys={"mk-1": envelope.new_key()})
    engines = [make_engine(fresh_url) for _ in range(STARTERS)]
    barrier = threading.Barrier(STARTERS)
    errors: list[BaseException] = []

    def start(index: int) -> None:
        store = KeyStore(engines[index], master, bucket_seconds=3600)
        barrier.wait()
        try:
            store.create_schema()
        except BaseException as e:  # noqa: BLE001  # collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(STARTERS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert "bucket_keys" in inspect(engines[0]).get_table_names()
    finally:
        for engine in engines:
            engine.dispose()
