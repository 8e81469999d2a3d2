"""DataLoaders for one request. Each batch takes its own pooled connection, because strawberry
resolves sibling fields concurrently and one asyncpg connection runs one query at a time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from lianxin.core.db import Connection, Pool
from lianxin.organization import repository as org_repo
from lianxin.organization.models import Organization
from lianxin.trade_union import repository as union_repo
from lianxin.trade_union.models import TradeUnion, UnionStats

T = TypeVar("T")


def _by_key(
    pool: Pool, fetch: Callable[[Connection, list[int]], Awaitable[list[T]]], key: Callable[[T], int]
) -> DataLoader[int, T | None]:
    async def load(keys: Sequence[int]) -> list[T | None]:
        async with pool.acquire() as conn:
            items = await fetch(conn, list(keys))
        found = {key(i): i for i in items}
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _grouped(
    pool: Pool, fetch: Callable[[Connection, list[int]], Awaitable[list[T]]], key: Callable[[T], int | None]
) -> DataLoader[int, list[T]]:
    async def load(keys: Sequence[int]) -> list[list[T]]:
        async with pool.acquire() as conn:
            items = await fetch(conn, list(keys))
        groups: dict[int, list[T]] = {k: [] for k in keys}
        for item in items:
            k = key(item)
            if k is not None and k in groups:
                groups[k].append(item)
        return [groups[k] for k in keys]

    return DataLoader(load_fn=load)


class Loaders:
    def __init__(self, pool: Pool) -> None:
        self.union_by_id: DataLoader[int, TradeUnion | None] = _by_key(
            pool, union_repo.list_unions_by_ids, lambda u: u.id
        )
        self.children_by_union_id: DataLoader[int, list[TradeUnion]] = _grouped(
            pool, union_repo.list_children_by_parent_ids, lambda u: u.parent_id
        )
        self.stats_by_union_id: DataLoader[int, UnionStats | None] = _by_key(
            pool, union_repo.get_stats_by_union_ids, lambda s: s.union_id
        )
        self.organization_by_id: DataLoader[int, Organization | None] = _by_key(
            pool, org_repo.list_organizations_by_ids, lambda o: o.id
        )
