"""The producer API: validate, seal, store, enqueue; then status, wait and results."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from producer import lifecycle, spec
from producer.broker import Enqueuer
from producer.lifecycle import CancelReport, ShredReport
from producer.results import result_record
from producer.store import DuplicateSubmission, ProducerStore
from schemas import constants
from schemas.db import make_engine, store_errors
from schemas.envelope import JobBinding
from schemas.errors import BrokerUnavailable, SpecError
from schemas.jobs import TERMINAL_STATES, BatchLine, JobState
from schemas.keyfile import load_key_file
from schemas.keystore import KeyStore, expiry_from_ttl
from schemas.kinds import Kind, KindRegistry, load_kinds
from schemas.sealing import Sealer
from schemas.settings import Settings

Clock = Callable[[], datetime]
Progress = Callable[[int], None]


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class SubmitResult:
    """What a submission did."""

    batch_id: str
    created: int
    skipped: int  # custom ids the tenant had already submitted
    enqueued: int
    existing: bool  # the very same submission was made before; nothing new was stored
    broker_error: str | None = None


def submit_key(tenant: str, kind: str, custom_ids: Sequence[str]) -> str:
    """A submission's identity: the same tenant, kind and custom ids give the same key."""
    digest = hashlib.sha256(f"{tenant}\0{kind}\0".encode())
    for custom_id in custom_ids:
        digest.update(custom_id.encode() + b"\0")
    return digest.hexdigest()


