"""The sealed envelope: round trips, and one opaque error for every way opening can fail."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from schemas import envelope
from schemas.constants import ENVELOPE_VERSION
from schemas.envelope import JobBinding, Part
from schemas.errors import EnvelopeError
from schemas.keyfile import MasterKeys
from schemas.keystore import KeyStore
from schemas.sealing import Sealer

OPAQUE = "sealed payload could not be opened"
PARTS: list[Part] = ["prompt", "result", "key"]
# derandomize: the same examples on every run, so a failure is reproducible, never flaky.
EXAMPLES = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

bindings = st.builds(
    JobBinding,
    job_id=st.text(min_size=1, max_size=40),
    tenant=st.text(min_size=1, max_size=64),
    kind=st.text(min_size=1, max_size=64),
    expires_at=st.integers(min_value=0, max_value=2**40),
    batch_id=st.text(min_size=1, max_size=40),
    custom_id=st.text(min_size=1, max_size=128),
    position=st.integers(min_value=0, max_value=2**31),
)
INT_FIELDS = ("expires_at", "position")


def binding(job_id: str = "job", expires_at: int = 2_000_000_000) -> JobBinding:
    """A fixed binding for the example-based tests."""
    return JobBinding(job_id=job_id, tenant="tenant", kind="free_text", expires_at=expires_at,
                      batch_id="batch", custom_id="report-17", position=3)
plaintexts = st.binary(max_size=2048)
keys = st.binary(min_size=32, max_size=32)
kek_ids = st.text(min_size=1, max_size=60).filter(lambda s: 0 < len(s.encode()) <= 255)
other_versions = st.integers(0, 255).filter(lambda v: v not in envelope.OPENABLE_VERSIONS)


def assert_opaque(error: pytest.ExceptionInfo[EnvelopeError]) -> None:
    """Every failure to open carries the same fixed text and nothing else."""
    assert type(error.value) is EnvelopeError
    assert str(error.value) == OPAQUE
    assert error.value.args == (OPAQUE,)


@st.composite
def other_bindings(draw: st.DrawFn, binding: JobBinding) -> JobBinding:
    """The same binding with exactly one field changed."""
    field = draw(st.sampled_from(["job_id", "tenant", "kind", "expires_at", "batch_id",
                                  "custom_id", "position"]))
    current = getattr(binding, field)
    values = (st.integers(min_value=0, max_value=2**40) if field in INT_FIELDS
              else st.text(min_size=1, max_size=64))
    changes: dict[str, Any] = {field: draw(values.filter(lambda v: v != current))}
    return dataclasses.replace(binding, **changes)


@EXAMPLES
@given(binding=bindings, plaintext=plaintexts, key=keys, part=st.sampled_from(PARTS))
def test_seal_round_trip(binding: JobBinding, plaintext: bytes, key: bytes, part: Part) -> None:
    """Any plaintext sealed under any binding opens to itself with the same key and binding."""
    sealed = envelope.seal(key, plaintext, binding, part)
    assert envelope.open_sealed(key, sealed, binding, part) == plaintext
    if len(plaintext) >= 16:  # shorter ones turn up in random ciphertext by chance
        assert plaintext not in sealed


@EXAMPLES
@given(binding=bindings, kek_id=kek_ids, kek=keys, data_key=keys)
def test_wrap_round_trip(binding: JobBinding, kek_id: str, kek: bytes, data_key: bytes) -> None:
    """A wrapped data key names its key-encryption key and unwraps to itself."""
    wrapped = envelope.wrap_key(kek_id, kek, data_key, binding)
    assert envelope.wrapped_key_id(wrapped) == kek_id
    assert envelope.unwrap_key(kek, wrapped, binding) == data_key


@EXAMPLES
@given(binding=bindings, plaintext=plaintexts, key=keys, data=st.data())
def test_flipped_bit_in_payload_is_refused(binding: JobBinding, plaintext: bytes, key: bytes,
                                           data: st.DataObject) -> None:
    """Flipping any single bit of a sealed payload makes it refuse to open."""
    sealed = bytearray(envelope.seal(key, plaintext, binding, "prompt"))
    index = data.draw(st.integers(0, len(sealed) - 1))
    sealed[index] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(EnvelopeError) as error:
        envelope.open_sealed(key, bytes(sealed), binding, "prompt")
    assert_opaque(error)


@EXAMPLES
@given(binding=bindings, kek_id=kek_ids, kek=keys, data_key=keys, data=st.data())
def test_flipped_bit_in_wrapped_key_is_refused(binding: JobBinding, kek_id: str, kek: bytes,
                                               data_key: bytes, data: st.DataObject) -> None:
    """Flipping any single bit of a wrapped key makes it refuse to unwrap."""
    wrapped = bytearray(envelope.wrap_key(kek_id, kek, data_key, binding))
    index = data.draw(st.integers(0, len(wrapped) - 1))
    wrapped[index] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(EnvelopeError) as error:
        envelope.unwrap_key(kek, bytes(wrapped), binding)
    assert_opaque(error)


@EXAMPLES
@given(binding=bindings, plaintext=plaintexts, key=keys, data=st.data())
def test_truncated_payload_is_refused(binding: JobBinding, plaintext: bytes, key: bytes,
                                      data: st.DataObject) -> None:
    """A sealed payload cut short anywhere refuses to open."""
    sealed = envelope.seal(key, plaintext, binding, "result")
    length = data.draw(st.integers(0, len(sealed) - 1))
    with pytest.raises(EnvelopeError) as error:
        envelope.open_sealed(key, sealed[:length], binding, "result")
    assert_opaque(error)


@EXAMPLES
@given(binding=bindings, kek_id=kek_ids, kek=keys, data_key=keys, data=st.data())
def test_truncated_wrapped_key_is_refused(binding: JobBinding, kek_id: str, kek: bytes,
                                          data_key: bytes, data: st.DataObject) -> None:
    """A wrapped key cut short anywhere refuses to unwrap (or even to name its key)."""
    wrapped = envelope.wrap_key(kek_id, kek, data_key, binding)
    length = data.draw(st.integers(0, len(wrapped) - 1))
    with pytest.raises(EnvelopeError) as error:
        envelope.unwrap_key(kek, wrapped[:length], binding)
    assert_opaque(error)


@EXAMPLES
@given(binding=bindings, plaintext=plaintexts, key=keys,
       version=other_versions)
def test_other_version_byte_is_refused(binding: JobBinding, plaintext: bytes, key: bytes,
                                       version: int) -> None:
    """A payload whose header claims another envelope version refuses to open."""
    sealed = bytearray(envelope.seal(key, plaintext, binding, "prompt"))
    sealed[len(envelope.MAGIC_PAYLOAD)] = version
    with pytest.raises(EnvelopeError) as error:
        envelope.open_sealed(key, bytes(sealed), binding, "prompt")
    assert_opaque(error)


@EXAMPLES
@given(binding=bindings, kek=keys, data_key=keys,
       version=other_versions)
def test_wrapped_key_with_other_version_is_refused(binding: JobBinding, kek: bytes,
                                                   data_key: bytes, version: int) -> None:
    """A wrapped key whose header claims another envelope version refuses to unwrap."""
    wrapped = bytearray(envelope.wrap_key("kek-1", kek, data_key, binding))
    wrapped[len(envelope.MAGIC_KEY)] = version
    with pytest.raises(EnvelopeError) as error:
        envelope.unwrap_key(kek, bytes(wrapped), binding)
    assert_opaque(error)


def test_swapped_magic_is_refused() -> None:
    """A wrapped key presented as a payload (and the reverse) refuses to open."""
    bound = binding()
    key, kek = envelope.new_key(), envelope.new_key()
    sealed = envelope.seal(key, b"text", bound, "prompt")
    wrapped = envelope.wrap_key("kek-1", kek, key, bound)
    for attempt in (lambda: envelope.open_sealed(key, wrapped, bound, "prompt"),
                    lambda: envelope.unwrap_key(kek, sealed, bound),
                    lambda: envelope.wrapped_key_id(sealed)):
        with pytest.raises(EnvelopeError) as error:
            attempt()
        assert_opaque(error)


@EXAMPLES
@given(binding=bindings, plaintext=plaintexts, key=keys, data=st.data())
def test_payload_under_another_binding_is_refused(binding: JobBinding, plaintext: bytes,
                                                  key: bytes, data: st.DataObject) -> None:
    """A payload moved to a job differing in any one binding field refuses to open."""
    other = data.draw(other_bindings(binding))
    sealed = envelope.seal(key, plaintext, binding, "prompt")
    with pytest.raises(EnvelopeError) as error:
        envelope.open_sealed(key, sealed, other, "prompt")
    assert_opaque(error)


@EXAMPLES
@given(binding=bindings, kek=keys, data_key=keys, data=st.data())
def test_wrapped_key_under_another_binding_is_refused(binding: JobBinding, kek: bytes,
                                                      data_key: bytes,
                                                      data: st.DataObject) -> None:
    """A wrapped key moved to a job differing in any one binding field refuses to unwrap."""
    other = data.draw(other_bindings(binding))
    wrapped = envelope.wrap_key("kek-1", kek, data_key, binding)
    with pytest.raises(EnvelopeError) as error:
        envelope.unwrap_key(kek, wrapped, other)
    assert_opaque(error)


@EXAMPLES
@given(binding=bindings, plaintext=plaintexts, key=keys, data=st.data())
def test_payload_opened_as_another_part_is_refused(binding: JobBinding, plaintext: bytes,
                                                   key: bytes, data: st.DataObject) -> None:
    """A sealed prompt does not open as a result, and the reverse."""
    part = data.draw(st.sampled_from(PARTS))
    other = data.draw(st.sampled_from([p for p in PARTS if p != part]))
    sealed = envelope.seal(key, plaintext, binding, part)
    with pytest.raises(EnvelopeError) as error:
        envelope.open_sealed(key, sealed, binding, other)
    assert_opaque(error)


@EXAMPLES
@given(binding=bindings, plaintext=plaintexts, key=keys, other_key=keys)
def test_wrong_data_key_is_refused(binding: JobBinding, plaintext: bytes, key: bytes,
                                   other_key: bytes) -> None:
    """A payload refuses to open under any other data key."""
    assume(key != other_key)
    sealed = envelope.seal(key, plaintext, binding, "prompt")
    with pytest.raises(EnvelopeError) as error:
        envelope.open_sealed(other_key, sealed, binding, "prompt")
    assert_opaque(error)


@EXAMPLES
@given(binding=bindings, kek=keys, other_kek=keys, data_key=keys)
def test_wrong_kek_is_refused(binding: JobBinding, kek: bytes, other_kek: bytes,
                              data_key: bytes) -> None:
    """A wrapped key refuses to unwrap under any other key-encryption key."""
    assume(kek != other_kek)
    wrapped = envelope.wrap_key("kek-1", kek, data_key, binding)
    with pytest.raises(EnvelopeError) as error:
        envelope.unwrap_key(other_kek, wrapped, binding)
    assert_opaque(error)


def test_wrong_length_key_is_refused() -> None:
    """A key of the wrong size gives the same opaque error, not cryptography's message."""
    bound = binding()
    sealed = envelope.seal(envelope.new_key(), b"text", bound, "prompt")
    with pytest.raises(EnvelopeError) as error:
        envelope.open_sealed(b"short", sealed, bound, "prompt")
    assert_opaque(error)


