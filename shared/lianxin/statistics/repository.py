"""SQL access for statistics. Functions take the connection first and never commit."""

from __future__ import annotations

from lianxin.access.rules import ListScope
from lianxin.core.db import Connection
from lianxin.core.sql import load_queries
from lianxin.statistics.models import Count, YearFigures

Q = load_queries(__package__)


async def union_exists(conn: Connection, union_id: int, within: ListScope) -> bool:
    """The union exists and lies in `within`'s union subtree (when it has one)."""
    return bool(await conn.fetchval(Q.union_exists, union_id, within.union_root))


async def household_counts(
    conn: Connection, prefix: str | None, union_id: int | None, status: str | None, scope: ListScope
) -> list[Count]:
    params = (prefix, union_id, status, *scope.household_params())
    rows = [*await conn.fetch(Q.household_counts, *params)]
    rows += await conn.fetch(Q.reason_counts, *params)
    rows += await conn.fetch(Q.decision_counts, *params)
    return [Count.from_row(r) for r in rows]


async def years(
    conn: Connection,
    prefix: str | None,
    union_id: int | None,
    level: str | None,
    first: int,
    last: int,
    scope: ListScope,
) -> list[YearFigures]:
    rows = await conn.fetch(Q.years, prefix, union_id, level, first, last, *scope.household_params())
    return [YearFigures.from_row(r) for r in rows]
