"""The producer API: validate, seal, store (the dispatcher releases); status, wait, results."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from producer import lifecycle, spec
from producer.files import FileStore
from producer.lifecycle import ShredReport
from producer.results import result_record
from producer.store import DuplicateSubmission, ProducerStore
from producer.tenants import TenantDirectory
from producer.tracker import Clock, Tracker, pending, utc_now
from schemas import constants
from schemas.db import make_engine, store_errors
from schemas.errors import NotFound, SpecError
from schemas.jobs import TERMINAL_STATES, BatchLine, JobState
from schemas.keyring import KeyRing
from schemas.keystore import KeyStore, expiry_from_ttl
from schemas.kinds import Kind, KindRegistry, load_kinds
from schemas.sealing import Sealer, binding_at_submit
from schemas.settings import Settings
from schemas.states import Priority

Progress = Callable[[int], None]
# Re-exported: callers of the producer API find these beside Client.
__all__ = ["Client", "Clock", "SubmitResult", "new_batch_id", "pending", "submit_key",
           "utc_now"]

# Jobs per INSERT while a batch is stored (all in one transaction): bounds the memory a large
# batch holds at once.
INSERT_CHUNK = 500


def new_batch_id() -> str:
    """A fresh batch id, in the shape OpenAI's Batch API uses."""
    return f"{constants.BATCH_ID_PREFIX}{uuid.uuid4().hex}"


@dataclass(frozen=True)
class SubmitResult:
    """What a submission did."""

    batch_id: str
    created: int
    skipped: int  # custom ids the tenant had already submitted
    existing: bool  # the very same submission was made before; nothing new was stored


def submit_key(tenant: str, kind: str, custom_ids: Sequence[str]) -> str:
    """A submission's identity: the same tenant, kind and custom ids give the same key."""
    digest = hashlib.sha256(f"{tenant}\0{kind}\0".encode())
    for custom_id in custom_ids:
        digest.update(custom_id.encode() + b"\0")
    return digest.hexdigest()