def _sealer(url: str, master: MasterKeys) -> Sealer:
    """A sealer over a SQLite key store at `url`, its table created."""
    keystore = KeyStore(create_engine(url), master, bucket_seconds=3600)
    keystore.create_schema()
    return Sealer(keystore)


def test_unknown_key_id_is_refused(tmp_path: Path) -> None:
    """A wrapped key naming a key-encryption key the key store lacks refuses to open."""
    now = datetime(2030, 1, 1, 12, tzinfo=UTC)
    expires = now + timedelta(hours=1)
    bound = binding(expires_at=int(expires.timestamp()))
    master = MasterKeys(primary="mk-1", keys={"mk-1": envelope.new_key()})
    sealer = _sealer(f"sqlite:///{tmp_path}/keys.db", master)
    sealed = sealer.seal_new(bound, b"text", expires_at=expires, now=now)
    assert sealer.open(bound, sealed.wrapped_key, sealed.sealed_prompt, "prompt",
                       now=now) == b"text"
    unknown = envelope.wrap_key("bk-nowhere", envelope.new_key(), envelope.new_key(), bound)
    for wrapped in (unknown, None):
        with pytest.raises(EnvelopeError) as error:
            sealer.open(bound, wrapped, sealed.sealed_prompt, "prompt", now=now)
        assert_opaque(error)


