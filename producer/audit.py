"""The gateway's audit trail: one event per call, with ids, sizes and outcomes, never content.

An event says when, which tenant and key, what action on which object, how it ended (HTTP
status and a code), and how much moved (bytes, lines). It never holds a prompt, a result, a
file name, a key or an error message: the fields are ids, numbers and fixed codes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from schemas.db import store_errors
from schemas.errors import SealqError
from schemas.tables import AuditEvent, JobBase

AUDIT_TABLE = JobBase.metadata.tables[AuditEvent.__tablename__]
log = logging.getLogger("sealq.api")
# Longest `client` address kept (an IPv6 address with a port fits).
MAX_CLIENT_LENGTH = 64


@dataclass(frozen=True, slots=True)
class Event:
    """One gateway call as the audit trail records it."""

    at: datetime
    action: str
    status: int
    outcome: str
    tenant: str | None = None
    key_id: str | None = None
    object_id: str | None = None
    request_bytes: int = 0
    response_bytes: int = 0
    items: int | None = None
    client: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The event as JSON-ready values (times as ISO 8601)."""
        values = asdict(self)
        values["at"] = self.at.isoformat()
        return values


class AuditLog:
    """Writes and reads audit events in the job database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, event: Event) -> None:
        """Store one event (its own short transaction)."""
        self.record_many([event])

    def record_many(self, events: Sequence[Event]) -> None:
        """Store several events in one transaction."""
        rows = []
        for event in events:
            values = asdict(event)
            if values["client"] is not None:
                values["client"] = values["client"][:MAX_CLIENT_LENGTH]
            rows.append(values)
        if rows:
            with store_errors(), self._engine.begin() as connection:
                connection.execute(insert(AUDIT_TABLE), rows)

    def events(self, *, tenant: str | None = None, since: datetime | None = None,
               action: str | None = None, limit: int = 1000) -> list[Event]:
        """Events oldest first, filtered; at most `limit` of the newest that match."""
        query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        if tenant is not None:
            query = query.where(AuditEvent.tenant == tenant)
        if since is not None:
            query = query.where(AuditEvent.at >= since)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        with store_errors(), Session(self._engine) as session:
            rows = list(session.scalars(query.limit(limit)))
        return [Event(at=row.at, action=row.action, status=row.status, outcome=row.outcome,
                      tenant=row.tenant, key_id=row.key_id, object_id=row.object_id,
                      request_bytes=row.request_bytes, response_bytes=row.response_bytes,
                      items=row.items, client=row.client) for row in reversed(rows)]

    def outcomes_since(self, since: datetime) -> dict[tuple[str, str], int]:
        """Events since a moment, counted by (action, outcome): for metrics."""
        with store_errors(), Session(self._engine) as session:
            rows = session.execute(
                select(AuditEvent.action, AuditEvent.outcome, func.count())
                .where(AuditEvent.at >= since)
                .group_by(AuditEvent.action, AuditEvent.outcome))
            return {(action, outcome): count for action, outcome, count in rows}


class AuditWriter:
    """Writes what changes things (and every refusal) at once, and successful reads in
    batches: polling tenants read far more often than they write, and one insert per read
    would be most of a read's cost.

    Buffered events are written every FLUSH_SECONDS, or sooner when BUFFER_SIZE are waiting,
    and when the writer closes; a process killed outright loses at most that much of the
    read trail, never a write or a refusal.
    """

    FLUSH_SECONDS = 0.2
    BUFFER_SIZE = 500

    def __init__(self, log: AuditLog) -> None:
        self.log = log
        self._pending: list[Event] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sealq-audit", daemon=True)
        self._thread.start()

    def record(self, event: Event, *, buffered: bool) -> None:
        """Store the event now, or (buffered) with the next batch."""
        if not buffered:
            self.log.record(event)
            return
        with self._lock:
            self._pending.append(event)
            full = len(self._pending) >= self.BUFFER_SIZE
        if full:
            self._wake.set()

    def flush(self) -> None:
        """Write every buffered event now."""
        with self._lock:
            events, self._pending = self._pending, []
        try:
            self.log.record_many(events)
        except SealqError as e:
            log.error("%d audit events not stored: %s", len(events), type(e).__name__)

    def close(self) -> None:
        """Stop the background writer and write what it holds."""
        self._closed.set()
        self._wake.set()
        self._thread.join(timeout=10)
        self.flush()

    def _run(self) -> None:
        while not self._closed.is_set():
            self._wake.wait(self.FLUSH_SECONDS)
            self._wake.clear()
            self.flush()
