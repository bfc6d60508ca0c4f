"""Create sealq's PostgreSQL users and give each exactly the grants of `schemas.grants`.

Run by `sealq db upgrade` as the migrating user (the tables' owner, allowed to create roles),
after the migrations, on the job database and on the key store. Idempotent: each run revokes
what a role holds in the schema and grants the table's rights anew, so the database always
matches `schemas/grants.py`. Passwords reach PostgreSQL only as SCRAM-SHA-256 verifiers
computed by libpq, so no statement (or statement log) ever carries one in clear.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from schemas.errors import ConfigError
from schemas.grants import DATABASES, ROLE_SPECS, ROLES, Grant, Tables

# Advisory lock id held while roles are changed ("sealqro" as a number): two migrations at
# once would otherwise race on CREATE ROLE.
ROLES_LOCK_KEY = 0x7365616C71726F


@dataclass(frozen=True)
class RolesReport:
    """What one database's roles look like after a run."""

    database: str
    login: tuple[str, ...]  # users with a password, able to log in
    no_login: tuple[str, ...]  # users without a password in the roles file: login disabled


def load_role_passwords(path: Path) -> dict[str, str]:
    """`role=password` lines (# comments, blank lines allowed), from a file only its owner reads."""
    try:
        with path.open("rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            raw = handle.read()
    except OSError as e:
        raise ConfigError(f"cannot read SEALQ_DB_ROLES_FILE {path}: {e.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"roles file {path} is readable by group or others "
                          f"(mode {stat.S_IMODE(mode):04o}); run `chmod 600 {path}`")
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise ConfigError(f"roles file {path} is not UTF-8 text") from None
    passwords: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        role, sep, password = line.strip().partition("=")
        where = f"roles file {path} line {number}"
        if not sep or not password:
            raise ConfigError(f"{where}: expected role=password")
        if role not in ROLES:
            raise ConfigError(f"{where}: unknown role {role!r}; roles are {', '.join(ROLES)}")
        if role in passwords:
            raise ConfigError(f"{where}: role {role!r} is given twice")
        if len(password) < 16:
            raise ConfigError(f"{where}: the password of {role!r} is shorter than 16 characters")
        passwords[role] = password
    return passwords


def apply_roles(engine: Engine, database: str, passwords: Mapping[str, str], *,
                prefix: str) -> RolesReport:
    """Create or update every role's user and grants on one PostgreSQL database."""
    try:
        return _apply(engine, database, passwords, prefix=prefix)
    except (OperationalError, InterfaceError):
        raise  # unreachable database: the caller's store_errors reports it
    except DBAPIError as e:
        # PostgreSQL's own sentence only: SQLAlchemy's would quote the statement, verifier and all.
        reason = getattr(getattr(e.orig, "diag", None), "message_primary", None) or "refused"
        raise ConfigError(f"cannot set up the {database}'s users: {reason}; run `sealq db "
                          "upgrade` as the tables' owner, a user allowed to create roles") \
            from None


def _apply(engine: Engine, database: str, passwords: Mapping[str, str], *,
           prefix: str) -> RolesReport:
    tables = DATABASES[database]
    with engine.begin() as connection:
        if connection.dialect.name != "postgresql":
            raise ConfigError(f"database users need PostgreSQL; the {database} is "
                              f"{connection.dialect.name}")
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROLES_LOCK_KEY})
        me = connection.execute(text("SELECT current_user")).scalar_one()
        for role in ROLES:
            user = prefix + role
            if user == me:
                raise ConfigError(f"the migrating user {me!r} is also the {role} role's user; "
                                  "run `sealq db upgrade` as the tables' owner")
            _set_user(connection, user, role, passwords.get(role))
        _lock_down_database(connection, [prefix + role for role in ROLES
                                         if tables.get(role)])
        for role in ROLES:
            _grant_tables(connection, prefix + role, tables.get(role, {}), database)
    return RolesReport(database=database,
                       login=tuple(prefix + r for r in ROLES if r in passwords),
                       no_login=tuple(prefix + r for r in ROLES if r not in passwords))


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


# Attributes every role's user must have, as pg_roles column -> (value, ALTER ROLE keyword).
_ATTRIBUTES = {
    "rolsuper": (False, "NOSUPERUSER"), "rolcreatedb": (False, "NOCREATEDB"),
    "rolcreaterole": (False, "NOCREATEROLE"), "rolreplication": (False, "NOREPLICATION"),
    "rolbypassrls": (False, "NOBYPASSRLS"), "rolinherit": (True, "INHERIT"),
}


