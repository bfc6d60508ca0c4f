"""The master key file: named 256-bit keys, one primary, readable by its owner only.

Format (JSON): {"format": "sealq-keys", "version": 1, "primary": ID,
                "keys": [{"id": ID, "created_at": ISO-8601, "key": base64}]}
Master keys wrap the expiry-bucket keys kept in the key store; they never touch a job directly.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from schemas.constants import KEY_BYTES
from schemas.envelope import new_key
from schemas.errors import KeyFileError

FORMAT = "sealq-keys"
FORMAT_VERSION = 1
# Master key ids are stored beside every bucket key (a 64-character column).
KEY_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
# A key file holds a handful of keys; anything this big is not one.
MAX_KEY_FILE_BYTES = 1 << 20


@dataclass(frozen=True)
class MasterKeys:
    """Master keys by id; `primary` wraps new bucket keys, the others still unwrap old ones."""

    primary: str
    keys: dict[str, bytes]
    # When each key was made (ISO-8601 text, "" if unknown): orders staged keys.
    created: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # keys must never reach a log through repr()
        return f"MasterKeys(primary={self.primary!r}, ids={sorted(self.keys)!r})"

    def get(self, key_id: str) -> bytes | None:
        """The key with that id, or None."""
        return self.keys.get(key_id)

    @property
    def ids(self) -> list[str]:
        """Every key id, oldest first."""
        return sorted(self.keys, key=lambda key_id: (_moment(self.created.get(key_id)), key_id))

    def staged(self) -> list[str]:
        """Keys made after the primary: learnt by every process, not used to wrap yet."""
        ids = self.ids
        return ids[ids.index(self.primary) + 1 :]


def _moment(stamp: str | None) -> datetime:
    """A key's creation time for ordering; unknown or unreadable ones count as oldest."""
    try:
        moment = datetime.fromisoformat(stamp or "")
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _new_key_id() -> str:
    return "mk-" + datetime.now(UTC).strftime("%Y%m%d") + "-" + secrets.token_hex(4)


def _entry(key_id: str, key: bytes) -> dict[str, str]:
    return {
        "id": key_id,
        "created_at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "key": base64.b64encode(key).decode(),
    }


def _write_private(path: Path, document: dict[str, Any], *, exclusive: bool,
                   owner: tuple[int, int] | None = None) -> None:
    """Write the file with mode 0600 from the first byte (no window where others can read).

    `owner` (uid, gid) is given to the new file before it replaces the old one, so a rotation
    run as root leaves the file to the account the services run as.
    """
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
    try:
        with os.fdopen(fd, "wb") as f:
            if owner is not None and owner != (os.geteuid(), os.getegid()):
                try:
                    os.fchown(f.fileno(), *owner)
                except PermissionError:
                    raise KeyFileError(
                        f"cannot keep {path} owned by uid {owner[0]} gid {owner[1]}; run this "
                        "as that user or as root") from None
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


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


def stage_key(path: Path) -> str:
    """Add a new key that is not primary yet: every process can learn it before it is used."""
    document, keys, info = _read(path)
    key_id = _new_key_id()
    while key_id in keys.keys:
        key_id = _new_key_id()
    document["keys"].append(_entry(key_id, new_key()))
    _write_private(path, document, exclusive=False, owner=(info.st_uid, info.st_gid))
    return key_id


def promote_key(path: Path, key_id: str | None = None) -> str:
    """Make a key primary (by default the newest staged one); returns its id."""
    document, keys, info = _read(path)
    if key_id is None:
        staged = keys.staged()
        if not staged:
            raise KeyFileError(f"key file {path} has no staged key newer than the primary "
                               f"{keys.primary}; stage one with `sealq keys rotate --stage`")
        key_id = staged[-1]
    if key_id not in keys.keys:
        raise KeyFileError(f"key file {path} has no key {key_id!r}; its keys: "
                           f"{', '.join(keys.ids)}")
    document["primary"] = key_id
    _write_private(path, document, exclusive=False, owner=(info.st_uid, info.st_gid))
    return key_id


def rotate_key_file(path: Path) -> str:
    """Stage a new key and make it primary at once; older keys stay. Returns its id."""
    return promote_key(path, stage_key(path))