def test_key_store_under_another_master_key_is_refused(tmp_path: Path) -> None:
    """Bucket keys wrapped by one master key don't open with another key of the same id; a
    key file without their master key's id says which key it lacks (retryable, not opaque)."""
    from schemas.errors import KeyUnavailable

    now = datetime(2030, 1, 1, 12, tzinfo=UTC)
    expires = now + timedelta(hours=1)
    bound = binding(expires_at=int(expires.timestamp()))
    url = f"sqlite:///{tmp_path}/keys.db"
    first = _sealer(url, MasterKeys(primary="mk-1", keys={"mk-1": envelope.new_key()}))
    sealed = first.seal_new(bound, b"text", expires_at=expires, now=now)
    impostor = MasterKeys(primary="mk-1", keys={"mk-1": envelope.new_key()})
    with pytest.raises(EnvelopeError) as error:
        _sealer(url, impostor).open(bound, sealed.wrapped_key, sealed.sealed_prompt,
                                    "prompt", now=now)
    assert_opaque(error)
    stranger = MasterKeys(primary="mk-2", keys={"mk-2": envelope.new_key()})
    with pytest.raises(KeyUnavailable) as missing:
        _sealer(url, stranger).open(bound, sealed.wrapped_key, sealed.sealed_prompt,
                                    "prompt", now=now)
    assert missing.value.master_key_id == "mk-1"