class Client:
    """A producer's handle on sealq."""

    def __init__(self, *, store: ProducerStore, sealer: Sealer, enqueuer: Enqueuer,
                 kinds: KindRegistry, default_ttl_seconds: int, queue: str,
                 clock: Clock = utc_now) -> None:
        self._store = store
        self._sealer = sealer
        self._enqueuer = enqueuer
        self.kinds = kinds
        self._default_ttl = default_ttl_seconds
        self._queue = queue
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock = utc_now) -> Client:
        """A client wired from validated settings (raises ConfigError on a bad key file)."""
        master = load_key_file(settings.keys_file)
        keystore = KeyStore(make_engine(settings.resolved_key_store_url,
                                        pool_size=constants.KEY_STORE_POOL_SIZE), master,
                            bucket_seconds=settings.key_bucket_seconds)
        with store_errors("key store"):
            keystore.create_schema()
        jobs_db = make_engine(settings.database_url, pool_size=settings.db_pool_size)
        return cls(store=ProducerStore(jobs_db),
                   sealer=Sealer(keystore), enqueuer=Enqueuer(settings.broker_url),
                   kinds=load_kinds(settings.kinds_file),
                   default_ttl_seconds=settings.default_ttl_seconds, queue=settings.queue,
                   clock=clock)

    def kind(self, name: str) -> Kind:
        """The kind with that name, or SpecError listing the known ones."""
        if name not in self.kinds:
            raise SpecError(f"unknown kind {name!r}; known kinds: {', '.join(self.kinds.names)}")
        return self.kinds.get(name)

    def submit_file(self, path: Path, *, tenant: str = constants.DEFAULT_TENANT,
                    kind: str = constants.DEFAULT_KIND, ttl_seconds: int | None = None,
                    progress: Progress | None = None) -> SubmitResult:
        """Validate a whole JSONL file, then submit it; a bad line stores nothing."""
        lines = spec.read_file(path, self.kind(kind))
        return self.submit(lines, tenant=tenant, kind=kind, ttl_seconds=ttl_seconds,
                           progress=progress)

    def submit(self, lines: Sequence[BatchLine], *, tenant: str = constants.DEFAULT_TENANT,
               kind: str = constants.DEFAULT_KIND, ttl_seconds: int | None = None,
               progress: Progress | None = None) -> SubmitResult:
        """Seal, store (one transaction) and enqueue a batch; idempotent per custom id."""
        kind_spec = self.kind(kind)
        _check_tenant(tenant)
        ttl = self._default_ttl if ttl_seconds is None else ttl_seconds
        if not 60 <= ttl <= constants.MAX_TTL_SECONDS:
            raise SpecError(f"ttl {ttl} s is out of range; use 60 to "
                            f"{constants.MAX_TTL_SECONDS} seconds")
        if not lines:
            raise SpecError("no requests to submit")
        first_use: dict[str, int] = {}
        for line_no, line in enumerate(lines, start=1):
            spec.check_against_kind(line, kind_spec, line_no)
            # Checked here too, not only when reading a file: a repeat would fail the insert
            # and be misreported as a concurrent submission.
            first = first_use.setdefault(line.custom_id, line_no)
            if first != line_no:
                raise SpecError(f"custom_id {line.custom_id!r} is already used on line "
                                f"{first}; custom ids must be unique", line=line_no)
        key = submit_key(tenant, kind, [line.custom_id for line in lines])
        with store_errors():
            for _ in range(3):
                # Checked on every try: the submission that beat this one may be this very one.
                earlier = self._store.find_batch(tenant, key)
                if earlier is not None:
                    return SubmitResult(batch_id=earlier.id, created=0, skipped=len(lines),
                                        enqueued=0, existing=True)
                try:
                    return self._submit_new(lines, tenant, kind, ttl, key, progress)
                except DuplicateSubmission:
                    continue  # a concurrent submission took some custom ids: filter again
        raise SpecError("these custom ids are being submitted concurrently; try again")

    def _submit_new(self, lines: Sequence[BatchLine], tenant: str, kind: str, ttl: int,
                    key: str, progress: Progress | None) -> SubmitResult:
        taken = self._store.existing_custom_ids(tenant, [line.custom_id for line in lines])
        fresh = [line for line in lines if line.custom_id not in taken]
        if not fresh:
            raise SpecError(f"all {len(lines)} requests were submitted before for tenant "
                            f"{tenant!r} (custom_id is unique per tenant); nothing to do")
        now = self._clock()
        expires_at = expiry_from_ttl(now, ttl)
        batch_id = uuid.uuid4().hex
        jobs: list[dict[str, Any]] = []
        job_ids: list[str] = []
        for position, line in enumerate(fresh):
            job_id = uuid.uuid4().hex
            job_ids.append(job_id)
            binding = JobBinding(job_id=job_id, tenant=tenant, kind=kind,
                                 expires_at=int(expires_at.timestamp()))
            sealed = self._sealer.seal_new(binding, line.body.model_dump_json().encode(),
                                           expires_at=expires_at, now=now)
            jobs.append({
                "id": job_id, "batch_id": batch_id, "tenant": tenant,
                "custom_id": line.custom_id, "position": position, "kind": kind,
                "model": line.body.model, "queue": self._queue, "state": JobState.QUEUED.value,
                "attempts": 0, "created_at": now, "expires_at": expires_at,
                "sealed_prompt": sealed.sealed_prompt, "wrapped_key": sealed.wrapped_key,
                "key_id": sealed.key_id,
            })
            if progress is not None:
                progress(1)
        batch = {"id": batch_id, "tenant": tenant, "kind": kind, "queue": self._queue,
                 "submit_key": key, "job_count": len(jobs), "created_at": now,
                 "expires_at": expires_at}
        self._store.insert_batch(batch, jobs)
        try:
            enqueued = self._enqueuer.enqueue(job_ids, self._queue, progress)
        except BrokerUnavailable as e:
            # Stored is safe: the reconciler enqueues queued jobs once the broker is back.
            return SubmitResult(batch_id, len(jobs), len(taken), 0, False, str(e))
        self._store.mark_enqueued(batch_id, self._clock())
        return SubmitResult(batch_id, len(jobs), len(taken), enqueued, False)

    def status(self, batch_id: str) -> dict[str, int]:
        """Jobs per state, every state present."""
        with store_errors():
            return self._store.counts(batch_id)

    def wait(self, batch_id: str, *, timeout: float | None = None, poll_seconds: float = 0.5,
             on_poll: Callable[[dict[str, int]], None] | None = None) -> dict[str, int]:
        """Poll until every job is terminal or the timeout passes; returns the last counts."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            counts = self.status(batch_id)
            if on_poll is not None:
                on_poll(counts)
            if pending(counts) == 0:
                return counts
            if deadline is not None and time.monotonic() >= deadline:
                return counts
            time.sleep(poll_seconds)

    def results(self, batch_id: str) -> Iterator[dict[str, Any]]:
        """OpenAI Batch output records of the batch's terminal jobs, opened in memory."""
        now = self._clock()
        with store_errors():
            for job in self._store.jobs(batch_id):
                if JobState(job.state) in TERMINAL_STATES:
                    yield result_record(job, self._sealer, now=now)

    def close(self) -> None:
        """Release broker connections."""
        self._enqueuer.close()

    def cancel(self, target: str) -> CancelReport:
        """Cancel a batch's unfinished jobs, or one job; their sealed data is erased now."""
        return lifecycle.cancel(self._store.engine, target, now=self._clock())

    def shred(self, job_id: str) -> ShredReport:
        """Destroy one job's data key and sealed data now (right to erasure)."""
        return lifecycle.shred(self._store.engine, job_id, now=self._clock())


def pending(counts: dict[str, int]) -> int:
    """How many jobs in these counts are not terminal yet."""
    return counts.get(JobState.QUEUED, 0) + counts.get(JobState.RUNNING, 0)


def _check_tenant(tenant: str) -> None:
    if not re.match(constants.TENANT_PATTERN, tenant):
        raise SpecError(f"tenant {tenant!r} is invalid: use 1 to 64 letters, digits, "
                        "'.', '_' or '-', starting with a letter or digit")
