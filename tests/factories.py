"""make_<thing>(conn, **overrides): rows for tests, through the services."""

from __future__ import annotations

from typing import Any

from lianxin.core.db import Pool, unit_of_work
from lianxin.organization import service as org_service
from lianxin.organization.models import Organization, OrganizationKind
from lianxin.trade_union import service as union_service
from lianxin.trade_union.credit_code import compute_credit_check_char
from lianxin.trade_union.models import TradeUnion, UnionKind

_counter = 0


def _next() -> int:
    global _counter
    _counter += 1
    return _counter


def credit_code(region: str = "371002", body: str | None = None) -> str:
    first17 = "91" + region + (body or f"MA{_next():07d}")
    return first17 + compute_credit_check_char(first17)


async def make_union(pool: Pool, **overrides: Any) -> TradeUnion:
    fields: dict[str, Any] = {
        "name": f"工会{_next()}",
        "kind": UnionKind.FEDERATION,
        "region_code": "371000",
        "parent_id": None,
    }
    fields.update(overrides)
    async with unit_of_work(pool, None) as uow:
        return await union_service.create_union(uow, union_service.NewUnion(**fields))


async def make_organization(pool: Pool, **overrides: Any) -> Organization:
    fields: dict[str, Any] = {
        "name": f"单位{_next()}",
        "credit_code": credit_code(),
        "kind": OrganizationKind.MEMBER_UNIT,
        "union_id": None,
        "region_code": None,
    }
    fields.update(overrides)
    async with unit_of_work(pool, None) as uow:
        return await org_service.create_organization(uow, org_service.NewOrganization(**fields))


async def row_counts(pool: Pool, *tables: str) -> dict[str, int]:
    async with pool.acquire() as conn:
        return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in tables}


def resident_id(birth: str = "19800101", region: str = "371002", sex: str = "M") -> str:
    """A valid resident ID number (GB 11643) for a birth date (YYYYMMDD); distinct per call."""
    from lianxin.household.resident_id import compute_check_char

    n = _next() % 500
    seq = f"{n * 2 + (1 if sex == 'M' else 0):03d}"
    first17 = region + birth + seq
    return first17 + compute_check_char(first17)


def member_input(relation: str = "HEAD", birth: str = "19800101", **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": f"成员{_next()}",
        "relation": relation,
        "idNumber": resident_id(birth),
        "health": "HEALTHY",
        "employment": "EMPLOYED",
    }
    fields.update(overrides)
    return fields


async def make_household(pool: Pool, union_id: int, **overrides: Any) -> int:
    """A bare household row (no members), straight in SQL: for code that reads households, not writes
    them (the service would also queue an eligibility decision). Returns its id."""
    fields: dict[str, Any] = {
        "archive_no": f"HH{_next():06d}",
        "level": "MUNICIPAL",
        "category": "DEEP",
        "region_code": "371002",
        "union_id": union_id,
        "status": "ACTIVE",
    }
    fields.update(overrides)
    columns = ", ".join(fields)
    params = ", ".join(f"${i}" for i in range(1, len(fields) + 1))
    async with pool.acquire() as conn:
        household_id: int = await conn.fetchval(
            f"INSERT INTO household ({columns}) VALUES ({params}) RETURNING id", *fields.values()
        )
    return household_id


async def make_sponsorship(
    pool: Pool, household_id: int, sponsor_id: int, started_on: Any, **overrides: Any
) -> int:
    """A pairing row straight in SQL (see `make_household`); `ended_on` in overrides ends it."""
    fields: dict[str, Any] = {
        "household_id": household_id,
        "sponsor_id": sponsor_id,
        "started_on": started_on,
    }
    fields.update(overrides)
    columns = ", ".join(fields)
    params = ", ".join(f"${i}" for i in range(1, len(fields) + 1))
    async with pool.acquire() as conn:
        sponsorship_id: int = await conn.fetchval(
            f"INSERT INTO sponsorship ({columns}) VALUES ({params}) RETURNING id", *fields.values()
        )
    return sponsorship_id
