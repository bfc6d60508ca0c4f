"""The grants table: complete for every table, blind where it must be, DELETE where it may be."""

from __future__ import annotations

from sqlalchemy import LargeBinary

from schemas.grants import JOB_DATABASE, KEY_STORE, ROLES, SEALED_COLUMNS, Grant
from schemas.tables import JobBase, KeyStoreBase


def privileges(tables: dict[str, tuple[Grant, ...]], table: str) -> set[str]:
    """The privileges a role's entry gives on one table."""
    return {grant.privilege for grant in tables.get(table, ())}


def test_every_table_has_an_entry_and_every_entry_a_table() -> None:
    """Each table of either database is granted to some role; no entry names a missing table."""
    for metadata, grants in ((JobBase.metadata, JOB_DATABASE), (KeyStoreBase.metadata, KEY_STORE)):
        named = {table for role in grants.values() for table in role}
        assert named == set(metadata.tables), (named, set(metadata.tables))
        for role_tables in grants.values():
            for table, entries in role_tables.items():
                columns = {c.name for c in metadata.tables[table].columns}
                for grant in entries:
                    assert set(grant.columns or ()) <= columns, (table, grant)
                    assert grant.hidden <= columns, (table, grant)
    assert set(JOB_DATABASE) | set(KEY_STORE) <= set(ROLES)


def test_sealed_columns_are_every_binary_column_of_the_jobs() -> None:
    """A new ciphertext column must join SEALED_COLUMNS (and so stay hidden from the exporter)."""
    binary = {c.name for c in JobBase.metadata.tables["jobs"].columns
              if isinstance(c.type, LargeBinary)}
    assert binary == SEALED_COLUMNS


def test_exporter_reads_no_sealed_column_and_writes_nothing() -> None:
    """The exporter's only privilege is SELECT, and on jobs it hides every sealed column."""
    for table, grants in JOB_DATABASE["exporter"].items():
        assert {grant.privilege for grant in grants} == {"SELECT"}, table
    (jobs,) = JOB_DATABASE["exporter"]["jobs"]
    assert jobs.columns is None and jobs.hidden == SEALED_COLUMNS
    assert "exporter" not in KEY_STORE


def test_only_beat_deletes_jobs_and_batches_and_only_beat_deletes_bucket_keys() -> None:
    """DELETE: on jobs and batches for beat alone (tombstones past retention); never on
    tenants, keys, the audit trail or the dispatcher's lease; on uploaded files' rows for the
    gateway (a failed upload) and beat (the sweeper); on worker seats for workers (their own,
    at shutdown) and beat (stale ones); on bucket keys for beat."""
    for role, tables in JOB_DATABASE.items():
        for table in tables:
            if table in ("files", "file_lines", "workers"):
                continue
            if role == "beat" and table in ("jobs", "batches"):
                continue
            assert "DELETE" not in privileges(dict(tables), table), (role, table)
    for table in ("jobs", "batches"):
        deleters = {role for role, tables in JOB_DATABASE.items()
                    if "DELETE" in privileges(dict(tables), table)}
        assert deleters == {"beat"}, table
    file_deleters = {role for role, tables in JOB_DATABASE.items()
                     if "DELETE" in privileges(dict(tables), "file_lines")}
    assert file_deleters == {"api", "beat"}
    seat_deleters = {role for role, tables in JOB_DATABASE.items()
                     if "DELETE" in privileges(dict(tables), "workers")}
    assert seat_deleters == {"worker", "beat"}
    deleters = {role for role, tables in KEY_STORE.items()
                if "DELETE" in privileges(dict(tables), "bucket_keys")}
    assert deleters == {"beat"}


def test_only_the_dispatcher_side_moves_jobs_in_and_out_of_waiting() -> None:
    """jobs.enqueued_at (released or waiting) is written by beat (dispatcher, reconciler) and
    workers (a job given back), never by the producer or the gateway, which only insert."""
    writers = {role for role, tables in JOB_DATABASE.items()
               for grant in tables.get("jobs", ())
               if grant.privilege == "UPDATE" and "enqueued_at" in (grant.columns or ())}
    assert writers == {"beat", "worker"}
    for role in ("producer", "api"):
        assert "INSERT" in privileges(dict(JOB_DATABASE[role]), "jobs"), role


def test_beat_reads_only_a_batch_s_id_and_expiry_and_never_writes_batches() -> None:
    """To drop emptied batches beat reads their id and expiry, nothing of what was submitted,
    and may delete them but neither insert nor change one."""
    beat = dict(JOB_DATABASE["beat"])
    assert privileges(beat, "batches") == {"SELECT", "DELETE"}
    (read,) = [g for g in beat["batches"] if g.privilege == "SELECT"]
    assert read.columns == ("id", "expires_at")
    assert "INSERT" not in privileges(beat, "jobs")


def test_beat_reads_only_tenant_weights_and_owns_the_dispatcher_lease() -> None:
    """The dispatcher reads each tenant's name and weight, nothing else of tenants; only beat
    writes the dispatcher table, and workers announce their own seats."""
    beat = dict(JOB_DATABASE["beat"])
    (tenants,) = beat["tenants"]
    assert (tenants.privilege, tenants.columns) == ("SELECT", ("name", "weight"))
    dispatcher_writers = {role for role, tables in JOB_DATABASE.items()
                          if privileges(dict(tables), "dispatcher") - {"SELECT"}}
    assert dispatcher_writers == {"beat"}
    seat_writers = {role for role, tables in JOB_DATABASE.items()
                    if privileges(dict(tables), "workers") & {"INSERT", "UPDATE"}}
    assert seat_writers == {"worker"}


def test_the_gateway_cannot_manage_tenants_or_keys() -> None:
    """`api` reads tenants and checks keys; adding tenants or issuing keys is the operator's."""
    api = dict(JOB_DATABASE["api"])
    assert privileges(api, "tenants") == {"SELECT"}
    assert privileges(api, "api_keys") == {"SELECT", "UPDATE"}
    (touch,) = [g for g in api["api_keys"] if g.privilege == "UPDATE"]
    assert touch.columns == ("last_used_at",)
    assert KEY_STORE["api"] == KEY_STORE["producer"]
