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


MORE_BAD_FILES: dict[str, tuple[Any, str]] = {
    "non-ASCII key": (document(keys=[{"id": "mk-1", "key": "clé-secrète"}]), "base64"),
    "list-valued primary": (document(primary=["mk-1"]), "primary 'list' is not among"),
    "object-valued primary": (document(primary={"id": "mk-1"}), "primary 'dict' is not among"),
    "numeric id": (document(primary=1, keys=[{"id": 1, "key": base64.b64encode(
        bytes(32)).decode()}]), "invalid id"),
    "id with a newline": (document(keys=[{"id": "mk-1\n", "key": base64.b64encode(
        bytes(32)).decode()}]), "invalid id"),
    "id too long for the key store": (document(keys=[{"id": "k" * 65, "key": base64.b64encode(
        bytes(32)).decode()}]), "invalid id"),
    "duplicate ids": (document(keys=[
        {"id": "mk-1", "key": base64.b64encode(bytes(32)).decode()},
        {"id": "mk-1", "key": base64.b64encode(bytes(range(32))).decode()}]),
        "keys[1] repeats the id 'mk-1'"),
    "key not a string": (document(keys=[{"id": "mk-1", "key": 12345}]), "base64"),
}


@pytest.mark.parametrize("doc, expected", MORE_BAD_FILES.values(), ids=MORE_BAD_FILES.keys())
def test_odd_values_are_refused_in_one_line_not_a_traceback(tmp_path: Path, doc: Any,
                                                           expected: str) -> None:
    """Non-ASCII keys, non-string primaries and ids, and repeated ids: one KeyFileError line."""
    path = write_private(tmp_path / "keys.json", json.dumps(doc))
    with pytest.raises(KeyFileError) as error:
        load_key_file(path)
    assert "\n" not in str(error.value)
    assert expected in str(error.value)


def test_a_non_ascii_key_exits_2_from_the_command_line(tmp_path: Path) -> None:
    """`sealq keys rotate` on a file whose key is not ASCII prints one line and exits 2."""
    from typer.testing import CliRunner

    from producer.cli import app

    path = write_private(tmp_path / "keys.json", json.dumps(
        document(keys=[{"id": "mk-1", "key": "ключ"}])))
    result = CliRunner().invoke(app, ["keys", "rotate", str(path)])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "base64" in result.output


def test_the_mode_is_checked_on_the_file_that_is_read(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is opened once and checked with fstat: a path swapped after a check by path
    (here: stat by path says 0600, the file opened is 0644) cannot slip through."""
    import os

    private = write_private(tmp_path / "keys.json", json.dumps(document()))
    exposed = tmp_path / "exposed.json"
    exposed.write_text(json.dumps(document()))
    exposed.chmod(0o644)
    real_open = os.open

    def swapped_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        # The path is swapped between any check by path and the open.
        target = exposed if Path(path) == private else path
        return real_open(target, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", swapped_open)
    with pytest.raises(KeyFileError, match="readable by group or others"):
        load_key_file(private)


def test_a_fifo_at_the_path_is_refused_without_hanging(tmp_path: Path) -> None:
    """A named pipe where the key file should be is refused at once (no blocking open)."""
    import os

    path = tmp_path / "keys.json"
    os.mkfifo(path, 0o600)
    with pytest.raises(KeyFileError, match="not a regular file"):
        load_key_file(path)


def test_rotate_keeps_the_owner_of_the_file(keys_file: Path) -> None:
    """Rotating (as root here) leaves the file owned by the account the services run as."""
    import os

    owner = (10001, 10001) if os.geteuid() == 0 else (os.geteuid(), os.getegid())
    os.chown(keys_file, *owner)
    rotate_key_file(keys_file)
    info = keys_file.stat()
    assert (info.st_uid, info.st_gid) == owner
    assert mode_of(keys_file) == 0o600
    assert [p.name for p in keys_file.parent.iterdir()] == [keys_file.name]


def test_stage_then_promote(keys_file: Path) -> None:
    """A staged key is known but not primary; promote makes the newest staged key primary."""
    from schemas.keyfile import promote_key, stage_key

    first = load_key_file(keys_file).primary
    staged = stage_key(keys_file)
    keys = load_key_file(keys_file)
    assert keys.primary == first and staged in keys.keys and keys.staged() == [staged]
    assert promote_key(keys_file) == staged
    keys = load_key_file(keys_file)
    assert keys.primary == staged and keys.staged() == []
    with pytest.raises(KeyFileError, match="no staged key"):
        promote_key(keys_file)
    assert promote_key(keys_file, first) == first  # rolling back is a promotion too


def test_retire_removes_a_key_but_never_the_primary(keys_file: Path) -> None:
    """retire drops a non-primary key; the primary and unknown ids are refused by name."""
    from schemas.keyfile import retire_key

    old = load_key_file(keys_file).primary
    new = rotate_key_file(keys_file)
    with pytest.raises(KeyFileError, match="is the primary key"):
        retire_key(keys_file, new)
    with pytest.raises(KeyFileError, match="has no key 'mk-nope'"):
        retire_key(keys_file, "mk-nope")
    retire_key(keys_file, old)
    assert set(load_key_file(keys_file).keys) == {new}