def retire_key(path: Path, key_id: str) -> None:
    """Remove a key that is not primary (the caller checks that nothing it wrapped is alive)."""
    document, keys, info = _read(path)
    if key_id not in keys.keys:
        raise KeyFileError(f"key file {path} has no key {key_id!r}; its keys: "
                           f"{', '.join(keys.ids)}")
    if key_id == keys.primary:
        raise KeyFileError(f"{key_id} is the primary key of {path}; promote another first")
    document["keys"] = [entry for entry in document["keys"] if entry["id"] != key_id]
    _write_private(path, document, exclusive=False, owner=(info.st_uid, info.st_gid))


def load_key_file(path: Path) -> MasterKeys:
    """Read and check the key file, or raise KeyFileError with a one-line reason."""
    return _read(path)[1]


def _read(path: Path) -> tuple[dict[str, Any], MasterKeys, os.stat_result]:
    """Open the file once; check what was opened (fstat), not the path again; parse it."""
    try:
        # O_NONBLOCK: a FIFO planted at the path must not hang the process in open().
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise KeyFileError(f"key file {path} does not exist; create it with "
                           f"`sealq keys init {path}`") from None
    except OSError as e:
        raise KeyFileError(f"key file {path} cannot be read: {e.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError(f"key file {path} is not a regular file")
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyFileError(f"key file {path} is readable by group or others "
                               f"(mode {stat.S_IMODE(info.st_mode):04o}); "
                               f"run `chmod 600 {path}`")
        try:
            raw = f.read(MAX_KEY_FILE_BYTES + 1)
        except OSError as e:
            raise KeyFileError(f"key file {path} cannot be read: {e.strerror}") from None
    if len(raw) > MAX_KEY_FILE_BYTES:
        raise KeyFileError(f"key file {path} is larger than {MAX_KEY_FILE_BYTES} bytes")
    try:
        document = json.loads(raw)
    except ValueError:
        raise KeyFileError(f"key file {path} is not a sealq key file (not JSON)") from None
    return document, _parse(document, path), info


def _parse(document: Any, path: Path) -> MasterKeys:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise KeyFileError(f"key file {path} is not a sealq key file (format is not {FORMAT!r})")
    if document.get("version") != FORMAT_VERSION:
        raise KeyFileError(f"key file {path} has unsupported version {document.get('version')!r}")
    entries = document.get("keys") or []
    if not isinstance(entries, list):
        raise KeyFileError(f"key file {path}: keys must be a list")
    keys: dict[str, bytes] = {}
    created: dict[str, str] = {}
    for index, entry in enumerate(entries):
        try:
            key_id, text = entry["id"], entry["key"]
        except (KeyError, TypeError):
            raise KeyFileError(f"key file {path}: keys[{index}] needs an id and a base64 key") \
                from None
        if not isinstance(key_id, str) or not re.fullmatch(KEY_ID_PATTERN, key_id):
            raise KeyFileError(f"key file {path}: keys[{index}] has an invalid id; use 1 to 64 "
                               "letters, digits, '.', '_' or '-'")
        if key_id in keys:
            raise KeyFileError(f"key file {path}: keys[{index}] repeats the id {key_id!r}; "
                               "every key needs its own id")
        try:
            # ValueError covers binascii.Error and non-ASCII text alike.
            raw = base64.b64decode(text, validate=True)
        except (TypeError, ValueError):
            raise KeyFileError(f"key file {path}: keys[{index}] needs an id and a base64 key") \
                from None
        if len(raw) != KEY_BYTES:
            raise KeyFileError(f"key file {path}: keys[{index}] is not a 256-bit key")
        keys[key_id] = raw
        stamp = entry.get("created_at")
        created[key_id] = stamp if isinstance(stamp, str) else ""
    primary = document.get("primary")
    if not isinstance(primary, str) or primary not in keys:
        shown = primary if isinstance(primary, str | int | float | None) else type(primary).__name__
        raise KeyFileError(f"key file {path}: primary {shown!r} is not among its keys")
    return MasterKeys(primary=primary, keys=keys, created=created)
