"""Wake-ups for the dispatcher: a commit that gives it work says so, on PostgreSQL.

Producers (jobs stored) and workers (jobs finished or given back: slots freed) send a NOTIFY
inside their own transaction. PostgreSQL delivers it only on commit, folds repeats within one
transaction and drops it on rollback. The dispatcher LISTENs and passes at once instead of on
its next tick (workers.lifecycle.wakeup), so it can tick slowly while nothing happens. SQLite
has no such channel: there the dispatcher keeps its short tick.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

CHANNEL = "sealq_dispatch"
_NOTIFY = text(f"NOTIFY {CHANNEL}")


def wake_dispatcher(connection: Connection) -> None:
    """Ask for a dispatcher pass once the connection's transaction commits (PostgreSQL only)."""
    if connection.dialect.name == "postgresql":
        connection.execute(_NOTIFY)
