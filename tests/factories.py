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
