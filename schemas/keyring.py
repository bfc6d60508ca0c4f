"""The master keys one process holds, learnt again from the key file when they may have changed.

A process reads the key file at start. After a rotation elsewhere a bucket key may name a
master key this process has never seen: the ring then reads the file again if it changed since
it was last read (one `stat`: device, inode, size, mtime and ctime), and otherwise at most once
every `min_reload_seconds` (for file systems whose times cannot be trusted), so a burst of such
jobs costs one read. The caller gets None if the key is still unknown, never a guess. A file
that fails to load keeps the keys the ring had.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from schemas.constants import KEY_RELOAD_MIN_SECONDS
from schemas.errors import KeyFileError
from schemas.keyfile import MasterKeys, load_key_file

log = logging.getLogger("sealq.keys")


class KeyRing:
    """Master keys by id, reloadable from their file; safe to share between threads."""

    def __init__(self, keys: MasterKeys, *, path: Path | None = None,
                 min_reload_seconds: float = KEY_RELOAD_MIN_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._keys = keys
        self._path = path
        self._min_reload = min_reload_seconds
        self._monotonic = monotonic
        self._last_reload: float | None = None
        self._signature = _signature(path) if path is not None else None
        self._lock = threading.Lock()
        #: how many times the file was read again since start (for tests and logs)
        self.reloads = 0

    @classmethod
    def from_file(cls, path: Path, *, min_reload_seconds: float = KEY_RELOAD_MIN_SECONDS,
                  monotonic: Callable[[], float] = time.monotonic) -> KeyRing:
        """A ring loaded from the key file now (KeyFileError if it does not load)."""
        return cls(load_key_file(path), path=path, min_reload_seconds=min_reload_seconds,
                   monotonic=monotonic)

    def __repr__(self) -> str:  # keys must never reach a log through repr()
        return f"KeyRing({self._keys!r}, path={self._path})"

    @property
    def keys(self) -> MasterKeys:
        """The keys as last loaded."""
        return self._keys

    @property
    def primary(self) -> str:
        """The id of the key that wraps new bucket keys."""
        return self._keys.primary

    def get(self, key_id: str) -> bytes | None:
        """The key with that id, reading the file again (rate-limited) if it is unknown."""
        key = self._keys.get(key_id)
        if key is None and self.reload(reason=f"unknown master key {key_id}"):
            key = self._keys.get(key_id)
        return key

    def reload(self, *, reason: str) -> bool:
        """Read the key file again if it changed, or if it was last read `min_reload_seconds`
        ago or more. Returns True if the file was read (whether or not anything changed)."""
        if self._path is None:
            return False
        with self._lock:
            now = self._monotonic()
            signature = _signature(self._path)
            recent = self._last_reload is not None and now - self._last_reload < self._min_reload
            if recent and signature == self._signature:
                return False
            self._last_reload = now
            self._signature = signature
            try:
                keys = load_key_file(self._path)
            except KeyFileError as e:
                log.error("key file reload (%s) failed, keeping the keys loaded before: %s",
                          reason, e)
                return False
            if keys != self._keys:
                log.info("key file reloaded (%s): keys %s, primary %s", reason,
                         ", ".join(keys.ids), keys.primary)
            self._keys = keys
            self.reloads += 1
            return True


def _signature(path: Path) -> tuple[int, ...] | None:
    """What changes whenever the file is replaced or written (ctime cannot be set back)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
