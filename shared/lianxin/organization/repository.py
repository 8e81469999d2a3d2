"""SQL access for organizations. Functions take the connection first and never commit."""

from __future__ import annotations

from lianxin.access.rules import EVERYTHING, ListScope
from lianxin.core.db import Connection
from lianxin.core.plan_shapes import for_ids
from lianxin.core.sql import load_queries
from lianxin.organization.models import Organization, OrganizationKind

Q = load_queries(__package__)


async def get_organization(conn: Connection, org_id: int) -> Organization | None:
    row = await conn.fetchrow(Q.get_organization, org_id)
    return Organization.from_row(row) if row else None


async def list_organizations_by_ids(conn: Connection, ids: list[int]) -> list[Organization]:
    return [Organization.from_row(r) for r in await conn.fetch(*for_ids(Q.list_organizations_by_ids, ids))]


async def credit_code_taken(conn: Connection, credit_code: str) -> bool:
    return await conn.fetchval(Q.find_by_credit_code, credit_code) is not None


async def list_organizations_page(
    conn: Connection,
    union_id: int | None,
    kind: OrganizationKind | None,
    after_id: int,
    limit: int,
    *,
    scope: ListScope = EVERYTHING,
) -> list[Organization]:
    rows = await conn.fetch(
        Q.list_organizations_page,
        union_id,
        kind.value if kind else None,
        after_id,
        limit,
        scope.union_root,
        scope.sponsor_id,
    )
    return [Organization.from_row(r) for r in rows]


async def count_organizations(
    conn: Connection, union_id: int | None, kind: OrganizationKind | None, *, scope: ListScope = EVERYTHING
) -> int:
    total: int = await conn.fetchval(
        Q.count_organizations, union_id, kind.value if kind else None, scope.union_root, scope.sponsor_id
    )
    return total


async def insert_organization(
    conn: Connection,
    name: str,
    credit_code: str,
    kind: OrganizationKind,
    union_id: int | None,
    region_code: str,
) -> Organization:
    row = await conn.fetchrow(Q.insert_organization, name, credit_code, kind.value, union_id, region_code)
    assert row is not None
    return Organization.from_row(row)
