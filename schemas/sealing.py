"""Sealing and opening a job's parts: the envelope plus the key store, for both sides.

A job's binding comes from one of two places only: `binding_at_submit` (the values a producer
is about to store) and `binding_of` (a stored row, or anything shaped like one). Nobody builds
associated data by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from schemas import envelope
from schemas.envelope import JobBinding, Part
from schemas.errors import EnvelopeError
from schemas.jobs import TerminalFacts
from schemas.keystore import KeyStore


@dataclass(frozen=True, slots=True)
class SealedJob:
    """What a producer stores for a new job."""

    key_id: str
    wrapped_key: bytes
    sealed_prompt: bytes


class BoundRow(Protocol):
    """What a job's binding is read from: a `Job` row, or a RETURNING row with these columns."""

    @property
    def id(self) -> str: ...
    @property
    def batch_id(self) -> str: ...
    @property
    def position(self) -> int: ...
    @property
    def tenant(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def custom_id(self) -> str: ...
    @property
    def expires_at(self) -> datetime: ...


def binding_at_submit(*, job_id: str, batch_id: str, position: int, tenant: str, kind: str,
                      custom_id: str, expires_at: datetime) -> JobBinding:
    """The binding of a job about to be stored with these values."""
    return JobBinding(job_id=job_id, tenant=tenant, kind=kind,
                      expires_at=int(expires_at.timestamp()), batch_id=batch_id,
                      custom_id=custom_id, position=position)


# The binding's kind for an uploaded file's parts: not a valid kind name, so never a job's.
FILE_KIND = ":file"


def file_binding(*, file_id: str, tenant: str, expires_at: datetime,
                 line: int | None = None) -> JobBinding:
    """The binding of an uploaded file's key and name, or (with `line`) of one of its lines:
    a line's position is bound, so lines cannot be moved, swapped or taken to another file."""
    return JobBinding(job_id=file_id, tenant=tenant, kind=FILE_KIND,
                      expires_at=int(expires_at.timestamp()), batch_id="", custom_id="",
                      position=-1 if line is None else line)


def binding_of(job: BoundRow) -> JobBinding:
    """The binding a stored job's parts were sealed under, read from its row."""
    return binding_at_submit(job_id=job.id, batch_id=job.batch_id, position=job.position,
                             tenant=job.tenant, kind=job.kind, custom_id=job.custom_id,
                             expires_at=job.expires_at)


def facts_of(job: Any) -> TerminalFacts | None:
    """The terminal facts a row (or an Outcome) claims; None if they are not even well formed."""
    state = getattr(job.state, "value", job.state)
    try:
        return TerminalFacts(state=state, error_code=job.error_code, policy=job.policy or {},
                             prompt_tokens=job.prompt_tokens,
                             completion_tokens=job.completion_tokens,
                             finish_reason=job.finish_reason)
    except ValidationError:
        return None


def seal_facts(data_key: bytes, binding: JobBinding, facts: TerminalFacts) -> bytes:
    """A job's terminal facts sealed under its data key, as part "outcome"."""
    return envelope.seal(data_key, facts.model_dump_json().encode(), binding, "outcome")


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
        """Unwrap a job's data key; EnvelopeError if it or its bucket key is gone, KeyUnavailable
        if its master key is not in this process's key file (yet)."""
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

    def seal_facts(self, binding: JobBinding, wrapped_key: bytes | None, facts: TerminalFacts,
                   *, now: datetime) -> bytes:
        """Seal a job's terminal facts (part "outcome") under its data key."""
        return seal_facts(self.data_key(binding, wrapped_key, now=now), binding, facts)