# The associated data envelope version 1 bound, byte for byte as sealq 1 wrote it: rows sealed
# then must keep opening after the upgrade.
V1_PROMPT_AAD = (b'{"exp":2000000000,"job":"job","kind":"free_text","part":"prompt",'
                 b'"tenant":"tenant","v":1}')


def _sealed_v1(key: bytes, plaintext: bytes, bound: JobBinding, part: Part) -> bytes:
    """A payload sealed as envelope version 1 did it."""
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = envelope.MAGIC_PAYLOAD + bytes([1])
    nonce = os.urandom(12)
    return header + nonce + AESGCM(key).encrypt(nonce, plaintext,
                                                header + bound.associated_data(part, 1))


def test_version_1_envelopes_still_open() -> None:
    """Payloads and wrapped keys sealed as version 1 open under the same job after the bump."""
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    assert ENVELOPE_VERSION == 2
    bound = binding()
    assert bound.associated_data("prompt", 1) == V1_PROMPT_AAD
    key, kek = envelope.new_key(), envelope.new_key()
    assert envelope.open_sealed(key, _sealed_v1(key, b"text", bound, "prompt"), bound,
                                "prompt") == b"text"
    header = envelope.MAGIC_KEY + bytes([1, 5]) + b"kek-1"
    nonce = os.urandom(12)
    wrapped = header + nonce + AESGCM(kek).encrypt(nonce, key,
                                                   header + bound.associated_data("key", 1))
    assert envelope.unwrap_key(kek, wrapped, bound) == key
    assert envelope.version_of(wrapped) == 1
    assert envelope.version_of(envelope.wrap_key("kek-1", kek, key, bound)) == 2


def test_version_2_binds_the_delivery_facts() -> None:
    """Since version 2 a payload moved to another custom id, batch or position does not open;
    a version 1 payload, which never bound them, still opens there (until it expires)."""
    bound, key = binding(), envelope.new_key()
    sealed = envelope.seal(key, b"text", bound, "result")
    old = _sealed_v1(key, b"text", bound, "result")
    for moved in (dataclasses.replace(bound, custom_id="report-18"),
                  dataclasses.replace(bound, batch_id="other-batch"),
                  dataclasses.replace(bound, position=4)):
        with pytest.raises(EnvelopeError) as error:
            envelope.open_sealed(key, sealed, moved, "result")
        assert_opaque(error)
        assert envelope.open_sealed(key, old, moved, "result") == b"text"


def test_binding_repr_shows_no_custom_id() -> None:
    """A binding's repr names the job only: custom ids are the producer's words."""
    assert "report-17" not in repr(binding()) and "job" in repr(binding())
