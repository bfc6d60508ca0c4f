"""The gateway's audit trail: one event per call, with ids, sizes and outcomes, never content.

An event says when, which tenant and key, what action on which object, how it ended (HTTP
status and a code), and how much moved (bytes, lines). It never holds a prompt, a result, a
file name, a key or an error message: the fields are ids, numbers and fixed codes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from schemas.db import store_errors
from schemas.tables import AuditEvent, JobBase

AUDIT_TABLE = JobBase.metadata.tables[AuditEvent.__tablename__]
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
        values = asdict(event)
        if values["client"] is not None:
            values["client"] = values["client"][:MAX_CLIENT_LENGTH]
        with store_errors(), self._engine.begin() as connection:
            connection.execute(insert(AUDIT_TABLE), [values])

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
