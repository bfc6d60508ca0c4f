"""Who may do what in PostgreSQL: one database user per sealq role, least privilege, by table.

`sealq db upgrade` creates the users and applies exactly these grants after migrating, every
time (`migrations/roles.py`): a privilege removed here is revoked there. The migrating user
owns every table; no role below owns anything, creates anything or may DELETE a job.

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
SEALED_COLUMNS = frozenset({"sealed_prompt", "sealed_result", "wrapped_key"})


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
_ERASE = ("sealed_prompt", "sealed_result", "wrapped_key", "erased_at")

# Submit (insert batches and jobs), status, results, cancel and shred.
_PRODUCER: Tables = {
    "batches": (Grant("SELECT"), Grant("INSERT")),
    "jobs": (Grant("SELECT"), Grant("INSERT"),
             Grant("UPDATE", ("enqueued_at", *_END, *_ERASE))),
}

JOB_DATABASE: Mapping[str, Tables] = {
    "producer": _PRODUCER,
    "api": _PRODUCER,
    # Claim under a lease, renew, finish (sealed result and facts), release.
    "worker": {
        "jobs": (Grant("SELECT"), Grant("UPDATE", (
            *_END, "attempts", "started_at", "sealed_result", "prompt_tokens",
            "completion_tokens", "finish_reason", "policy"))),
    },
    # Sweeper (expire, erase) and reconciler (lapsed leases, re-enqueue).
    "beat": {
        "jobs": (Grant("SELECT"), Grant("UPDATE", (*_END, *_ERASE, "enqueued_at"))),
    },
    # Counts and ages only: never a sealed column.
    "exporter": {
        "batches": (Grant("SELECT"),),
        "jobs": (Grant("SELECT", hidden=SEALED_COLUMNS),),
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