class Client(Tracker):
    """A producer's handle on sealq: a Tracker that also submits and opens results."""

    def __init__(self, *, store: ProducerStore, sealer: Sealer, kinds: KindRegistry,
                 default_ttl_seconds: int, queue: str, clock: Clock = utc_now) -> None:
        super().__init__(jobs_db=store.engine, clock=clock)
        self.store = store  # the store given (it may be a subclass), not one built anew
        self.sealer = sealer
        self.kinds = kinds
        self._default_ttl = default_ttl_seconds
        self._queue = queue
        self.tenants = TenantDirectory(store.engine)
        self.files = FileStore(store.engine, sealer)

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock = utc_now) -> Client:
        """A client wired from validated settings (raises ConfigError on a bad key file)."""
        master = KeyRing.from_file(settings.keys_file)
        keystore = KeyStore(make_engine(settings.resolved_key_store_url,
                                        pool_size=constants.KEY_STORE_POOL_SIZE), master,
                            bucket_seconds=settings.key_bucket_seconds)
        with store_errors("key store"):
            keystore.create_schema()
        jobs_db = make_engine(settings.database_url, pool_size=settings.db_pool_size)
        return cls(store=ProducerStore(jobs_db),
                   sealer=Sealer(keystore),
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
                    priority: Priority = Priority.NORMAL,
                    progress: Progress | None = None) -> SubmitResult:
        """Validate a whole JSONL file, then submit it; a bad line stores nothing."""
        lines = spec.read_file(path, self.kind(kind))
        return self.submit(lines, tenant=tenant, kind=kind, ttl_seconds=ttl_seconds,
                           priority=priority, progress=progress)

    def submit(self, lines: Sequence[BatchLine], *, tenant: str = constants.DEFAULT_TENANT,
               kind: str = constants.DEFAULT_KIND, ttl_seconds: int | None = None,
               priority: Priority = Priority.NORMAL,
               progress: Progress | None = None) -> SubmitResult:
        """Seal and store a batch in one transaction, waiting in its lane for the dispatcher;
        idempotent per custom id."""
        kind_spec = self.kind(kind)
        self.tenants.require(tenant)
        ttl = self._ttl(ttl_seconds)
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
                earlier = self.store.find_batch(tenant, key)
                if earlier is not None:
                    return SubmitResult(batch_id=earlier.id, created=0, skipped=len(lines),
                                        existing=True)
                taken = self.store.existing_custom_ids(tenant,
                                                       [line.custom_id for line in lines])
                fresh = [line for line in lines if line.custom_id not in taken]
                if not fresh:
                    raise SpecError(f"all {len(lines)} requests were submitted before for "
                                    f"tenant {tenant!r} (custom_id is unique per tenant); "
                                    "nothing to do")
                try:
                    batch_id, job_ids = self._store_new(
                        enumerate(fresh, start=1), count=len(fresh), tenant=tenant,
                        kind=kind_spec, ttl=ttl, key=key, priority=priority, progress=progress)
                except DuplicateSubmission:
                    continue  # a concurrent identical submission won: find its batch
                return SubmitResult(batch_id, len(job_ids), len(taken), False)
        raise SpecError("these custom ids are being submitted concurrently; try again")

    def submit_uploaded(self, file_id: str, *, tenant: str, kind: str,
                        ttl_seconds: int | None = None, labels: dict[str, str] | None = None,
                        idempotency_key: str | None = None, quota: int | None = None,
                        priority: Priority = Priority.NORMAL) -> SubmitResult:
        """A batch from an uploaded file: opened, checked against the kind, sealed per job.

        The same file and kind again (a retried request) give the same batch, as does the
        same Idempotency-Key. Custom ids need only be unique within the file. With a quota,
        a batch that would pass the tenant's enqueued-job limit raises LimitExceeded.
        """
        kind_spec = self.kind(kind)
        self.tenants.require(tenant)
        ttl = self._ttl(ttl_seconds)
        key = hashlib.sha256(f"{tenant}\0{kind}\0file:{file_id}".encode()).hexdigest()
        with store_errors():
            for _ in range(3):
                earlier = (idempotency_key and self.store.find_batch_by_idempotency_key(
                    tenant, idempotency_key)) or self.store.find_batch(tenant, key)
                if earlier:
                    return SubmitResult(batch_id=earlier.id, created=0,
                                        skipped=earlier.job_count, existing=True)
                now = self._clock()
                upload = self.files.get(tenant, file_id, now=now)
                if upload is None:
                    raise NotFound(f"no file with id {file_id!r}")
                try:
                    batch_id, job_ids = self._store_new(
                        self.files.lines(tenant, file_id, now=now), count=upload.line_count,
                        tenant=tenant, kind=kind_spec, ttl=ttl, key=key, quota=quota,
                        priority=priority,
                        extra={"input_file_id": file_id, "labels": labels,
                               "idempotency_key": idempotency_key})
                except DuplicateSubmission:
                    continue
                return SubmitResult(batch_id, len(job_ids), 0, False)
        raise SpecError("this file is being submitted concurrently; try again")

    def _ttl(self, ttl_seconds: int | None) -> int:
        ttl = self._default_ttl if ttl_seconds is None else ttl_seconds
        if not 60 <= ttl <= constants.MAX_TTL_SECONDS:
            raise SpecError(f"ttl {ttl} s is out of range; use 60 to "
                            f"{constants.MAX_TTL_SECONDS} seconds")
        return ttl

    def _store_new(self, lines: Iterable[tuple[int, BatchLine]], *, count: int, tenant: str,
                   kind: Kind, ttl: int, key: str, priority: Priority,
                   quota: int | None = None, extra: dict[str, Any] | None = None,
                   progress: Progress | None = None) -> tuple[str, list[str]]:
        """Seal and store a batch of `count` lines in one transaction; (batch id, job ids)."""
        now = self._clock()
        expires_at = expiry_from_ttl(now, ttl)
        batch_id = new_batch_id()
        job_ids: list[str] = []

        def chunks() -> Iterator[list[dict[str, Any]]]:
            chunk: list[dict[str, Any]] = []
            for position, (line_no, line) in enumerate(lines):
                spec.check_against_kind(line, kind, line_no)
                job_id = uuid.uuid4().hex
                job_ids.append(job_id)
                binding = binding_at_submit(
                    job_id=job_id, batch_id=batch_id, position=position, tenant=tenant,
                    kind=kind.name, custom_id=line.custom_id, expires_at=expires_at)
                sealed = self.sealer.seal_new(binding, line.body.model_dump_json().encode(),
                                               expires_at=expires_at, now=now)
                chunk.append({
                    "id": job_id, "batch_id": batch_id, "tenant": tenant,
                    "custom_id": line.custom_id, "position": position, "kind": kind.name,
                    "model": line.body.model, "queue": self._queue,
                    "priority": priority.value, "state": JobState.QUEUED.value,
                    "attempts": 0, "created_at": now,
                    "expires_at": expires_at, "sealed_prompt": sealed.sealed_prompt,
                    "wrapped_key": sealed.wrapped_key, "key_id": sealed.key_id,
                })
                if progress is not None:
                    progress(1)
                if len(chunk) == INSERT_CHUNK:
                    yield chunk
                    chunk = []
            yield chunk

        batch = {"id": batch_id, "tenant": tenant, "kind": kind.name, "queue": self._queue,
                 "priority": priority.value,
                 "submit_key": key, "job_count": count, "created_at": now,
                 "expires_at": expires_at, **(extra or {})}
        self.store.insert_batch(batch, chunks(), quota=quota)
        if len(job_ids) != count:
            raise SpecError(f"expected {count} requests, found {len(job_ids)}")
        return batch_id, job_ids

    def results(self, batch_id: str) -> Iterator[dict[str, Any]]:
        """OpenAI Batch output records of the batch's terminal jobs, opened in memory."""
        now = self._clock()
        with store_errors():
            for job in self.store.jobs(batch_id):
                if JobState(job.state) in TERMINAL_STATES:
                    yield result_record(job, self.sealer, now=now)

    def close(self) -> None:
        """Release database connections."""
        super().close()

    def shred(self, job_id: str) -> ShredReport:
        """Destroy one job's data key and sealed data now (right to erasure)."""
        return lifecycle.shred(self.store.engine, job_id, now=self._clock())
