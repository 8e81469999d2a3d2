"""SQL access for cooperatives. Functions take the connection first and never commit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lianxin.access.rules import EVERYTHING, ListScope
from lianxin.cooperative.models import (
    Cooperative,
    CooperativeAsset,
    CooperativeAssetKind,
    CooperativeMember,
    CooperativeYear,
)
from lianxin.core.db import Connection
from lianxin.core.sql import load_queries

Q = load_queries(__package__)


async def get_cooperative(conn: Connection, cooperative_id: int) -> Cooperative | None:
    row = await conn.fetchrow(Q.get_cooperative, cooperative_id)
    return Cooperative.from_row(row) if row else None


async def lock_cooperative(conn: Connection, cooperative_id: int) -> Cooperative | None:
    row = await conn.fetchrow(Q.lock_cooperative, cooperative_id)
    return Cooperative.from_row(row) if row else None


async def list_cooperatives_by_ids(conn: Connection, ids: list[int]) -> list[Cooperative]:
    return [Cooperative.from_row(r) for r in await conn.fetch(Q.list_cooperatives_by_ids, ids)]


async def find_cooperative_by_name(conn: Connection, region_code: str, name: str) -> int | None:
    found: int | None = await conn.fetchval(Q.find_cooperative_by_name, region_code, name)
    return found


async def list_cooperatives_page(
    conn: Connection, after_id: int, limit: int, *, scope: ListScope = EVERYTHING
) -> list[Cooperative]:
    rows = await conn.fetch(Q.list_cooperatives_page, after_id, limit, scope.union_root)
    return [Cooperative.from_row(r) for r in rows]


async def count_cooperatives(conn: Connection, *, scope: ListScope = EVERYTHING) -> int:
    total: int = await conn.fetchval(Q.count_cooperatives, scope.union_root)
    return total


async def insert_cooperative(
    conn: Connection,
    name: str,
    village: str,
    region_code: str,
    led_by_party_branch: bool,
    land_mu: Decimal,
    chair_name: str | None,
    founded_on: date | None,
    union_id: int | None,
) -> Cooperative:
    row = await conn.fetchrow(
        Q.insert_cooperative,
        name,
        village,
        region_code,
        led_by_party_branch,
        land_mu,
        chair_name,
        founded_on,
        union_id,
    )
    assert row is not None
    return Cooperative.from_row(row)


async def get_union_region(conn: Connection, union_id: int) -> str | None:
    region: str | None = await conn.fetchval(Q.union_region, union_id)
    return region


async def household_exists(conn: Connection, household_id: int) -> bool:
    return bool(await conn.fetchval(Q.household_exists, household_id))


async def is_member(conn: Connection, cooperative_id: int, household_id: int) -> bool:
    return bool(await conn.fetchval(Q.is_member, cooperative_id, household_id))


async def total_share_mu(conn: Connection, cooperative_id: int) -> Decimal:
    total: Decimal = await conn.fetchval(Q.total_share_mu, cooperative_id)
    return total


async def insert_member(
    conn: Connection, cooperative_id: int, household_id: int, land_share_mu: Decimal, joined_on: date
) -> CooperativeMember:
    row = await conn.fetchrow(Q.insert_member, cooperative_id, household_id, land_share_mu, joined_on)
    assert row is not None
    return CooperativeMember.from_row(row)


async def list_members_by_cooperative_ids(conn: Connection, ids: list[int]) -> list[CooperativeMember]:
    rows = await conn.fetch(Q.list_members_by_cooperative_ids, ids)
    return [CooperativeMember.from_row(r) for r in rows]


async def insert_asset(
    conn: Connection,
    cooperative_id: int,
    kind: CooperativeAssetKind,
    description: str,
    count: int,
    crop: str | None,
    lessee: str | None,
    annual_rent_fen: int | None,
) -> CooperativeAsset:
    row = await conn.fetchrow(
        Q.insert_asset, cooperative_id, kind.value, description, count, crop, lessee, annual_rent_fen
    )
    assert row is not None
    return CooperativeAsset.from_row(row)


async def list_assets_by_cooperative_ids(conn: Connection, ids: list[int]) -> list[CooperativeAsset]:
    rows = await conn.fetch(Q.list_assets_by_cooperative_ids, ids)
    return [CooperativeAsset.from_row(r) for r in rows]


async def upsert_year(
    conn: Connection, cooperative_id: int, year: int, income_fen: int, dividend_fen: int
) -> CooperativeYear:
    row = await conn.fetchrow(Q.upsert_year, cooperative_id, year, income_fen, dividend_fen)
    assert row is not None
    return CooperativeYear.from_row(row)


async def list_years_by_cooperative_ids(conn: Connection, ids: list[int]) -> list[CooperativeYear]:
    rows = await conn.fetch(Q.list_years_by_cooperative_ids, ids)
    return [CooperativeYear.from_row(r) for r in rows]
