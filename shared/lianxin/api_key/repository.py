"""SQL access for API keys. Functions take the connection first and never commit."""

from __future__ import annotations

from lianxin.api_key.models import ApiKey
from lianxin.core.db import Connection
from lianxin.core.sql import load_queries

Q = load_queries(__package__)


async def insert_api_key(
    conn: Connection, agency_id: int, name: str, prefix: str, key_sha256: bytes, created_by: str
) -> ApiKey:
    row = await conn.fetchrow(Q.insert_api_key, agency_id, name, prefix, key_sha256, created_by)
    assert row is not None
    return ApiKey.from_row(row)


async def revoke_api_key(conn: Connection, key_id: int) -> ApiKey | None:
    row = await conn.fetchrow(Q.revoke_api_key, key_id)
    return ApiKey.from_row(row) if row else None


async def get_key_holder(conn: Connection, prefix: str) -> tuple[int, bytes, int, str] | None:
    """(key id, stored SHA-256, agency id, agency region) of an unrevoked key."""
    row = await conn.fetchrow(Q.get_key_holder, prefix)
    if row is None:
        return None
    return row["key_id"], bytes(row["key_sha256"]), row["agency_id"], row["region_code"].strip()


async def agency_exists(conn: Connection, agency_id: int) -> bool:
    return await conn.fetchval(Q.agency_exists, agency_id) is not None
