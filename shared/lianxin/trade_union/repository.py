"""SQL access for unions. Functions take the connection first and never commit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from lianxin.access.rules import EVERYTHING, ListScope
from lianxin.core.db import Connection
from lianxin.core.plan_shapes import for_ids
from lianxin.core.sql import load_queries
from lianxin.trade_union.models import TradeUnion, UnionId, UnionKind, UnionStats

Q = load_queries(__package__)


async def get_union(conn: Connection, union_id: int) -> TradeUnion | None:
    row = await conn.fetchrow(Q.get_union, union_id)
    return TradeUnion.from_row(row) if row else None


async def lock_union(conn: Connection, union_id: int) -> bool:
    return await conn.fetchval(Q.lock_union, union_id) is not None


async def list_unions_by_ids(conn: Connection, ids: list[int]) -> list[TradeUnion]:
    return [TradeUnion.from_row(r) for r in await conn.fetch(*for_ids(Q.list_unions_by_ids, ids))]


def unions_of_households_part() -> tuple[str, Callable[[Sequence[Any]], list[TradeUnion]]]:
    """The unions of households (`$1`), as a part of a combined statement (`plan_shapes.combined`):
    `list_unions_by_ids` of their union ids."""
    return Q.list_unions_of_household_ids, _unions


def _unions(rows: Sequence[Any]) -> list[TradeUnion]:
    return [TradeUnion.from_row(r) for r in rows]


async def list_children_by_parent_ids(conn: Connection, ids: list[int]) -> list[TradeUnion]:
    return [TradeUnion.from_row(r) for r in await conn.fetch(Q.list_children_by_parent_ids, ids)]


async def find_union_by_name(conn: Connection, parent_id: int | None, name: str) -> UnionId | None:
    found = await conn.fetchval(Q.find_union_by_name, parent_id, name)
    return UnionId(found) if found is not None else None


async def list_unions_page(
    conn: Connection, parent_id: int | None, after_id: int, limit: int, *, scope: ListScope = EVERYTHING
) -> list[TradeUnion]:
    rows = await conn.fetch(Q.list_unions_page, parent_id, after_id, limit, scope.union_root)
    return [TradeUnion.from_row(r) for r in rows]


async def count_unions(conn: Connection, parent_id: int | None, *, scope: ListScope = EVERYTHING) -> int:
    total: int = await conn.fetchval(Q.count_unions, parent_id, scope.union_root)
    return total


async def insert_union(
    conn: Connection, name: str, kind: UnionKind, region_code: str, parent: TradeUnion | None
) -> TradeUnion:
    parent_path = list(parent.path) if parent else []
    row = await conn.fetchrow(
        Q.insert_union, name, kind.value, region_code, parent.id if parent else None, parent_path
    )
    assert row is not None
    return TradeUnion.from_row(row)


async def update_union_name(conn: Connection, union_id: int, name: str) -> None:
    await conn.execute(Q.update_union_name, union_id, name)


async def move_union(conn: Connection, union_id: int, new_parent_path: list[int]) -> None:
    await conn.execute(Q.move_union, union_id, new_parent_path)


async def get_stats_by_union_ids(conn: Connection, ids: list[int]) -> list[UnionStats]:
    return [UnionStats.from_row(r) for r in await conn.fetch(Q.get_stats_by_union_ids, ids)]


async def recount_union_and_ancestors(conn: Connection, union_id: int) -> list[UnionStats]:
    return [UnionStats.from_row(r) for r in await conn.fetch(Q.recount_union_and_ancestors, union_id)]
