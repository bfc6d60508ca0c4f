"""The master key file: named 256-bit keys, one primary, readable by its owner only.

Format (JSON): {"format": "sealq-keys", "version": 1, "primary": ID,
                "keys": [{"id": ID, "created_at": ISO-8601, "key": base64}]}
Master keys wrap the expiry-bucket keys kept in the key store; they never touch a job directly.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from schemas.constants import KEY_BYTES
from schemas.envelope import new_key
from schemas.errors import KeyFileError

FORMAT = "sealq-keys"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class MasterKeys:
    """Master keys by id; `primary` wraps new bucket keys, the others still unwrap old ones."""

    primary: str
    keys: dict[str, bytes]

    def __repr__(self) -> str:  # keys must never reach a log through repr()
        return f"MasterKeys(primary={self.primary!r}, ids={sorted(self.keys)!r})"

    def get(self, key_id: str) -> bytes | None:
        """The key with that id, or None."""
        return self.keys.get(key_id)


def _new_key_id() -> str:
    return "mk-" + datetime.now(UTC).strftime("%Y%m%d") + "-" + secrets.token_hex(4)


def _entry(key_id: str, key: bytes) -> dict[str, str]:
    return {
        "id": key_id,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "key": base64.b64encode(key).decode(),
    }


def _write_private(path: Path, document: dict[str, Any], *, exclusive: bool) -> None:
    """Write the file with mode 0600 from the first byte (no window where others can read)."""
    data = json.dumps(document, indent=2).encode() + b"\n"
    if exclusive:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise KeyFileError(f"{path} already exists; use `sealq keys rotate` to add a key") \
                from None
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return
    staging = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(staging, path)


def init_key_file(path: Path) -> str:
    """Create a new key file with one primary key; refuse to overwrite. Returns the key id."""
    if path.exists():
        raise KeyFileError(f"{path} already exists; use `sealq keys rotate` to add a key")
    path.parent.mkdir(parents=True, exist_ok=True)
    key_id = _new_key_id()
    document = {"format": FORMAT, "version": FORMAT_VERSION, "primary": key_id,
                "keys": [_entry(key_id, new_key())]}
    _write_private(path, document, exclusive=True)
    return key_id


def rotate_key_file(path: Path) -> str:
    """Add a new primary key; older keys stay so older bucket keys still open. Returns its id."""
    load_key_file(path)  # refuse to rotate a file that would not load
    document = json.loads(path.read_text())
    key_id = _new_key_id()
    while any(k["id"] == key_id for k in document["keys"]):
        key_id = _new_key_id()
    document["keys"].append(_entry(key_id, new_key()))
    document["primary"] = key_id
    _write_private(path, document, exclusive=False)
    return key_id


def load_key_file(path: Path) -> MasterKeys:
    """Read and check the key file, or raise KeyFileError with a one-line reason."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise KeyFileError(f"key file {path} does not exist; create it with "
                           f"`sealq keys init {path}`") from None
    except OSError as e:
        raise KeyFileError(f"key file {path} cannot be read: {e.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(f"key file {path} is not a regular file")
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"key file {path} is readable by group or others "
                           f"(mode {stat.S_IMODE(info.st_mode):04o}); run `chmod 600 {path}`")
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        raise KeyFileError(f"key file {path} is not a sealq key file (not JSON)") from None
    return _parse(document, path)


def _parse(document: Any, path: Path) -> MasterKeys:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise KeyFileError(f"key file {path} is not a sealq key file (format is not {FORMAT!r})")
    if document.get("version") != FORMAT_VERSION:
        raise KeyFileError(f"key file {path} has unsupported version {document.get('version')!r}")
    entries = document.get("keys") or []
    if not isinstance(entries, list):
        raise KeyFileError(f"key file {path}: keys must be a list")
    keys: dict[str, bytes] = {}
    for index, entry in enumerate(entries):
        try:
            key_id, raw = str(entry["id"]), base64.b64decode(entry["key"], validate=True)
        except (KeyError, TypeError, binascii.Error):
            raise KeyFileError(f"key file {path}: keys[{index}] needs an id and a base64 key") \
                from None
        if len(raw) != KEY_BYTES:
            raise KeyFileError(f"key file {path}: keys[{index}] is not a 256-bit key")
        keys[key_id] = raw
    primary = document.get("primary")
    if not keys or primary not in keys:
        raise KeyFileError(f"key file {path}: primary {primary!r} is not among its keys")
    return MasterKeys(primary=str(primary), keys=keys)
