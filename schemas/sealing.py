"""Sealing and opening a job's parts: the envelope plus the key store, for both sides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schemas import envelope
from schemas.envelope import JobBinding, Part
from schemas.errors import EnvelopeError
from schemas.keystore import KeyStore
from schemas.tables import Job


@dataclass(frozen=True, slots=True)
class SealedJob:
    """What a producer stores for a new job."""

    key_id: str
    wrapped_key: bytes
    sealed_prompt: bytes


def binding_of(job: Job) -> JobBinding:
    """The binding a stored job's parts were sealed under."""
    return JobBinding(job_id=job.id, tenant=job.tenant, kind=job.kind,
                      expires_at=int(job.expires_at.timestamp()))


class Sealer:
    """Seals and opens job parts; holds no key of its own beyond the key store's cache."""

    def __init__(self, keys: KeyStore) -> None:
        self._keys = keys

    def seal_new(self, binding: JobBinding, prompt: bytes, *, expires_at: datetime,
                 now: datetime) -> SealedJob:
        """Make a fresh data key for a job, wrap it, and seal the prompt under it."""
        kek_id, kek = self._keys.kek_for_expiry(expires_at, now=now)
        data_key = envelope.new_key()
        return SealedJob(
            key_id=kek_id,
            wrapped_key=envelope.wrap_key(kek_id, kek, data_key, binding),
            sealed_prompt=envelope.seal(data_key, prompt, binding, "prompt"),
        )

    def new_data_key(self, binding: JobBinding, *, expires_at: datetime,
                     now: datetime) -> tuple[str, bytes, bytes]:
        """A fresh data key for an object expiring at `expires_at`: (key id, wrapped, key)."""
        kek_id, kek = self._keys.kek_for_expiry(expires_at, now=now)
        data_key = envelope.new_key()
        return kek_id, envelope.wrap_key(kek_id, kek, data_key, binding), data_key

    def data_key(self, binding: JobBinding, wrapped_key: bytes | None, *, now: datetime) -> bytes:
        """Unwrap a job's data key; EnvelopeError if it or its bucket key is gone."""
        if wrapped_key is None:
            raise EnvelopeError
        kek = self._keys.kek(envelope.wrapped_key_id(wrapped_key), now=now)
        return envelope.unwrap_key(kek, wrapped_key, binding)

    def open(self, binding: JobBinding, wrapped_key: bytes | None, sealed: bytes | None,
             part: Part, *, now: datetime) -> bytes:
        """Open one sealed part of a job."""
        if sealed is None:
            raise EnvelopeError
        return envelope.open_sealed(self.data_key(binding, wrapped_key, now=now), sealed,
                                    binding, part)

    def seal(self, binding: JobBinding, wrapped_key: bytes | None, plaintext: bytes, part: Part,
             *, now: datetime) -> bytes:
        """Seal another part of an existing job under its data key."""
        return envelope.seal(self.data_key(binding, wrapped_key, now=now), plaintext, binding,
                             part)
