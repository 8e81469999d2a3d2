"""Issuing, revoking and checking agency API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from lianxin.api_key import repository
from lianxin.api_key.models import ApiKey, KeyHolder
from lianxin.core.db import Pool, UnitOfWork
from lianxin.core.errors import DomainError, NotFound

KEY_PREFIX = "lx_"
_LOOKUP_CHARS = 8  # after "lx_": stored in clear to find the row, far too short to guess the rest


def looks_like_api_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


def _digest(key: str) -> bytes:
    # the key has 256 bits of entropy, so a plain SHA-256 (no salt, no stretching) cannot be brute-forced
    return hashlib.sha256(key.encode()).digest()


async def create_api_key(uow: UnitOfWork, agency_id: int, name: str, created_by: str) -> tuple[ApiKey, str]:
    """A new key for an agency: (the stored record, the key itself, which is never shown again)."""
    if not name.strip():
        raise DomainError.single("BLANK_NAME", "name a key after the system that will use it", ["name"])
    if not await repository.agency_exists(uow.conn, agency_id):
        raise NotFound.single("NOT_FOUND", "no such agency", ["agencyId"])
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    prefix = key[: len(KEY_PREFIX) + _LOOKUP_CHARS]
    record = await repository.insert_api_key(uow.conn, agency_id, name, prefix, _digest(key), created_by)
    return record, key


async def revoke_api_key(uow: UnitOfWork, key_id: int) -> ApiKey:
    """Revoked keys stop working on the next request (nothing caches them)."""
    record = await repository.revoke_api_key(uow.conn, key_id)
    if record is None:
        raise NotFound.single("NOT_FOUND", "no such API key", ["id"])
    return record


async def find_key_holder(pool: Pool, key: str) -> KeyHolder | None:
    """The agency a valid, unrevoked key speaks for, else None."""
    if not looks_like_api_key(key) or len(key) < len(KEY_PREFIX) + _LOOKUP_CHARS + 1:
        return None
    async with pool.acquire() as conn:
        found = await repository.get_key_holder(conn, key[: len(KEY_PREFIX) + _LOOKUP_CHARS])
    if found is None:
        return None
    key_id, stored, agency_id, region_code = found
    if not hmac.compare_digest(stored, _digest(key)):
        return None
    return KeyHolder(key_id=key_id, agency_id=agency_id, region_code=region_code)
