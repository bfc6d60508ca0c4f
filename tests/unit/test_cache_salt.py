"""Per-tenant cache salts: stable per tenant and key, unrelated across tenants and keys."""

from __future__ import annotations

import pytest

from workers.cache_salt import TenantSalt


def test_a_tenant_gets_one_salt_per_key() -> None:
    """The same key and tenant give the same salt; another tenant or key gives another."""
    salt, other = TenantSalt(b"k" * 32), TenantSalt(b"o" * 32)
    assert salt("acme") == salt("acme")
    assert salt("acme") != salt("globex")
    assert salt("acme") != other("acme")
    assert len(salt("acme")) == 64 and set(salt("acme")) <= set("0123456789abcdef")


def test_fresh_keys_differ_and_are_never_shown() -> None:
    """Two workers' salt functions differ; repr withholds the key."""
    first, second = TenantSalt.fresh(), TenantSalt.fresh()
    assert first("acme") != second("acme")
    assert repr(first) == "TenantSalt(<key withheld>)"


def test_short_keys_are_refused() -> None:
    """A key under 128 bits would make salts guessable: refused."""
    with pytest.raises(ValueError, match="128 bits"):
        TenantSalt(b"short")
