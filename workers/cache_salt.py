"""Per-tenant salts for the engine's prefix cache, so tenants never share cached KV blocks.

vLLM reuses the KV blocks of any earlier request with the same prefix, and how fast the first
token comes back tells whether a guessed prefix was seen before: a timing side channel between
tenants. vLLM's cure is a per-request `cache_salt` mixed into the hash of the first block. The
salt here is HMAC-SHA256 of the tenant under a random key made when the worker starts: the same
tenant always gets the same salt in this process (its own requests still share the cache), two
tenants never do, and the salt says nothing about the tenant. The key lives only in this
process's memory, as the engine's cache does.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Bytes of the per-process salt key (HMAC-SHA256's block-sized security).
SALT_KEY_BYTES = 32


class TenantSalt:
    """Maps a tenant to its cache salt (64 hex characters, within vLLM's 128)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a cache-salt key needs at least 128 bits")
        self._key = key

    @classmethod
    def fresh(cls) -> TenantSalt:
        """A salt function with a new random key, for one worker process."""
        return cls(secrets.token_bytes(SALT_KEY_BYTES))

    def __repr__(self) -> str:  # the key must never reach a log through repr()
        return "TenantSalt(<key withheld>)"

    def __call__(self, tenant: str) -> str:
        return hmac.new(self._key, tenant.encode(), hashlib.sha256).hexdigest()
