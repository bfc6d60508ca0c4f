"""What the gateway does for each call, apart from HTTP: authenticate, limit, act, shape.

Every read is scoped to the caller's tenant: another tenant's batch or file is looked up
exactly like a missing one, so a 404 says nothing about whether the id exists.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from producer import lifecycle
from producer.api import errors
from producer.api.batch_cache import FRESH_SECONDS, BatchCache, View
from producer.api.limiter import RateLimiter
from producer.api.objects import (
    batch_object,
    error_file_id,
    file_object,
    output_file_id,
    page,
    result_file_object,
)
from producer.audit import AuditLog, AuditWriter, Event
from producer.client import Client
from producer.files import FileStore, UploadWriter
from producer.results import result_record
from producer.store import ProducerStore
from producer.tenants import Principal, Role, TenantDirectory, TenantInfo, hash_key
from schemas import constants
from schemas.db import store_errors
from schemas.errors import LimitExceeded, NotFound
from schemas.jobs import JobState
from schemas.keystore import expiry_from_ttl
from schemas.settings import Settings
from schemas.states import Priority

Clock = Callable[[], datetime]
# A tenant's limits are read from the database at most this often per gateway process.
TENANT_CACHE_SECONDS = 10.0
# A key that was accepted is trusted this long without asking the database again, so a
# revocation reaches every gateway process within this time.
KEY_CACHE_SECONDS = 2.0
# Accepted keys remembered at most per process.
KEY_CACHE_SIZE = 10_000
# Calls that change nothing: their audit events are written in batches when they succeed.
READS = frozenset({"files.list", "files.retrieve", "files.content", "batches.list",
                   "batches.retrieve"})
SUCCEEDED = (JobState.SUCCEEDED.value,)
UNSUCCESSFUL = tuple(s.value for s in (JobState.FAILED, JobState.REJECTED, JobState.CANCELLED,
                                       JobState.EXPIRED))


@dataclass(frozen=True, slots=True)
class Defaults:
    """The deployment's limits, for tenants that have none of their own."""

    rate_limit_per_minute: int = constants.DEFAULT_API_RATE_LIMIT_PER_MINUTE
    max_enqueued_jobs: int = constants.DEFAULT_API_MAX_ENQUEUED_JOBS
    max_upload_bytes: int = constants.DEFAULT_API_MAX_UPLOAD_BYTES
    max_file_lines: int = constants.DEFAULT_API_MAX_FILE_LINES
    default_ttl_seconds: int = constants.DEFAULT_TTL_SECONDS

    @classmethod
    def from_settings(cls, settings: Settings) -> Defaults:
        """The limits a deployment's settings give."""
        return cls(rate_limit_per_minute=settings.api_rate_limit_per_minute,
                   max_enqueued_jobs=settings.api_max_enqueued_jobs,
                   max_upload_bytes=settings.api_max_upload_bytes,
                   max_file_lines=settings.api_max_file_lines,
                   default_ttl_seconds=settings.default_ttl_seconds)


