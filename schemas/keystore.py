"""The key store: one random key per bucket of expiry time, wrapped by a master key.

A job's data key is wrapped by the key of the bucket its expiry falls in. Deleting a bucket's
key after the bucket ends makes every job that expired in it unreadable, in the live database
and in every copy of it (crypto-shredding), without touching the job rows.

A bucket's end is part of its id (`bk-<start>-<seconds>`) and, since format 2, of the
associated data its key is wrapped under. A row whose `not_after` disagrees with its id is
refused, and the sweeper destroys a key when either says its bucket has ended, so moving
`not_after` into the future keeps no key alive. Format-1 rows (wrapped before the end was
bound) still open while they agree with their id; `rewrap_all` rewrites them as format 2.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, delete, inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from schemas.constants import (
    KEY_BYTES,
    KEY_CACHE_MAX_ENTRIES,
    KEYSTORE_CHECKPOINT_WAIT_MS,
    NONCE_BYTES,
)
from schemas.envelope import new_key
from schemas.errors import EnvelopeError, KeyUnavailable, StoreUnavailable
from schemas.keyfile import MasterKeys
from schemas.keyring import KeyRing
from schemas.tables import BucketKey, KeyStoreBase

log = logging.getLogger("sealq.keys")

# Tries at creating the key store's table when other processes race for it (SQLite).
SCHEMA_ATTEMPTS = 20
# Advisory lock id for creating the key store's table ("sealqks" as a number).
SCHEMA_LOCK_KEY = 0x7365616C716B73
# Wrapped bucket keys of format 2 start with this header (format 1 has none: nonce first).
BUCKET_HEADER = b"SQB\x02"
_BUCKET_ID = re.compile(r"bk-(\d{1,12})-(\d{1,9})")
_WRAPPED_LEN = NONCE_BYTES + KEY_BYTES + 16


def bucket_id(expires_at: datetime, bucket_seconds: int) -> tuple[str, datetime]:
    """The bucket an expiry falls in: its id and the moment its key is destroyed."""
    start = int(expires_at.timestamp()) // bucket_seconds * bucket_seconds
    not_after = datetime.fromtimestamp(start + bucket_seconds, UTC)
    return f"bk-{start}-{bucket_seconds}", not_after


def bucket_end(key_id: str) -> datetime | None:
    """When a bucket ends, read from its id; None for an id sealq never makes."""
    match = _BUCKET_ID.fullmatch(key_id)
    if match is None or int(match.group(2)) == 0:
        return None
    return datetime.fromtimestamp(int(match.group(1)) + int(match.group(2)), UTC)


def _bucket_aad(key_id: str, master_key_id: str, not_after: datetime | None) -> bytes:
    """Associated data of a wrapped bucket key: format 2 binds its end, format 1 did not."""
    fields: dict[str, str | int] = {"bucket": key_id, "master": master_key_id, "v": 1}
    if not_after is not None:
        fields.update(v=2, end=int(not_after.timestamp()))
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


class _KeyCache:
    """Unwrapped bucket keys, least recently used first; a key never outlives its bucket.

    Expired entries are dropped on every access (tracked by the earliest end, so a hit costs
    nothing extra), and at most `max_entries` stay.
    """

    def __init__(self, max_entries: int) -> None:
        if max_entries < 1:
            raise ValueError("the key cache needs room for at least one key")
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[bytes, datetime]] = OrderedDict()
        self._earliest_end: datetime | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key_id: str, now: datetime) -> bytes | None:
        with self._lock:
            self._drop_ended(now)
            entry = self._entries.get(key_id)
            if entry is None:
                return None
            self._entries.move_to_end(key_id)
            return entry[0]

    def put(self, key_id: str, key: bytes, not_after: datetime, now: datetime) -> None:
        with self._lock:
            self._drop_ended(now)
            if not_after <= now:
                return
            self._entries[key_id] = (key, not_after)
            self._entries.move_to_end(key_id)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
            self._earliest_end = min(end for _, end in self._entries.values())

    def forget(self, key_ids: list[str], now: datetime) -> None:
        with self._lock:
            for key_id in key_ids:
                self._entries.pop(key_id, None)
            self._earliest_end = None if not self._entries else \
                min(end for _, end in self._entries.values())
            self._drop_ended(now)

    def _drop_ended(self, now: datetime) -> None:
        if self._earliest_end is None or self._earliest_end > now:
            return
        for key_id in [k for k, (_, end) in self._entries.items() if end <= now]:
            del self._entries[key_id]
        self._earliest_end = None if not self._entries else \
            min(end for _, end in self._entries.values())


class KeyStore:
    """Bucket keys: created on first use, cached in memory (bounded) until their bucket ends."""

    def __init__(self, engine: Engine, master: MasterKeys | KeyRing, *, bucket_seconds: int,
                 cache_size: int = KEY_CACHE_MAX_ENTRIES) -> None:
        self._engine = engine
        self._ring = master if isinstance(master, KeyRing) else KeyRing(master)
        self.bucket_seconds = bucket_seconds
        self._cache = _KeyCache(cache_size)

    @property
    def ring(self) -> KeyRing:
        """The master keys this store unwraps with."""
        return self._ring

    def cached_count(self) -> int:
        """How many unwrapped bucket keys this process holds in memory now."""
        return len(self._cache)

    def create_schema(self) -> None:
        """Create the key store's table if it is missing (the key store has no migrations).

        Workers, beat and producers all call this at start, often at the same moment. On
        PostgreSQL two concurrent CREATE TABLEs of the same name collide in the catalog
        (pg_type's unique index) even with IF NOT EXISTS, so creation runs under a
        transaction-scoped advisory lock. Elsewhere (SQLite) a starter that loses the race
        finds the table made by the winner, which is all it wanted.
        """
        for attempt in range(SCHEMA_ATTEMPTS):
            try:
                with self._engine.begin() as connection:
                    if connection.dialect.name == "postgresql":
                        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                           {"key": SCHEMA_LOCK_KEY})
                    KeyStoreBase.metadata.create_all(connection)
                return
            except (OperationalError, IntegrityError):
                # SQLite answers "database is locked" at once, without waiting, to a reader
                # that wants to write while another writer holds the file (and while a new
                # file switches to WAL): look again, and retry until the winner is done.
                try:
                    if inspect(self._engine).has_table(BucketKey.__tablename__):
                        return
                except OperationalError:
                    pass
                if attempt == SCHEMA_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def kek_for_expiry(self, expires_at: datetime, *, now: datetime) -> tuple[str, bytes]:
        """The id and key of the bucket that `expires_at` falls in, creating it if needed."""
        key_id, not_after = bucket_id(expires_at, self.bucket_seconds)
        if not_after <= now:
            raise ValueError("expiry is already past its bucket's end")
        cached = self._cache.get(key_id, now)
        if cached is not None:
            return key_id, cached
        try:
            key = self._load(key_id, now) or self._create(key_id, not_after, now)
        except OperationalError as e:
            raise StoreUnavailable("key store unreachable") from e
        return key_id, key

    def kek(self, key_id: str, *, now: datetime) -> bytes:
        """The bucket key with that id; EnvelopeError if it is gone or its bucket has ended,
        KeyUnavailable if its master key is not in this process's key file (yet)."""
        cached = self._cache.get(key_id, now)
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
        """Delete the keys of every bucket that has ended; returns the ids destroyed.

        Ended by its `not_after` or by its id: a row whose `not_after` was moved into the
        future still goes when its id says its bucket ended (and one sealq never makes goes
        at once: nothing can use it).
        """
        with Session(self._engine) as session, session.begin():
            ids = [key_id for key_id, not_after in session.execute(
                select(BucketKey.id, BucketKey.not_after).order_by(BucketKey.not_after))
                if _ended(key_id, not_after, now)][:limit]
            if ids:
                session.execute(delete(BucketKey).where(BucketKey.id.in_(ids)))
        self._cache.forget(ids, now)
        return ids

    def checkpoint(self) -> bool:
        """Empty a SQLite key store's write-ahead log; False if readers kept it from finishing.

        Destroyed keys' old pages live on in the log until a checkpoint copies the zeroed
        pages back (secure_delete) and truncates it. A reader on an older snapshot blocks
        that: the caller tries again on its next run until this returns True. PostgreSQL has
        no such log to empty here (see the README on WAL and dead tuples): always True.
        """
        if self._engine.dialect.name != "sqlite":
            return True
        with self._engine.connect() as connection:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={KEYSTORE_CHECKPOINT_WAIT_MS}")
            try:
                busy, log_frames, checkpointed = connection.exec_driver_sql(
                    "PRAGMA wal_checkpoint(TRUNCATE)").one()
            finally:
                connection.exec_driver_sql("PRAGMA busy_timeout=30000")
        clean = busy == 0 and log_frames in (0, checkpointed)
        if not clean:
            log.warning("key store write-ahead log not emptied (a reader holds an older "
                        "snapshot: %s of %s frames copied); trying again on the next sweep",
                        checkpointed, log_frames)
        return bool(clean)

    def count_expired(self, *, now: datetime) -> int:
        """How many bucket keys `shred_expired(now=now)` would delete (for dry runs)."""
        with Session(self._engine) as session:
            return sum(1 for key_id, not_after in session.execute(
                select(BucketKey.id, BucketKey.not_after)) if _ended(key_id, not_after, now))

    def live_by_master(self, *, now: datetime) -> dict[str, tuple[int, datetime]]:
        """Per master key id: how many live bucket keys it wraps, and when the last one ends."""
        found: dict[str, tuple[int, datetime]] = {}
        with Session(self._engine) as session:
            for key_id, master_id, not_after in session.execute(
                    select(BucketKey.id, BucketKey.master_key_id, BucketKey.not_after)):
                if _ended(key_id, not_after, now):
                    continue
                count, last = found.get(master_id, (0, not_after))
                found[master_id] = (count + 1, max(last, not_after))
        return found

    def rewrap_all(self, *, now: datetime | None = None) -> int:
        """Re-wrap every live bucket key under the current primary master key, in format 2."""
        now = now or datetime.now(UTC)
        self._ring.reload(reason="re-wrapping bucket keys")
        primary = self._ring.primary
        count = 0
        with Session(self._engine) as session, session.begin():
            for row in session.scalars(select(BucketKey).with_for_update()):
                if _ended(row.id, row.not_after, now):
                    continue
                if row.master_key_id == primary and row.wrapped_key.startswith(BUCKET_HEADER):
                    continue
                row.wrapped_key = self._wrap(row.id, self._unwrap(row), row.not_after)
                row.master_key_id = primary
                count += 1
        return count

    def _load(self, key_id: str, now: datetime) -> bytes | None:
        with Session(self._engine) as session:
            row = session.get(BucketKey, key_id)
            if row is None or _ended(row.id, row.not_after, now):
                return None
            key = self._unwrap(row)
            self._cache.put(key_id, key, row.not_after, now)
            return key

    def _create(self, key_id: str, not_after: datetime, now: datetime) -> bytes:
        # A new bucket is wrapped under the primary as the key file says now: a promotion made
        # since this process started is honoured without a restart.
        self._ring.reload(reason="new bucket key")
        key = new_key()
        row = BucketKey(id=key_id, master_key_id=self._ring.primary,
                        wrapped_key=self._wrap(key_id, key, not_after), not_after=not_after,
                        created_at=now)
        try:
            with Session(self._engine) as session, session.begin():
                session.add(row)
        except IntegrityError:
            # Another producer created this bucket first: use theirs.
            existing = self._load(key_id, now)
            if existing is None:
                raise
            return existing
        self._cache.put(key_id, key, not_after, now)
        return key

    def _wrap(self, key_id: str, key: bytes, not_after: datetime) -> bytes:
        primary = self._ring.primary
        master = self._ring.keys.keys[primary]
        nonce = os.urandom(NONCE_BYTES)
        aad = BUCKET_HEADER + _bucket_aad(key_id, primary, not_after)
        return BUCKET_HEADER + nonce + AESGCM(master).encrypt(nonce, key, aad)

    def _unwrap(self, row: BucketKey) -> bytes:
        # The end its id gives must be the end the row claims, in either format.
        if bucket_end(row.id) != row.not_after:
            raise EnvelopeError
        master = self._ring.get(row.master_key_id)
        if master is None:
            raise KeyUnavailable(row.master_key_id)
        wrapped = row.wrapped_key
        if len(wrapped) == len(BUCKET_HEADER) + _WRAPPED_LEN and \
                wrapped.startswith(BUCKET_HEADER):
            body = wrapped[len(BUCKET_HEADER):]
            aad = BUCKET_HEADER + _bucket_aad(row.id, row.master_key_id, row.not_after)
        elif len(wrapped) == _WRAPPED_LEN:
            body, aad = wrapped, _bucket_aad(row.id, row.master_key_id, None)
        else:
            raise EnvelopeError
        try:
            key = AESGCM(master).decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], aad)
        except (InvalidTag, ValueError):
            raise EnvelopeError from None
        if len(key) != KEY_BYTES:
            raise EnvelopeError
        return key


def _ended(key_id: str, not_after: datetime, now: datetime) -> bool:
    """Whether a bucket has ended, by its row or by its id (the earlier wins)."""
    end = bucket_end(key_id)
    return not_after <= now or end is None or end <= now


def expiry_from_ttl(now: datetime, ttl_seconds: int) -> datetime:
    """Expiry for a TTL, truncated to whole seconds (the envelope binds whole seconds)."""
    return (now + timedelta(seconds=ttl_seconds)).replace(microsecond=0)
