"""SQL access for agencies and referrals. Functions take the connection first and never commit."""

from __future__ import annotations

from lianxin.access.rules import EVERYTHING, ListScope
from lianxin.core.db import Connection
from lianxin.core.sql import load_queries
from lianxin.referral.models import Agency, Referral, ReferralStatus

Q = load_queries(__package__)


async def agencies_for_regions(conn: Connection, codes: list[str]) -> list[Agency]:
    return [Agency.from_row(r) for r in await conn.fetch(Q.agencies_for_regions, codes)]


async def list_agencies(conn: Connection) -> list[Agency]:
    return [Agency.from_row(r) for r in await conn.fetch(Q.list_agencies)]


async def list_agencies_by_ids(conn: Connection, ids: list[int]) -> list[Agency]:
    return [Agency.from_row(r) for r in await conn.fetch(Q.list_agencies_by_ids, ids)]


async def agency_for_region_exists(conn: Connection, region_code: str) -> bool:
    return await conn.fetchval(Q.agency_for_region_exists, region_code) is not None


async def insert_agency(conn: Connection, name: str, region_code: str) -> Agency:
    row = await conn.fetchrow(Q.insert_agency, name, region_code)
    assert row is not None
    return Agency.from_row(row)


async def open_referrals_by_household_ids(conn: Connection, ids: list[int]) -> list[Referral]:
    return [Referral.from_row(r) for r in await conn.fetch(Q.open_referrals_by_household_ids, ids)]


async def insert_referrals(conn: Connection, rows: list[tuple[int, int, int]]) -> list[Referral]:
    """(household id, agency id, decision id) → new SENT referrals."""
    records = await conn.fetch(
        Q.insert_referrals, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
    )
    return [Referral.from_row(r) for r in records]


async def withdraw_referrals(conn: Connection, ids: list[int], reason: str) -> list[Referral]:
    return [Referral.from_row(r) for r in await conn.fetch(Q.withdraw_referrals, ids, reason)]


async def lock_referral(conn: Connection, referral_id: int) -> Referral | None:
    row = await conn.fetchrow(Q.lock_referral, referral_id)
    return Referral.from_row(row) if row else None


async def set_referral_status(
    conn: Connection, referral_id: int, status: ReferralStatus, reason: str | None
) -> Referral:
    row = await conn.fetchrow(Q.set_referral_status, referral_id, status.value, reason)
    assert row is not None
    return Referral.from_row(row)


async def list_referrals_by_ids(conn: Connection, ids: list[int]) -> list[Referral]:
    return [Referral.from_row(r) for r in await conn.fetch(Q.list_referrals_by_ids, ids)]


async def list_referrals_by_household_ids(conn: Connection, ids: list[int]) -> list[Referral]:
    return [Referral.from_row(r) for r in await conn.fetch(Q.list_referrals_by_household_ids, ids)]


async def list_referrals_page(
    conn: Connection,
    agency_id: int | None,
    status: ReferralStatus | None,
    after_id: int,
    limit: int,
    *,
    scope: ListScope = EVERYTHING,
) -> list[Referral]:
    rows = await conn.fetch(
        Q.list_referrals_page,
        agency_id,
        status.value if status else None,
        after_id,
        limit,
        *_scope_args(scope),
    )
    return [Referral.from_row(r) for r in rows]


async def count_referrals(
    conn: Connection, agency_id: int | None, status: ReferralStatus | None, *, scope: ListScope = EVERYTHING
) -> int:
    total: int = await conn.fetchval(
        Q.count_referrals, agency_id, status.value if status else None, *_scope_args(scope)
    )
    return total


def _scope_args(scope: ListScope) -> tuple[int | None, str | None, int | None, int | None]:
    return scope.union_root, scope.region_prefix, scope.sponsor_id, scope.agency_id
