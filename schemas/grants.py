"""Who may do what in PostgreSQL: one database user per sealq role, least privilege, by table.

`sealq db upgrade` creates the users and applies exactly these grants after migrating, every
time (`migrations/roles.py`): a privilege removed here is revoked there. The migrating user
owns every table; no role below owns anything or creates anything. Only beat may DELETE a job
or a batch: the sweeper drops tombstones past retention. That adds little to what beat could
already do (it erases and ends any job by UPDATE) and nothing to what it could read.

To give a new table its grants, add it to `JOB_DATABASE` (or `KEY_STORE`) under every role
that touches it, e.g. `"tenants": (Grant("SELECT"),)`. A table of the job database missing
here fails `tests/unit/test_grants.py`; a table named here but missing from the database
fails `sealq db upgrade`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Privilege = Literal["SELECT", "INSERT", "UPDATE", "DELETE"]

# sealq's roles that get a database user (`<prefix><role>`, e.g. sealq_worker). `api` is the
# tenant gateway; Flower holds no database credentials at all.
ROLES = ("producer", "api", "worker", "beat", "exporter")

# Columns holding ciphertext or wrapped keys: only the roles that seal or open them read them.
SEALED_COLUMNS = frozenset({"sealed_prompt", "sealed_result", "sealed_outcome", "wrapped_key"})


@dataclass(frozen=True)
class Grant:
    """One privilege on one table: on every column, only on `columns`, or on all but `hidden`."""

    privilege: Privilege
    columns: tuple[str, ...] | None = None
    hidden: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class RoleSpec:
    """A role's attributes beyond its grants."""

    # Sessions at once (-1: no limit); keeps a role from taking max_connections from others.
    connection_limit: int = -1
    # Every transaction read-only unless it says otherwise (a second guard behind the grants).
    read_only: bool = False


Tables = Mapping[str, tuple[Grant, ...]]

# What ending a job (cancel, expiry, attempts used up) writes.
_END = ("state", "error_code", "finished_at", "lease_owner", "lease_token", "lease_expires_at")
# What erasing a job's sealed data writes.
_ERASE = ("sealed_prompt", "sealed_result", "sealed_outcome", "wrapped_key", "erased_at")
# What erasing an uploaded file writes (its lines are deleted).
_FILE_ERASE = ("status", "sealed_filename", "wrapped_key", "erased_at")

# Submit (insert batches and jobs), status, results, cancel and shred; and the operator's
# commands run with the same user: tenants and their keys, the audit trail.
_PRODUCER: Tables = {
    "batches": (Grant("SELECT"), Grant("INSERT")),
    "jobs": (Grant("SELECT"), Grant("INSERT"), Grant("UPDATE", (*_END, *_ERASE))),
    "tenants": (Grant("SELECT"), Grant("INSERT"),
                Grant("UPDATE", ("weight", "rate_limit_per_minute", "max_enqueued_jobs"))),
    "api_keys": (Grant("SELECT"), Grant("INSERT"), Grant("UPDATE", ("revoked_at",))),
    "audit_events": (Grant("SELECT"),),
}

JOB_DATABASE: Mapping[str, Tables] = {
    "producer": _PRODUCER,
    # The tenant gateway: a producer's batches and jobs, plus uploads (sealed lines written as
    # they stream in; a failed upload's rows deleted), keys it checks, the audit trail it
    # writes. It reads tenants but cannot change them or issue keys.
    "api": {
        "batches": (Grant("SELECT"), Grant("INSERT"), Grant("UPDATE", (
            "cancelled_at", "output_deleted_at", "errors_deleted_at"))),
        "jobs": (Grant("SELECT"), Grant("INSERT"), Grant("UPDATE", (*_END, *_ERASE))),
        "tenants": (Grant("SELECT"),),
        "api_keys": (Grant("SELECT"), Grant("UPDATE", ("last_used_at",))),
        "files": (Grant("SELECT"), Grant("INSERT"), Grant("DELETE"), Grant("UPDATE", (
            *_FILE_ERASE, "size_bytes", "line_count"))),
        "file_lines": (Grant("SELECT"), Grant("INSERT"), Grant("DELETE")),
        "audit_events": (Grant("INSERT"),),
    },
    # Claim under a lease, renew, finish (sealed result and facts), release (back to waiting);
    # announce its queue and slots to the dispatcher.
    "worker": {
        "jobs": (Grant("SELECT"), Grant("UPDATE", (
            *_END, "attempts", "started_at", "sealed_result", "sealed_outcome",
            "prompt_tokens", "completion_tokens", "finish_reason", "policy", "enqueued_at"))),
        "workers": (Grant("SELECT"), Grant("INSERT"), Grant("DELETE"),
                    Grant("UPDATE", ("queue", "slots", "seen_at"))),
    },
    # Sweeper (expire, erase; uploads past expiry or abandoned; tombstones, and batches left
    # without jobs, past retention), reconciler (lapsed leases, lost messages: back to
    # waiting) and dispatcher (release by lane and tenant weight).
    "beat": {
        "jobs": (Grant("SELECT"), Grant("UPDATE", (*_END, *_ERASE, "enqueued_at")),
                 Grant("DELETE")),
        # A batch's id and expiry are all the sweeper reads to find an emptied one.
        "batches": (Grant("SELECT", ("id", "expires_at")), Grant("DELETE")),
        "tenants": (Grant("SELECT", ("name", "weight")),),
        "workers": (Grant("SELECT"), Grant("DELETE")),
        "dispatcher": (Grant("SELECT"), Grant("INSERT"), Grant("UPDATE")),
        "files": (Grant("SELECT"), Grant("DELETE"), Grant("UPDATE", _FILE_ERASE)),
        "file_lines": (Grant("SELECT"), Grant("DELETE")),
    },
    # Counts and ages only: never a sealed column. Gateway outcomes for the misuse metrics.
    "exporter": {
        "batches": (Grant("SELECT"),),
        "jobs": (Grant("SELECT", hidden=SEALED_COLUMNS),),
        "audit_events": (Grant("SELECT", ("at", "action", "outcome", "status")),),
        "workers": (Grant("SELECT"),),
        "dispatcher": (Grant("SELECT"),),
    },
}

KEY_STORE: Mapping[str, Tables] = {
    # Sealing creates the bucket key of a new expiry bucket; opening reads it.
    "producer": {"bucket_keys": (Grant("SELECT"), Grant("INSERT"))},
    "api": {"bucket_keys": (Grant("SELECT"), Grant("INSERT"))},
    "worker": {"bucket_keys": (Grant("SELECT"),)},
    # Only the sweeper destroys bucket keys.
    "beat": {"bucket_keys": (Grant("SELECT"), Grant("DELETE"))},
}

ROLE_SPECS: Mapping[str, RoleSpec] = {
    role: RoleSpec() for role in ROLES
} | {"exporter": RoleSpec(connection_limit=4, read_only=True)}

DATABASES: Mapping[str, Mapping[str, Tables]] = {"job database": JOB_DATABASE,
                                                  "key store": KEY_STORE}
