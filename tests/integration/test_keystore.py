"""The key store on real SQLite and PostgreSQL: a bounded cache that forgets ended buckets,
bucket ends bound to their keys, and a SQLite write-ahead log that is emptied for sure."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import make_url

from schemas import envelope
from schemas.db import make_engine
from schemas.errors import EnvelopeError
from schemas.keyfile import MasterKeys
from schemas.keystore import BUCKET_HEADER, KeyStore, bucket_id
from schemas.tables import BucketKey

pytestmark = pytest.mark.integration

T0 = datetime(2031, 3, 4, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
MASTER = MasterKeys(primary="mk-1", keys={"mk-1": bytes(range(32))})


@pytest.fixture(params=["sqlite", "postgresql"])
def store_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty key-store database of each kind, as sealq connects to it."""
    url = (f"sqlite:///{tmp_path / 'keys.db'}" if request.param == "sqlite"
           else str(request.getfixturevalue("pg_url")))
    engine = make_engine(url)
    yield engine
    engine.dispose()


def store(engine: Engine, **options: int) -> KeyStore:
    """A key store handle with its table created and an empty cache."""
    keystore = KeyStore(engine, MASTER, bucket_seconds=3600, **options)
    keystore.create_schema()
    return keystore


def rows(engine: Engine) -> dict[str, BucketKey]:
    """The key store's rows by id."""
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        return {row.id: row for row in session.scalars(select(BucketKey))}


# --- the cache (item: destroyed bucket keys live on in memory) --------------------------------


def test_ended_buckets_leave_the_cache_on_the_next_access(store_engine: Engine) -> None:
    """A bucket key is dropped from memory at the first access after its bucket ends, even
    when nothing shreds it in this process."""
    keystore = store(store_engine)
    short, _ = keystore.kek_for_expiry(T0 + timedelta(minutes=30), now=T0)
    long, _ = keystore.kek_for_expiry(T0 + 5 * HOUR, now=T0)
    assert keystore.cached_count() == 2
    keystore.kek(long, now=T0 + HOUR + timedelta(seconds=1))
    assert keystore.cached_count() == 1
    with pytest.raises(EnvelopeError):
        keystore.kek(short, now=T0 + HOUR + timedelta(seconds=1))


def test_the_cache_is_bounded_and_forgets_the_least_recently_used(store_engine: Engine) -> None:
    """At most cache_size keys stay in memory; an evicted key is read again from the store."""
    keystore = store(store_engine, cache_size=3)
    ids = [keystore.kek_for_expiry(T0 + (n + 1) * HOUR, now=T0) for n in range(5)]
    assert keystore.cached_count() == 3
    fresh = store(store_engine)
    for key_id, key in ids:
        assert fresh.kek(key_id, now=T0) == key  # the evicted ones come back from the store
        assert keystore.kek(key_id, now=T0) == key
    assert keystore.cached_count() == 3


# --- a bucket key's end (item: not_after is not authenticated) --------------------------------


def test_moving_a_buckets_end_into_the_future_does_not_keep_its_key(store_engine: Engine) -> None:
    """A key-store row whose not_after was pushed a year ahead no longer opens, and the sweep
    at the bucket's real end destroys it all the same."""
    keystore = store(store_engine)
    key_id, _ = keystore.kek_for_expiry(T0 + timedelta(minutes=30), now=T0)
    _, real_end = bucket_id(T0 + timedelta(minutes=30), 3600)
    with store_engine.begin() as connection:
        connection.execute(update(BucketKey).where(BucketKey.id == key_id)
                           .values(not_after=real_end + timedelta(days=365)))
    with pytest.raises(EnvelopeError):
        store(store_engine).kek(key_id, now=T0)
    assert store(store_engine).count_expired(now=real_end) == 1
    assert store(store_engine).shred_expired(now=real_end) == [key_id]
    assert rows(store_engine) == {}


def test_a_bucket_id_sealq_never_makes_is_destroyed(store_engine: Engine) -> None:
    """A row renamed to an id that names no bucket end opens for nobody and is swept at once."""
    keystore = store(store_engine)
    key_id, _ = keystore.kek_for_expiry(T0 + 5 * HOUR, now=T0)
    with store_engine.begin() as connection:
        connection.execute(update(BucketKey).where(BucketKey.id == key_id)
                           .values(id="bk-forever"))
    with pytest.raises(EnvelopeError):
        store(store_engine).kek("bk-forever", now=T0)
    assert store(store_engine).shred_expired(now=T0) == ["bk-forever"]