def _set_user(connection: Connection, user: str, role: str, password: str | None) -> None:
    name = _quote(connection, user)
    row = connection.execute(text(
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, "
        "rolinherit, rolconnlimit FROM pg_roles WHERE rolname = :r"), {"r": user}).mappings() \
        .first()
    if row is None:
        connection.exec_driver_sql(f"CREATE ROLE {name}")  # PostgreSQL's defaults: no rights
        current: dict[str, object] = {column: value for column, (value, _) in
                                      _ATTRIBUTES.items()} | {"rolconnlimit": -1}
    else:
        current = dict(row)
    spec = ROLE_SPECS[role]
    # Only what differs: a non-superuser owner (a hand-run server) may not even restate
    # NOSUPERUSER, and only a superuser can take SUPERUSER or REPLICATION away.
    changes = [keyword for column, (value, keyword) in _ATTRIBUTES.items()
               if current[column] != value]
    if current["rolconnlimit"] != spec.connection_limit:
        changes.append(f"CONNECTION LIMIT {int(spec.connection_limit)}")
    if password is None:
        changes.append("NOLOGIN PASSWORD NULL")
    else:
        verifier = _scram_verifier(connection, user, password)
        # ALTER ROLE takes no bind parameters: the verifier is quoted as a literal.
        changes.append("LOGIN PASSWORD '" + verifier.replace("'", "''") + "'")
    connection.exec_driver_sql(f"ALTER ROLE {name} WITH {' '.join(changes)}")
    setting = "on" if spec.read_only else "off"
    connection.exec_driver_sql(
        f"ALTER ROLE {name} SET default_transaction_read_only = {setting}")
    # Roles granted by hand (pg_read_all_data, pg_execute_server_program, ...) are taken away.
    granted = connection.execute(text(
        "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :r"), {"r": user}).scalars()
    for group in list(granted):
        connection.exec_driver_sql(f"REVOKE {_quote(connection, group)} FROM {name}")


def _scram_verifier(connection: Connection, user: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier libpq computes for this password (PQencryptPasswordConn)."""
    pgconn = connection.connection.dbapi_connection.pgconn  # type: ignore[union-attr]  # psycopg
    verifier: bytes = pgconn.encrypt_password(password.encode(), user.encode(),
                                              b"scram-sha-256")
    return verifier.decode()


def _lock_down_database(connection: Connection, users: Iterable[str]) -> None:
    database = _quote(connection, connection.execute(text("SELECT current_database()"))
                      .scalar_one())
    schema = _quote(connection, _schema(connection))
    # PostgreSQL grants PUBLIC (every user) CONNECT and TEMPORARY on a new database, and
    # CREATE in the public schema before version 15: take them back.
    connection.exec_driver_sql(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC")
    connection.exec_driver_sql(f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC")
    for user in users:
        connection.exec_driver_sql(f"GRANT CONNECT ON DATABASE {database} TO "
                                f"{_quote(connection, user)}")
        connection.exec_driver_sql(
            f"GRANT USAGE ON SCHEMA {schema} TO {_quote(connection, user)}")


def _schema(connection: Connection) -> str:
    schema: str = connection.execute(text("SELECT current_schema()")).scalar_one()
    return schema


def _grant_tables(connection: Connection, user: str, tables: Tables, database: str) -> None:
    name = _quote(connection, user)
    schema = _schema(connection)
    quoted_schema = _quote(connection, schema)
    database_name = _quote(connection, connection.execute(text("SELECT current_database()"))
                           .scalar_one())
    # Start from nothing: what the table no longer lists is revoked (column grants with it).
    for kind in ("TABLES", "SEQUENCES", "FUNCTIONS"):
        connection.exec_driver_sql(f"REVOKE ALL ON ALL {kind} IN SCHEMA {quoted_schema} "
                                f"FROM {name}")
    if not tables:
        connection.exec_driver_sql(f"REVOKE ALL ON DATABASE {database_name} FROM {name}")
        connection.exec_driver_sql(f"REVOKE ALL ON SCHEMA {quoted_schema} FROM {name}")
        return
    for table, grants in tables.items():
        columns = _columns(connection, schema, table)
        if not columns:
            raise ConfigError(f"schemas/grants.py names table {table!r}, which the {database} "
                              f"does not have (schema {schema}); is it migrated?")
        target = f"{quoted_schema}.{_quote(connection, table)}"
        for grant in grants:
            connection.exec_driver_sql(f"GRANT {_privilege(connection, grant, columns, table)} "
                                    f"ON {target} TO {name}")
            if grant.privilege == "INSERT":
                _grant_sequences(connection, name, schema, table, columns)


def _privilege(connection: Connection, grant: Grant, columns: list[str], table: str) -> str:
    if grant.columns is None and not grant.hidden:
        return grant.privilege
    wanted = list(grant.columns) if grant.columns is not None else columns
    unknown = sorted(set(wanted) - set(columns)) + sorted(set(grant.hidden) - set(columns))
    if unknown:
        raise ConfigError(f"schemas/grants.py names columns {unknown} that table {table!r} "
                          "does not have")
    visible = [c for c in wanted if c not in grant.hidden]
    return f"{grant.privilege} ({', '.join(_quote(connection, c) for c in visible)})"


def _columns(connection: Connection, schema: str, table: str) -> list[str]:
    return list(connection.execute(text(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = :s AND table_name = :t ORDER BY ordinal_position"),
        {"s": schema, "t": table}).scalars())


def _grant_sequences(connection: Connection, user: str, schema: str, table: str,
                     columns: list[str]) -> None:
    """Inserting into a serial or identity column draws from its sequence: allow that."""
    qualified = f"{_quote(connection, schema)}.{_quote(connection, table)}"
    for column in columns:
        sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                      {"t": qualified, "c": column}).scalar_one()
        if sequence is not None:
            connection.exec_driver_sql(f"GRANT USAGE ON SEQUENCE {sequence} TO {user}")
