"""The key store: one random key per bucket of expiry time, wrapped by a master key.

A job's data key is wrapped by the key of the bucket its expiry falls in. Deleting a bucket's
key after the bucket ends makes every job that expired in it unreadable, in the live database
and in every copy of it (crypto-shredding), without touching the job rows.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, delete, func, inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from schemas.constants import KEY_BYTES, NONCE_BYTES
from schemas.envelope import new_key
from schemas.errors import EnvelopeError, StoreUnavailable
from schemas.keyfile import MasterKeys
from schemas.tables import BucketKey, KeyStoreBase

# Advisory lock id for creating the key store's table ("sealqks" as a number).
SCHEMA_LOCK_KEY = 0x7365616C716B73


def bucket_id(expires_at: datetime, bucket_seconds: int) -> tuple[str, datetime]:
    """The bucket an expiry falls in: its id and the moment its key is destroyed."""
    start = int(expires_at.timestamp()) // bucket_seconds * bucket_seconds
    not_after = datetime.fromtimestamp(start + bucket_seconds, UTC)
    return f"bk-{start}-{bucket_seconds}", not_after


def _bucket_aad(key_id: str, master_key_id: str) -> bytes:
    return json.dumps({"bucket": key_id, "master": master_key_id, "v": 1},
                      sort_keys=True, separators=(",", ":")).encode()


class KeyStore:
    """Bucket keys: created on first use, cached in memory until their bucket ends."""

    def __init__(self, engine: Engine, master: MasterKeys, *, bucket_seconds: int) -> None:
        self._engine = engine
        self._master = master
        self.bucket_seconds = bucket_seconds
        self._cache: dict[str, tuple[bytes, datetime]] = {}
        self._lock = threading.Lock()

    def create_schema(self) -> None:
        """Create the key store's table if it is missing (the key store has no migrations).

        Workers, beat and producers all call this at start, often at the same moment. On
        PostgreSQL two concurrent CREATE TABLEs of the same name collide in the catalog
        (pg_type's unique index) even with IF NOT EXISTS, so creation runs under a
        transaction-scoped advisory lock. Elsewhere (SQLite) a starter that loses the race
        finds the table made by the winner, which is all it wanted.
        """
        try:
            with self._engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                       {"key": SCHEMA_LOCK_KEY})
                KeyStoreBase.metadata.create_all(connection)
        except (OperationalError, IntegrityError):
            if not inspect(self._engine).has_table(BucketKey.__tablename__):
                raise

    def kek_for_expiry(self, expires_at: datetime, *, now: datetime) -> tuple[str, bytes]:
        """The id and key of the bucket that `expires_at` falls in, creating it if needed."""
        key_id, not_after = bucket_id(expires_at, self.bucket_seconds)
        if not_after <= now:
            raise ValueError("expiry is already past its bucket's end")
        cached = self._cached(key_id, now)
        if cached is not None:
            return key_id, cached
        try:
            key = self._load(key_id, now) or self._create(key_id, not_after, now)
        except OperationalError as e:
            raise StoreUnavailable("key store unreachable") from e
        return key_id, key

    def kek(self, key_id: str, *, now: datetime) -> bytes:
        """The bucket key with that id; EnvelopeError if it is gone or its bucket has ended."""
        cached = self._cached(key_id, now)
        if cached is not None:
            return cached
        try:
            key = self._load(key_id, now)
        except OperationalError as e:
            raise StoreUnavailable("key store unreachable") from e
        if key is None:
            raise EnvelopeError
        return key

    def shred_expired(self, *, now: datetime, limit: int = 1000) -> list[str]:
        """Delete the keys of every bucket that has ended; returns the ids destroyed."""
        with Session(self._engine) as session, session.begin():
            ids = list(session.scalars(
                select(BucketKey.id).where(BucketKey.not_after <= now).limit(limit)))
            if ids:
                session.execute(delete(BucketKey).where(BucketKey.id.in_(ids)))
        if ids and self._engine.dialect.name == "sqlite":
            # The deleted keys' old pages live on in the write-ahead log until a checkpoint:
            # copy them back now (secure_delete zeroes them) and empty the log, so a file
            # copy of the key store taken after this holds no destroyed key.
            with self._engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        with self._lock:
            for key_id in ids:
                self._cache.pop(key_id, None)
            for key_id in [k for k, (_, end) in self._cache.items() if end <= now]:
                del self._cache[key_id]
        return ids

    def count_expired(self, *, now: datetime) -> int:
        """How many bucket keys `shred_expired(now=now)` would delete (for dry runs)."""
        with Session(self._engine) as session:
            return session.scalar(select(func.count()).select_from(BucketKey)
                                  .where(BucketKey.not_after <= now)) or 0

    def rewrap_all(self) -> int:
        """Re-wrap every live bucket key under the current primary master key."""
        count = 0
        with Session(self._engine) as session, session.begin():
            for row in session.scalars(select(BucketKey).with_for_update()):
                if row.master_key_id == self._master.primary:
                    continue
                row.wrapped_key = self._wrap(row.id, self._unwrap(row))
                row.master_key_id = self._master.primary
                count += 1
        return count

    def _cached(self, key_id: str, now: datetime) -> bytes | None:
        with self._lock:
            entry = self._cache.get(key_id)
        if entry is None:
            return None
        key, not_after = entry
        return key if not_after > now else None

    def _remember(self, key_id: str, key: bytes, not_after: datetime) -> None:
        with self._lock:
            self._cache[key_id] = (key, not_after)

    def _load(self, key_id: str, now: datetime) -> bytes | None:
        with Session(self._engine) as session:
            row = session.get(BucketKey, key_id)
            if row is None or row.not_after <= now:
                return None
            key = self._unwrap(row)
            self._remember(key_id, key, row.not_after)
            return key

    def _create(self, key_id: str, not_after: datetime, now: datetime) -> bytes:
        key = new_key()
        row = BucketKey(id=key_id, master_key_id=self._master.primary,
                        wrapped_key=self._wrap(key_id, key), not_after=not_after, created_at=now)
        try:
            with Session(self._engine) as session, session.begin():
                session.add(row)
        except IntegrityError:
            # Another producer created this bucket first: use theirs.
            existing = self._load(key_id, now)
            if existing is None:
                raise
            return existing
        self._remember(key_id, key, not_after)
        return key

    def _wrap(self, key_id: str, key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        master = self._master.keys[self._master.primary]
        return nonce + AESGCM(master).encrypt(nonce, key, _bucket_aad(key_id, self._master.primary))

    def _unwrap(self, row: BucketKey) -> bytes:
        master = self._master.get(row.master_key_id)
        if master is None:
            raise EnvelopeError
        nonce, body = row.wrapped_key[:NONCE_BYTES], row.wrapped_key[NONCE_BYTES:]
        try:
            key = AESGCM(master).decrypt(nonce, body, _bucket_aad(row.id, row.master_key_id))
        except (InvalidTag, ValueError):
            raise EnvelopeError from None
        if len(key) != KEY_BYTES:
            raise EnvelopeError
        return key


def expiry_from_ttl(now: datetime, ttl_seconds: int) -> datetime:
    """Expiry for a TTL, truncated to whole seconds (the envelope binds whole seconds)."""
    return (now + timedelta(seconds=ttl_seconds)).replace(microsecond=0)
