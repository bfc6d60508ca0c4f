"""Tenants and their API keys: who may call the gateway, with what role and limits.

A key is `sqk_<id>_<secret>`: the id finds the row, the secret (256 random bits) is checked
against a SHA-256 of the whole key in constant time. Only the hash is stored; the key is shown
once, when it is issued. A tenant may hold several live keys, so it rotates without downtime.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from schemas import constants
from schemas.db import store_errors
from schemas.errors import NotFound, SpecError
from schemas.jobs import is_tenant
from schemas.tables import ApiKey, Tenant

KEY_PATTERN = re.compile(
    rf"{re.escape(constants.API_KEY_PREFIX)}([0-9a-f]{{{2 * constants.API_KEY_ID_BYTES}}})_"
    r"([A-Za-z0-9_-]{43})")
KEY_ID_PATTERN = re.compile(
    rf"(?:{re.escape(constants.API_KEY_PREFIX)})?([0-9a-f]{{{2 * constants.API_KEY_ID_BYTES}}})")


class Role(enum.StrEnum):
    """What a key may do: submitters also read; readers read batches and results only."""

    SUBMITTER = "submitter"
    READER = "reader"


class AuthFailure(enum.StrEnum):
    """Why a key was refused; recorded in the audit trail, never the key itself."""

    MISSING = "missing_key"
    MALFORMED = "malformed_key"
    UNKNOWN = "unknown_key"
    REVOKED = "revoked_key"
    EXPIRED = "expired_key"


class Unauthenticated(Exception):
    """The caller's key was missing, unknown, revoked or expired."""

    def __init__(self, reason: AuthFailure, *, key_id: str | None = None,
                 tenant: str | None = None) -> None:
        self.reason = reason
        self.key_id = key_id
        self.tenant = tenant
        super().__init__(reason.value)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the tenant, which key, and what the key may do."""

    tenant: str
    key_id: str
    role: Role


@dataclass(frozen=True, slots=True)
class TenantInfo:
    """A tenant as operators see it; None limits mean the deployment's defaults."""

    name: str
    weight: int
    rate_limit_per_minute: int | None
    max_enqueued_jobs: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """An API key as operators see it: never its secret."""

    id: str
    tenant: str
    role: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def display_id(self) -> str:
        """The key's public part, as it appears at the start of the key."""
        return f"{constants.API_KEY_PREFIX}{self.id}"

    def status(self, now: datetime) -> str:
        """live, revoked or expired."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "live"


def check_tenant_name(name: str) -> str:
    """The name if it is a valid tenant name, else SpecError saying what is allowed."""
    if not is_tenant(name):
        raise SpecError(f"tenant {name!r} is invalid: use 1 to 64 letters, digits, '.', '_' "
                        "or '-', starting with a letter or digit")
    return name


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def _tenant_info(row: Tenant) -> TenantInfo:
    return TenantInfo(name=row.name, weight=row.weight,
                      rate_limit_per_minute=row.rate_limit_per_minute,
                      max_enqueued_jobs=row.max_enqueued_jobs, created_at=row.created_at)


def _key_info(row: ApiKey) -> KeyInfo:
    return KeyInfo(id=row.id, tenant=row.tenant, role=row.role, created_at=row.created_at,
                   expires_at=row.expires_at, last_used_at=row.last_used_at,
                   revoked_at=row.revoked_at)


def _check_limits(weight: int | None, rate_limit: int | None, max_enqueued: int | None) -> None:
    if weight is not None and not 1 <= weight <= 1000:
        raise SpecError(f"weight {weight} is out of range; use 1 to 1000")
    if rate_limit is not None and rate_limit < 1:
        raise SpecError("rate limit must be at least 1 request per minute")
    if max_enqueued is not None and max_enqueued < 1:
        raise SpecError("max enqueued jobs must be at least 1")


class TenantDirectory:
    """Tenants and API keys in the job database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    # --- tenants ------------------------------------------------------------------------

    def add(self, name: str, *, now: datetime, weight: int = 1, rate_limit: int | None = None,
            max_enqueued_jobs: int | None = None) -> TenantInfo:
        """Register a tenant; SpecError if the name is invalid or taken."""
        check_tenant_name(name)
        _check_limits(weight, rate_limit, max_enqueued_jobs)
        row = Tenant(name=name, weight=weight, rate_limit_per_minute=rate_limit,
                     max_enqueued_jobs=max_enqueued_jobs, created_at=now)
        try:
            with store_errors(), self._session() as session, session.begin():
                session.add(row)
        except IntegrityError:
            raise SpecError(f"tenant {name!r} already exists; change it with "
                            f"`sealq tenant set {name}`") from None
        return _tenant_info(row)

    def set(self, name: str, *, weight: int | None = None, rate_limit: int | None = None,
            max_enqueued_jobs: int | None = None, clear: Sequence[str] = ()) -> TenantInfo:
        """Change a tenant's weight or limits; `clear` names limits to reset to the default."""
        _check_limits(weight, rate_limit, max_enqueued_jobs)
        values: dict[str, int | None] = {}
        if weight is not None:
            values["weight"] = weight
        if rate_limit is not None:
            values["rate_limit_per_minute"] = rate_limit
        if max_enqueued_jobs is not None:
            values["max_enqueued_jobs"] = max_enqueued_jobs
        for field in clear:
            values[field] = None
        with store_errors(), self._session() as session, session.begin():
            if values:
                session.execute(update(Tenant).where(Tenant.name == name).values(**values))
            row = session.get(Tenant, name)
            if row is None:
                raise NotFound(f"no tenant {name!r}; add it with `sealq tenant add {name}`")
            return _tenant_info(row)

    def get(self, name: str) -> TenantInfo | None:
        """The tenant with that name, or None."""
        with store_errors(), self._session() as session:
            row = session.get(Tenant, name)
            return None if row is None else _tenant_info(row)

    def require(self, name: str) -> TenantInfo:
        """The tenant with that name, or SpecError with the command that adds it."""
        check_tenant_name(name)
        found = self.get(name)
        if found is None:
            raise SpecError(f"tenant {name!r} does not exist; add it with "
                            f"`sealq tenant add {name}`")
        return found

    def all(self) -> list[TenantInfo]:
        """Every tenant, by name."""
        with store_errors(), self._session() as session:
            return [_tenant_info(row) for row in session.scalars(
                select(Tenant).order_by(Tenant.name))]

    # --- API keys -----------------------------------------------------------------------

    def issue_key(self, tenant: str, *, role: Role, now: datetime,
                  expires_in: timedelta | None = None) -> tuple[KeyInfo, str]:
        """A new key for the tenant: its description and the whole key (shown once)."""
        self.require(tenant)
        key_id = secrets.token_hex(constants.API_KEY_ID_BYTES)
        key = f"{constants.API_KEY_PREFIX}{key_id}_" \
              f"{secrets.token_urlsafe(constants.API_KEY_SECRET_BYTES)}"
        row = ApiKey(id=key_id, tenant=tenant, role=role.value, secret_hash=hash_key(key),
                     created_at=now, expires_at=None if expires_in is None else now + expires_in)
        with store_errors(), self._session() as session, session.begin():
            session.add(row)
        return _key_info(row), key

    def keys(self, tenant: str | None = None) -> list[KeyInfo]:
        """Every key (of one tenant, or all), newest first."""
        query = select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id)
        if tenant is not None:
            query = query.where(ApiKey.tenant == tenant)
        with store_errors(), self._session() as session:
            return [_key_info(row) for row in session.scalars(query)]

    def revoke(self, key_or_id: str, *, now: datetime) -> KeyInfo:
        """Revoke a key given by its id or as a whole; it stops working at once."""
        key_id = key_id_of(key_or_id)
        if key_id is None:
            raise SpecError("not an API key or key id: expected sqk_<16 hex digits>[_secret]")
        with store_errors(), self._session() as session, session.begin():
            session.execute(update(ApiKey).where(ApiKey.id == key_id,
                                                 ApiKey.revoked_at.is_(None))
                            .values(revoked_at=now))
            row = session.get(ApiKey, key_id)
            if row is None:
                raise NotFound(f"no API key {constants.API_KEY_PREFIX}{key_id}")
            return _key_info(row)

    def authenticate(self, key: str | None, *, now: datetime) -> Principal:
        """The principal a presented key stands for, or Unauthenticated saying why."""
        if not key:
            raise Unauthenticated(AuthFailure.MISSING)
        match = KEY_PATTERN.fullmatch(key)
        if match is None:
            raise Unauthenticated(AuthFailure.MALFORMED)
        key_id = match.group(1)
        with store_errors(), self._session() as session:
            row = session.get(ApiKey, key_id)
        if row is None or not hmac.compare_digest(row.secret_hash, hash_key(key)):
            raise Unauthenticated(AuthFailure.UNKNOWN, key_id=key_id)
        if row.revoked_at is not None:
            raise Unauthenticated(AuthFailure.REVOKED, key_id=key_id, tenant=row.tenant)
        if row.expires_at is not None and row.expires_at <= now:
            raise Unauthenticated(AuthFailure.EXPIRED, key_id=key_id, tenant=row.tenant)
        last = row.last_used_at
        if last is None or now - last >= timedelta(seconds=constants.API_KEY_TOUCH_SECONDS):
            with store_errors(), self._session() as session, session.begin():
                session.execute(update(ApiKey).where(ApiKey.id == key_id)
                                .values(last_used_at=now))
        return Principal(tenant=row.tenant, key_id=key_id, role=Role(row.role))


def key_id_of(key_or_id: str) -> str | None:
    """The id in a whole key or a key id (with or without its prefix), else None."""
    whole = KEY_PATTERN.fullmatch(key_or_id)
    if whole is not None:
        return whole.group(1)
    bare = KEY_ID_PATTERN.fullmatch(key_or_id)
    return None if bare is None else bare.group(1)