class Gateway:
    """The operations behind the HTTP routes, on one producer client."""

    def __init__(self, *, client: Client, store: ProducerStore, files: FileStore,
                 audit: AuditLog, limiter: RateLimiter | None, defaults: Defaults,
                 clock: Clock, batch_fresh_seconds: float = FRESH_SECONDS,
                 key_cache_seconds: float = KEY_CACHE_SECONDS,
                 ticker: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.audit = audit
        self.audit_writer = AuditWriter(audit)
        self.store = store
        self.files = files
        self.tenants = TenantDirectory(store.engine)
        self.limiter = limiter
        self.defaults = defaults
        self.clock = clock
        self.batches = BatchCache(store.batch_row, store.totals,
                                  fresh_seconds=batch_fresh_seconds)
        self._tenant_cache: dict[str, tuple[float, TenantInfo]] = {}
        self._accepted: dict[str, tuple[float, Principal]] = {}
        self._key_cache_seconds = key_cache_seconds
        self._ticker = ticker
        self._cache_lock = threading.Lock()

    def authenticate(self, key: str | None) -> Principal:
        """The principal of a presented key (an accepted one is remembered briefly), or
        Unauthenticated saying why; refused keys are never remembered."""
        digest = hash_key(key) if key else ""
        now = self._ticker()
        with self._cache_lock:
            remembered = self._accepted.get(digest)
        if remembered is not None and now - remembered[0] < self._key_cache_seconds:
            return remembered[1]
        principal = self.tenants.authenticate(key, now=self.clock())
        with self._cache_lock:
            if len(self._accepted) >= KEY_CACHE_SIZE:
                self._accepted.clear()
            self._accepted[digest] = (now, principal)
        return principal

    # --- who and how much ----------------------------------------------------------------

    def tenant(self, name: str) -> TenantInfo:
        """The tenant's limits, cached briefly (they change rarely, and every call reads them)."""
        now = self._ticker()
        with self._cache_lock:
            cached = self._tenant_cache.get(name)
        if cached is not None and now - cached[0] < TENANT_CACHE_SECONDS:
            return cached[1]
        info = self.tenants.get(name)
        if info is None:
            raise errors.unauthorized("the tenant of this API key no longer exists",
                                      "unknown_tenant")
        with self._cache_lock:
            self._tenant_cache[name] = (now, info)
        return info

    def check_rate(self, principal: Principal) -> None:
        """Count the call against the tenant's rate; 429 with Retry-After when over."""
        if self.limiter is None:
            return
        info = self.tenant(principal.tenant)
        try:
            self.limiter.hit(principal.tenant,
                             info.rate_limit_per_minute or self.defaults.rate_limit_per_minute)
        except LimitExceeded as e:
            raise errors.rate_limited(str(e), retry_after=e.retry_after, code=e.code) from None

    @staticmethod
    def require_submitter(principal: Principal) -> None:
        """403 unless the key may submit."""
        if principal.role != Role.SUBMITTER:
            raise errors.forbidden("this API key is a reader key: it can read batches and "
                                   "results but not create, cancel or delete; use a "
                                   "submitter key")

    # --- files ---------------------------------------------------------------------------

    def begin_upload(self, principal: Principal, fields: dict[str, str], *,
                     idempotency_key: str | None) -> UploadWriter:
        """Start storing an upload once its leading fields are known."""
        purpose = fields.get("purpose")
        if purpose is not None and purpose != "batch":
            raise errors.bad_request("purpose is not supported: sealq takes purpose=batch "
                                     "files only", param="purpose")
        now = self.clock()
        return self.files.begin(tenant=principal.tenant, purpose="batch",
                                expires_at=expiry_from_ttl(now, self._file_ttl(fields)),
                                now=now, idempotency_key=idempotency_key,
                                max_lines=self.defaults.max_file_lines)

    def _file_ttl(self, fields: dict[str, str]) -> int:
        anchor = fields.get("expires_after[anchor]")
        seconds = fields.get("expires_after[seconds]")
        if anchor is None and seconds is None:
            return self.defaults.default_ttl_seconds
        if anchor != "created_at":
            raise errors.bad_request("expires_after[anchor] must be created_at",
                                     param="expires_after.anchor")
        try:
            ttl = int(seconds or "")
        except ValueError:
            raise errors.bad_request("expires_after[seconds] must be a whole number of "
                                     "seconds", param="expires_after.seconds") from None
        if not 3600 <= ttl <= constants.MAX_TTL_SECONDS:
            raise errors.bad_request(f"expires_after[seconds] must be 3600 to "
                                     f"{constants.MAX_TTL_SECONDS}",
                                     param="expires_after.seconds")
        return ttl

    def existing_upload(self, principal: Principal, idempotency_key: str) -> dict[str, Any] | None:
        """The file an earlier upload with this Idempotency-Key made, if any."""
        found = self.files.by_idempotency_key(principal.tenant, idempotency_key, now=self.clock())
        return None if found is None else file_object(found)

    def get_file(self, principal: Principal, file_id: str) -> dict[str, Any]:
        """An input file, or a batch's output or error file."""
        now = self.clock()
        result = self._result_file(principal, file_id, now)
        if result is not None:
            (batch, totals), errors_file = result
            size = self.store.sealed_result_bytes(
                batch.id, UNSUCCESSFUL if errors_file else SUCCEEDED)
            return result_file_object(batch, totals, errors=errors_file, size_bytes=size)
        info = self.files.get(principal.tenant, file_id, now=now)
        if info is None:
            raise errors.not_found("file", file_id)
        return file_object(info)

    def list_files(self, principal: Principal, *, after: str | None, limit: int,
                   order: str, purpose: str | None) -> dict[str, Any]:
        """The tenant's uploaded files, newest first (or oldest first with order=asc)."""
        if purpose not in (None, "batch"):
            return page([], False)  # sealq keeps batch input files only
        try:
            infos, more = self.files.page(principal.tenant, now=self.clock(), after=after,
                                          limit=limit, newest_first=order != "asc")
        except NotFound:
            raise errors.bad_request(f"after={after!r} is not one of your files",
                                     param="after") from None
        return page([file_object(info) for info in infos], more)

    def delete_file(self, principal: Principal, file_id: str) -> dict[str, Any]:
        """Erase a file's sealed data now; for a result file, its requests' sealed parts."""
        now = self.clock()
        result = self._result_file(principal, file_id, now)
        if result is not None:
            (batch, _), errors_file = result
            lifecycle.erase_batch_jobs(self.store.engine, batch.id,
                                       UNSUCCESSFUL if errors_file else SUCCEEDED, now=now)
            self.store.mark_output_deleted(batch.id, "errors" if errors_file else "output", now)
            self.batches.forget(batch.id)
        elif not self.files.delete(principal.tenant, file_id, now=now):
            raise errors.not_found("file", file_id)
        return {"id": file_id, "object": "file", "deleted": True}

    def file_content(self, principal: Principal, file_id: str) -> Iterator[dict[str, Any]]:
        """A result file's lines, opened one by one as they are sent (checks happen now)."""
        now = self.clock()
        result = self._result_file(principal, file_id, now)
        if result is None:
            if self.files.get(principal.tenant, file_id, now=now) is not None:
                raise errors.bad_request("files of purpose batch cannot be downloaded; the "
                                         "output and error files of its batch can",
                                         param="file_id", code="download_not_allowed")
            raise errors.not_found("file", file_id)
        (batch, _), errors_file = result
        return self._records(batch.id, UNSUCCESSFUL if errors_file else SUCCEEDED, now)

    def _records(self, batch_id: str, states: tuple[str, ...],
                 now: datetime) -> Iterator[dict[str, Any]]:
        sealer = self.client.sealer
        with store_errors():
            for job in self.store.jobs(batch_id, states=states):
                yield result_record(job, sealer, now=now)

    def _result_file(self, principal: Principal, file_id: str,
                     now: datetime) -> tuple[View, bool] | None:
        """The batch (and its totals) an output or error file id belongs to, if the tenant
        may see that file now; and whether it is the error file."""
        for prefix, errors_file in ((constants.OUTPUT_FILE_PREFIX, False),
                                    (constants.ERROR_FILE_PREFIX, True)):
            if file_id.startswith(prefix):
                found = self._tenant_batch(principal, file_id.removeprefix(prefix))
                if found is None:
                    raise errors.not_found("file", file_id)
                shown = batch_object(*found, now=now)
                wanted = (error_file_id if errors_file else output_file_id)(found[0].id)
                if shown["error_file_id" if errors_file else "output_file_id"] != wanted:
                    raise errors.not_found("file", file_id)
                return found, errors_file
        return None

    # --- batches -------------------------------------------------------------------------

    def create_batch(self, principal: Principal, *, input_file_id: str, kind: str | None,
                     ttl_seconds: int | None, metadata: dict[str, str] | None,
                     idempotency_key: str | None,
                     priority: Priority = Priority.NORMAL) -> dict[str, Any]:
        """A batch from an uploaded file: its lines become sealed jobs, queued at once."""
        info = self.tenant(principal.tenant)
        quota = info.max_enqueued_jobs or self.defaults.max_enqueued_jobs
        result = self.client.submit_uploaded(
            input_file_id, tenant=principal.tenant, kind=kind or constants.DEFAULT_KIND,
            ttl_seconds=ttl_seconds, labels=metadata, idempotency_key=idempotency_key,
            quota=quota, priority=priority)
        return self.get_batch(principal, result.batch_id)

    def get_batch(self, principal: Principal, batch_id: str) -> dict[str, Any]:
        """One of the tenant's batches."""
        found = self._tenant_batch(principal, batch_id)
        if found is None:
            raise errors.not_found("batch", batch_id)
        return batch_object(*found, now=self.clock())

    def _tenant_batch(self, principal: Principal, batch_id: str) -> View | None:
        """The tenant's batch and its totals; None for another tenant's, as for a missing one."""
        found = self.batches.view(batch_id)
        return found if found is not None and found[0].tenant == principal.tenant else None

    def list_batches(self, principal: Principal, *, after: str | None,
                     limit: int) -> dict[str, Any]:
        """The tenant's batches, newest first, one page."""
        try:
            batches, more = self.store.batch_rows(tenant=principal.tenant, after=after,
                                                  limit=limit)
        except NotFound:
            raise errors.bad_request(f"after={after!r} is not one of your batches",
                                     param="after") from None
        totals = self.batches.totals(batches)
        now = self.clock()
        return page([batch_object(b, totals[b.id], now=now) for b in batches], more)

    def cancel_batch(self, principal: Principal, batch_id: str) -> dict[str, Any]:
        """End the batch's unfinished jobs `cancelled`; their sealed data is erased now."""
        batch = self.store.tenant_batch(principal.tenant, batch_id)
        if batch is None:
            raise errors.not_found("batch", batch_id)
        now = self.clock()
        self.store.mark_cancelled(batch_id, now)
        lifecycle.cancel(self.store.engine, batch_id, now=now)
        self.batches.forget(batch_id)
        return self.get_batch(principal, batch_id)

    def audit_record(self, event: Event) -> None:
        """Store one audit event: a successful read with the next batch, anything else now."""
        self.audit_writer.record(event, buffered=event.action in READS and event.status < 400)

    def ready(self) -> None:
        """Raise StoreUnavailable if the job database cannot answer."""
        self.store.ping()

    def close(self) -> None:
        """Write the buffered audit events, release connections."""
        self.audit_writer.close()
        self.client.close()
        if self.limiter is not None:
            self.limiter.close()

