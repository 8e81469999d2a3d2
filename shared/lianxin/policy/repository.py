"""SQL access for policies. Functions take the connection first and never commit."""

from __future__ import annotations

from datetime import date
from typing import Any

from lianxin.core.db import Connection
from lianxin.core.region import region_prefixes
from lianxin.core.sql import load_queries
from lianxin.policy.models import DibaoPolicy

Q = load_queries(__package__)


async def list_policies_by_region(conn: Connection, region_code: str) -> list[DibaoPolicy]:
    return [DibaoPolicy.from_row(r) for r in await conn.fetch(Q.list_policies_by_region, region_code)]


async def list_policies_by_ids(conn: Connection, ids: list[int]) -> list[DibaoPolicy]:
    return [DibaoPolicy.from_row(r) for r in await conn.fetch(Q.list_policies_by_ids, ids)]


async def find_policy_for(conn: Connection, region_code: str, as_of: date) -> DibaoPolicy | None:
    row = await conn.fetchrow(Q.find_policy_for, region_prefixes(region_code), as_of)
    return DibaoPolicy.from_row(row) if row else None


async def policy_exists(conn: Connection, region_code: str, effective_from: date) -> bool:
    return await conn.fetchval(Q.policy_exists, region_code, effective_from) is not None


async def insert_policy(
    conn: Connection,
    region_code: str,
    effective_from: date,
    parameters: dict[str, Any],
    published_by: str | None,
) -> DibaoPolicy:
    row = await conn.fetchrow(Q.insert_policy, region_code, effective_from, parameters, published_by)
    assert row is not None
    return DibaoPolicy.from_row(row)
