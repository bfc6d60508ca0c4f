"""The master key file: private from the first byte, rotated without losing keys, checked."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from schemas.errors import KeyFileError
from schemas.keyfile import init_key_file, load_key_file, rotate_key_file


def mode_of(path: Path) -> int:
    """The permission bits of a file."""
    return stat.S_IMODE(path.stat().st_mode)


def write_private(path: Path, content: str | bytes) -> Path:
    """Write a key file with mode 0600, so only its content is under test."""
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    path.chmod(0o600)
    return path


def document(**overrides: Any) -> dict[str, Any]:
    """A valid key file document, with some fields replaced."""
    doc: dict[str, Any] = {
        "format": "sealq-keys", "version": 1, "primary": "mk-1",
        "keys": [{"id": "mk-1", "created_at": "2030-01-01T00:00:00+00:00",
                  "key": base64.b64encode(bytes(range(32))).decode()}],
    }
    doc.update(overrides)
    return doc


def test_init_writes_owner_only_file(tmp_path: Path) -> None:
    """init creates a mode 0600 file whose primary is the key id it returns."""
    path = tmp_path / "nested" / "keys.json"
    key_id = init_key_file(path)
    assert mode_of(path) == 0o600
    keys = load_key_file(path)
    assert keys.primary == key_id
    assert len(keys.keys[key_id]) == 32


def test_init_is_private_even_with_a_permissive_umask(tmp_path: Path) -> None:
    """init ignores a umask of 0: the file is still 0600."""
    import os

    old = os.umask(0)
    try:
        init_key_file(tmp_path / "keys.json")
    finally:
        os.umask(old)
    assert mode_of(tmp_path / "keys.json") == 0o600


def test_init_refuses_to_overwrite(keys_file: Path) -> None:
    """init on an existing file raises KeyFileError and leaves the file as it was."""
    before = keys_file.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        init_key_file(keys_file)
    assert keys_file.read_bytes() == before


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644, 0o610])
def test_group_or_world_access_is_refused(keys_file: Path, mode: int) -> None:
    """A key file others can access is refused with a message telling how to chmod it."""
    keys_file.chmod(mode)
    with pytest.raises(KeyFileError) as error:
        load_key_file(keys_file)
    assert f"chmod 600 {keys_file}" in str(error.value)
    assert f"{mode:04o}" in str(error.value)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    """A key file that does not exist is refused with a hint to create it."""
    with pytest.raises(KeyFileError, match="sealq keys init"):
        load_key_file(tmp_path / "absent.json")


def test_rotate_adds_primary_and_keeps_old_keys(keys_file: Path) -> None:
    """rotate adds a new primary key; every older key stays with its bytes unchanged."""
    before = load_key_file(keys_file)
    first = rotate_key_file(keys_file)
    second = rotate_key_file(keys_file)
    after = load_key_file(keys_file)
    assert len({before.primary, first, second}) == 3
    assert after.primary == second
    assert set(after.keys) == {before.primary, first, second}
    assert after.keys[before.primary] == before.keys[before.primary]
    assert len({after.keys[k] for k in after.keys}) == 3
    assert mode_of(keys_file) == 0o600
    assert [p.name for p in keys_file.parent.iterdir()] == [keys_file.name]


def test_rotate_refuses_an_exposed_file(keys_file: Path) -> None:
    """rotate refuses a file that would not load and leaves it untouched."""
    keys_file.chmod(0o644)
    before = keys_file.read_bytes()
    with pytest.raises(KeyFileError, match="chmod"):
        rotate_key_file(keys_file)
    assert keys_file.read_bytes() == before


BAD_FILES: dict[str, tuple[str, str]] = {
    "not json": ("{not json", "not JSON"),
    "not an object": ("[1, 2]", "format"),
    "wrong format": (json.dumps(document(format="other-keys")), "format"),
    "wrong version": (json.dumps(document(version=2)), "version"),
    "bad base64": (json.dumps(document(keys=[{"id": "mk-1", "key": "not base64!"}])),
                   "base64"),
    "key without id": (json.dumps(document(keys=[{"key": "AAAA"}])), "base64"),
    "short key": (json.dumps(document(keys=[{"id": "mk-1", "key":
                                             base64.b64encode(b"x" * 16).decode()}])),
                  "256-bit"),
    "missing primary": (json.dumps({k: v for k, v in document().items() if k != "primary"}),
                        "primary"),
    "primary not among keys": (json.dumps(document(primary="mk-9")), "primary"),
    "no keys": (json.dumps(document(keys=[])), "primary"),
    "keys not a list": (json.dumps(document(keys=5)), "list"),
    "key entry not an object": (json.dumps(document(keys=["mk-1"])), "base64"),
}


@pytest.mark.parametrize("content, expected", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_malformed_file_gives_one_line_error(tmp_path: Path, content: str,
                                             expected: str) -> None:
    """A malformed key file is refused with a one-line KeyFileError naming the file."""
    path = write_private(tmp_path / "keys.json", content)
    with pytest.raises(KeyFileError) as error:
        load_key_file(path)
    message = str(error.value)
    assert "\n" not in message
    assert str(path) in message
    assert expected in message


def test_errors_never_quote_key_material(tmp_path: Path) -> None:
    """A bad key file's error does not repeat the key text it found."""
    secret = base64.b64encode(b"s" * 16).decode()
    path = write_private(tmp_path / "keys.json",
                         json.dumps(document(keys=[{"id": "mk-1", "key": secret}])))
    with pytest.raises(KeyFileError) as error:
        load_key_file(path)
    assert secret not in str(error.value)


def test_repr_never_shows_key_bytes(keys_file: Path) -> None:
    """repr() and str() of MasterKeys name key ids only, never key bytes in any encoding."""
    rotate_key_file(keys_file)
    keys = load_key_file(keys_file)
    shown = repr(keys) + str(keys) + f"{keys}" + repr([keys])
    for key_id, key in keys.keys.items():
        assert key_id in repr(keys)
        for form in (repr(key), key.hex(), base64.b64encode(key).decode(), str(list(key))):
            assert form not in shown