def _legacy_row(key_id: str, key: bytes, not_after: datetime) -> dict[str, object]:
    """A bucket key wrapped as format 1 did it: no header, and no end in the associated data."""
    nonce = os.urandom(12)
    aad = json.dumps({"bucket": key_id, "master": "mk-1", "v": 1}, sort_keys=True,
                     separators=(",", ":")).encode()
    return {"id": key_id, "master_key_id": "mk-1", "not_after": not_after, "created_at": T0,
            "wrapped_key": nonce + AESGCM(MASTER.keys["mk-1"]).encrypt(nonce, key, aad)}


def test_format_1_rows_keep_opening_refuse_a_moved_end_and_are_rewrapped(
        store_engine: Engine) -> None:
    """Rows wrapped before the end was bound still open while their end agrees with their id,
    are refused once it does not, and rewrap_all rewrites them in format 2."""
    store(store_engine)
    good_id, good_end = bucket_id(T0 + 2 * HOUR, 3600)
    moved_id, moved_end = bucket_id(T0 + 3 * HOUR, 3600)
    good_key, moved_key = envelope.new_key(), envelope.new_key()
    with store_engine.begin() as connection:
        connection.execute(insert(BucketKey), [
            _legacy_row(good_id, good_key, good_end),
            _legacy_row(moved_id, moved_key, moved_end + timedelta(days=30))])
    keystore = store(store_engine)
    assert keystore.kek(good_id, now=T0) == good_key
    with pytest.raises(EnvelopeError):
        keystore.kek(moved_id, now=T0)
    with pytest.raises(EnvelopeError):  # the moved row cannot be re-wrapped into validity
        store(store_engine).rewrap_all(now=T0)
    with store_engine.begin() as connection:
        connection.execute(update(BucketKey).where(BucketKey.id == moved_id)
                           .values(not_after=moved_end))
    assert store(store_engine).rewrap_all(now=T0) == 2
    after = rows(store_engine)
    assert all(row.wrapped_key.startswith(BUCKET_HEADER) for row in after.values())
    assert store(store_engine).kek(good_id, now=T0) == good_key
    assert store(store_engine).kek(moved_id, now=T0) == moved_key
    assert store(store_engine).rewrap_all(now=T0) == 0


# --- SQLite's write-ahead log (item: the checkpoint result is ignored) ------------------------


def test_a_busy_checkpoint_is_retried_by_every_sweep_until_the_log_is_clean(
        tmp_path: Path) -> None:
    """While a reader holds an old snapshot the destroyed key stays in the WAL and the sweep
    says so; the next sweep, with nothing new to destroy, empties it."""
    from workers.lifecycle.sweeper import Sweeper

    url = f"sqlite:///{tmp_path / 'keys.db'}"
    engine = make_engine(url)
    keystore = store(engine)
    key_id, _ = keystore.kek_for_expiry(T0 + timedelta(minutes=30), now=T0)
    keystore.kek_for_expiry(T0 + 10 * HOUR, now=T0)
    doomed = rows(engine)[key_id].wrapped_key
    path = Path(str(make_url(url).database))

    def files_hold_the_key() -> bool:
        return any(doomed in p.read_bytes() for p in path.parent.iterdir()
                   if p.name.startswith(path.name))

    jobs = make_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    import migrations

    migrations.upgrade(f"sqlite:///{tmp_path / 'jobs.db'}")
    sweeper = Sweeper(jobs, keystore)
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM bucket_keys").fetchone() == (2,)
        first = sweeper.run(now=T0 + HOUR)
        assert (first.keys_destroyed, first.key_log_clean) == (1, False)
        assert files_hold_the_key()
    finally:
        reader.execute("COMMIT")
        reader.close()
    second = sweeper.run(now=T0 + HOUR)
    assert (second.keys_destroyed, second.key_log_clean) == (0, True)
    assert not files_hold_the_key()
    jobs.dispose()
    engine.dispose()
