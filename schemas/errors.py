"""sealq's one exception tree.

SealqError
├── ConfigError             a setting is missing or invalid (exit code 2)
│   └── KeyFileError        the key file is missing, malformed or readable by others
├── SpecError               a submitted request is invalid (names the line and the field)
├── EnvelopeError           a sealed payload did not open (one opaque error for every cause)
├── KeyUnavailable          a master key this process needs is not in its key file (yet)
├── StoreError              the job database or the key store failed
│   ├── StoreUnavailable    the database could not be reached
│   ├── NotFound            no batch or job has that id
│   └── Conflict            another request holds what this one needs; retry shortly
├── BrokerUnavailable       the message broker could not be reached
├── LimitExceeded           a tenant's request rate or enqueued-work quota is used up for now
├── EngineError             the inference engine failed as a whole
│   └── EngineDead          the engine process is gone; the worker must restart it
└── JobFailure              one job cannot finish; carries the code recorded on the job
    ├── PolicyRejection     the input guard or the output policy refused the job
    └── LeaseLost           another holder owns the job now; this attempt's work is dropped

Messages never carry prompt text, result text, keys or nonces.
"""

from __future__ import annotations


class SealqError(Exception):
    """Root of every error sealq raises on purpose."""


class ConfigError(SealqError):
    """A setting is missing or invalid."""


class KeyFileError(ConfigError):
    """The key file is missing, malformed or readable by others."""


class SpecError(SealqError):
    """A submitted request is invalid; the message names where and how to fix it."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


class EnvelopeError(SealqError):
    """A sealed payload could not be opened; the cause is deliberately not told."""

    def __init__(self) -> None:
        super().__init__("sealed payload could not be opened")


class KeyUnavailable(SealqError):
    """A bucket key is wrapped by a master key this process does not hold (yet): retry later.

    Not an EnvelopeError: nothing is wrong with the data, only with where the keys have
    reached. Work that meets it is retried, never ended.
    """

    def __init__(self, master_key_id: str) -> None:
        self.master_key_id = master_key_id
        super().__init__(f"master key {master_key_id!r} is not in this process's key file; "
                         "give every process the key file that holds it (stage keys with "
                         "`sealq keys rotate --stage` before promoting them)")


class StoreError(SealqError):
    """The job database or the key store failed."""


class StoreUnavailable(StoreError):
    """The database could not be reached."""


class NotFound(StoreError):
    """No batch or job has that id."""


class Conflict(StoreError):
    """Another request holds what this one needs (the same idempotency key); retry shortly."""


class BrokerUnavailable(SealqError):
    """The message broker could not be reached."""


class LimitExceeded(SealqError):
    """A tenant's request rate or enqueued-work quota is used up; retry after a while."""

    def __init__(self, message: str, *, retry_after: int, code: str) -> None:
        self.retry_after = retry_after
        self.code = code
        super().__init__(message)


class EngineError(SealqError):
    """The inference engine failed as a whole."""


class EngineDead(EngineError):
    """The engine process is gone; the worker must restart it."""


class JobFailure(SealqError):
    """One job cannot finish; `code` is what the job records."""

    #: the terminal state this failure leads to
    state = "failed"

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        super().__init__(f"{code}: {detail}" if detail else code)


class PolicyRejection(JobFailure):
    """The input guard or the output policy refused the job."""

    state = "rejected"


class LeaseLost(JobFailure):
    """Another holder owns the job now; this attempt's work is dropped."""

    def __init__(self) -> None:
        super().__init__("lease_lost")
