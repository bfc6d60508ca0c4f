"""The sealed envelope: AES-256-GCM payloads under per-job data keys, and wrapped keys.

A sealed payload is   MAGIC_PAYLOAD | version | nonce(12) | ciphertext+tag
A wrapped key is      MAGIC_KEY | version | len(kek_id) | kek_id | nonce(12) | ciphertext+tag

Both bind associated data (job id, tenant, kind, expiry, envelope version and which part it
is), so a payload or a key moved to another job, tenant or expiry does not open. Every failure
to open raises the same EnvelopeError, which says nothing about why.
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
# A job has a prompt, a result and its wrapped key; an uploaded file has lines and a name.
Part = Literal["prompt", "result", "key", "line", "name"]
MAX_KEK_ID_BYTES = 255


@dataclass(frozen=True, slots=True)
class JobBinding:
    """What a job's sealed parts are bound to; changing any field makes them unopenable."""

    job_id: str
    tenant: str
    kind: str
    expires_at: int  # whole seconds since the epoch, UTC

    def associated_data(self, part: Part, version: int = ENVELOPE_VERSION) -> bytes:
        """Canonical bytes of the binding, for AES-GCM's associated data."""
        fields = {
            "v": version,
            "job": self.job_id,
            "tenant": self.tenant,
            "kind": self.kind,
            "exp": self.expires_at,
            "part": part,
        }
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


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
    if version != ENVELOPE_VERSION:
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
    if wrapped[len(MAGIC_KEY)] != ENVELOPE_VERSION:
        raise EnvelopeError
    header_len = len(MAGIC_KEY) + 2 + kid_len
    header = wrapped[:header_len]
    nonce = wrapped[header_len : header_len + NONCE_BYTES]
    body = wrapped[header_len + NONCE_BYTES :]
    if len(nonce) != NONCE_BYTES or len(body) != KEY_BYTES + 16:
        raise EnvelopeError
    aad = header + binding.associated_data("key")
    try:
        return AESGCM(kek).decrypt(nonce, body, aad)
    except (InvalidTag, ValueError):
        raise EnvelopeError from None
