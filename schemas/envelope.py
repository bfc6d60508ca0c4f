"""The sealed envelope: AES-256-GCM payloads under per-job data keys, and wrapped keys.

A sealed payload is   MAGIC_PAYLOAD | version | nonce(12) | ciphertext+tag
A wrapped key is      MAGIC_KEY | version | len(kek_id) | kek_id | nonce(12) | ciphertext+tag

Both bind associated data (job id, tenant, kind, expiry, envelope version and which part it
is; since version 2 also batch, custom id and position), so a payload or a key moved to another
job, tenant, expiry or delivery slot does not open. Version 1 envelopes (made before the
delivery facts were bound) still open under their own associated data until they expire;
new ones are always sealed as the current version. Every failure to open raises the same
EnvelopeError, which says nothing about why.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from schemas.constants import ENVELOPE_VERSION, KEY_BYTES, NONCE_BYTES
from schemas.errors import EnvelopeError

MAGIC_PAYLOAD = b"SQP"
MAGIC_KEY = b"SQK"
# A job has a prompt, a result, its wrapped key and its outcome (the terminal facts a worker
# decided, sealed beside the result); an uploaded file has lines and a name.
Part = Literal["prompt", "result", "key", "outcome", "line", "name"]
MAX_KEK_ID_BYTES = 255
# Versions that still open: 1 bound job, tenant, kind and expiry; 2 adds the delivery facts.
OPENABLE_VERSIONS = frozenset({1, ENVELOPE_VERSION})


@dataclass(frozen=True, slots=True)
class JobBinding:
    """What a job's sealed parts are bound to; changing any field makes them unopenable.

    Build it with `schemas.sealing.binding_of` (from a stored row) or `binding_at_submit`,
    never field by field.
    """

    job_id: str
    tenant: str
    kind: str
    expires_at: int  # whole seconds since the epoch, UTC
    batch_id: str
    custom_id: str
    position: int

    def __repr__(self) -> str:  # custom ids are the producer's own words: keep them out of logs
        return f"JobBinding(job_id={self.job_id!r})"

    def associated_data(self, part: Part, version: int = ENVELOPE_VERSION) -> bytes:
        """Canonical bytes of the binding as envelope `version` bound it, for AES-GCM."""
        fields: dict[str, str | int] = {
            "v": version,
            "job": self.job_id,
            "tenant": self.tenant,
            "kind": self.kind,
            "exp": self.expires_at,
            "part": part,
        }
        if version >= 2:
            fields.update(batch=self.batch_id, cid=self.custom_id, pos=self.position)
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def version_of(sealed: bytes | None) -> int | None:
    """The envelope version a sealed payload or wrapped key claims, or None if it is neither."""
    if sealed is None or len(sealed) < 4 or sealed[:3] not in (MAGIC_PAYLOAD, MAGIC_KEY):
        return None
    return sealed[3]


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def seal(data_key: bytes, plaintext: bytes, binding: JobBinding, part: Part) -> bytes:
    """Encrypt one part of a job under its data key."""
    header = MAGIC_PAYLOAD + bytes([ENVELOPE_VERSION])
    nonce = os.urandom(NONCE_BYTES)
    aad = header + binding.associated_data(part)
    return header + nonce + AESGCM(data_key).encrypt(nonce, plaintext, aad)


def open_sealed(data_key: bytes, sealed: bytes, binding: JobBinding, part: Part) -> bytes:
    """Decrypt one part of a job, or raise EnvelopeError."""
    header_len = len(MAGIC_PAYLOAD) + 1
    if len(sealed) < header_len + NONCE_BYTES + 16 or not sealed.startswith(MAGIC_PAYLOAD):
        raise EnvelopeError
    version = sealed[len(MAGIC_PAYLOAD)]
    if version not in OPENABLE_VERSIONS:
        raise EnvelopeError
    header = sealed[:header_len]
    nonce = sealed[header_len : header_len + NONCE_BYTES]
    aad = header + binding.associated_data(part, version)
    try:
        return AESGCM(data_key).decrypt(nonce, sealed[header_len + NONCE_BYTES :], aad)
    except (InvalidTag, ValueError):
        raise EnvelopeError from None


def wrap_key(kek_id: str, kek: bytes, data_key: bytes, binding: JobBinding) -> bytes:
    """Wrap a job's data key under a key-encryption key named in the header."""
    kid = kek_id.encode()
    if not 0 < len(kid) <= MAX_KEK_ID_BYTES:
        raise ValueError("key-encryption key id must be 1 to 255 bytes")
    header = MAGIC_KEY + bytes([ENVELOPE_VERSION, len(kid)]) + kid
    nonce = os.urandom(NONCE_BYTES)
    aad = header + binding.associated_data("key")
    return header + nonce + AESGCM(kek).encrypt(nonce, data_key, aad)


def wrapped_key_id(wrapped: bytes) -> str:
    """The id of the key-encryption key a wrapped key needs, or EnvelopeError."""
    if len(wrapped) < len(MAGIC_KEY) + 2 or not wrapped.startswith(MAGIC_KEY):
        raise EnvelopeError
    length = wrapped[len(MAGIC_KEY) + 1]
    start = len(MAGIC_KEY) + 2
    kid = wrapped[start : start + length]
    if len(kid) != length or length == 0:
        raise EnvelopeError
    try:
        return kid.decode()
    except UnicodeDecodeError:
        raise EnvelopeError from None


def unwrap_key(kek: bytes, wrapped: bytes, binding: JobBinding) -> bytes:
    """Unwrap a job's data key with the key-encryption key its header names."""
    kid_len = len(wrapped_key_id(wrapped).encode())
    version = wrapped[len(MAGIC_KEY)]
    if version not in OPENABLE_VERSIONS:
        raise EnvelopeError
    header_len = len(MAGIC_KEY) + 2 + kid_len
    header = wrapped[:header_len]
    nonce = wrapped[header_len : header_len + NONCE_BYTES]
    body = wrapped[header_len + NONCE_BYTES :]
    if len(nonce) != NONCE_BYTES or len(body) != KEY_BYTES + 16:
        raise EnvelopeError
    aad = header + binding.associated_data("key", version)
    try:
        return AESGCM(kek).decrypt(nonce, body, aad)
    except (InvalidTag, ValueError):
        raise EnvelopeError from None
