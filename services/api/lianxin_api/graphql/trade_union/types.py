"""GraphQL types of the union tree."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from graphql import GraphQLError

from lianxin.core.errors import DomainError
from lianxin.core.ids import to_global_id
from lianxin.core.pagination import PageRequest, page_from_rows
from lianxin.household import repository as household_repo
from lianxin.trade_union.models import TradeUnion, UnionKind
from lianxin_api.context import Info
from lianxin_api.graphql.common import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    UserError,
    connection_of,
    describe_values,
    errors_field,
)
from lianxin_api.graphql.selection import selected_paths
from lianxin_api.graphql.visibility import visible

if TYPE_CHECKING:
    from lianxin_api.graphql.household.types import HouseholdType

strawberry.enum(
    UnionKind,
    name="UnionKind",
    description="FEDERATION 市总工会, DISTRICT_FEDERATION 区总工会, INDUSTRY 产业工会, GRASSROOTS 基层工会.",
)
describe_values(
    UnionKind,
    {
        UnionKind.FEDERATION: "市总工会: the city federation of trade unions, the root of the tree.",
        UnionKind.DISTRICT_FEDERATION: "区总工会: a district (or county) federation.",
        UnionKind.INDUSTRY: "产业工会: an industry union.",
        UnionKind.GRASSROOTS: "基层工会: a grassroots union of one workplace.",
    },
)


@strawberry.type(name="UnionStats", description="Counts over a union's whole subtree, kept by the worker.")
class UnionStatsType:
    child_unions: int = strawberry.field(description="Unions below this one, at every depth.")
    member_units: int = strawberry.field(description="Member units (会员单位) in the subtree.")
    sponsors: int = strawberry.field(description="Sponsor organizations (爱心单位) in the subtree.")
    computed_at: datetime = strawberry.field(description="When the worker counted.")


@strawberry.type(name="TradeUnion", description="A trade union (工会) in the federation's tree.")
class TradeUnionType(Node):
    model: strawberry.Private[TradeUnion]
    name: str = strawberry.field(description="Full name, e.g. 某区总工会.")
    kind: UnionKind = strawberry.field(description="Tier in the federation's tree.")
    region_code: str = strawberry.field(description="GB/T 2260 administrative division code.")

    @classmethod
    def from_model(cls, union: TradeUnion) -> TradeUnionType:
        return cls(
            id=strawberry.ID(to_global_id("TradeUnion", union.id)),
            model=union,
            name=union.name,
            kind=union.kind,
            region_code=union.region_code,
        )

    @strawberry.field(
        description="The union this one belongs to; null for the root federation, and above the top of "
        "the caller's subtree."
    )
    async def parent(self, info: Info) -> TradeUnionType | None:
        if self.model.parent_id is None:
            return None
        parent = await info.context.loaders.union_by_id.load(self.model.parent_id)
        if parent is None or not await visible(info, "TradeUnion", parent):
            return None
        return TradeUnionType.from_model(parent)

    @strawberry.field(description="Direct child unions, oldest first.")
    async def children(self, info: Info) -> list[TradeUnionType]:
        kids = await info.context.loaders.children_by_union_id.load(self.model.id)
        return [TradeUnionType.from_model(k) for k in kids]

    @strawberry.field(description="Subtree counts as last computed by the worker (null until then).")
    async def stats(self, info: Info) -> UnionStatsType | None:
        s = await info.context.loaders.stats_by_union_id.load(self.model.id)
        if s is None:
            return None
        return UnionStatsType(
            child_unions=s.child_unions,
            member_units=s.member_units,
            sponsors=s.sponsors,
            computed_at=s.computed_at,
        )

    @strawberry.field(description="Households archived by this union itself (not its subtree), oldest first.")
    async def households(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[HouseholdType, strawberry.lazy("lianxin_api.graphql.household.types")]]:
        from lianxin_api.graphql.household.prefetch import household_columns, prefetch_households
        from lianxin_api.graphql.household.types import HouseholdType

        try:
            request = PageRequest.parse(first, after, last, before)
        except DomainError as exc:
            raise GraphQLError(exc.issues[0].message, extensions={"code": exc.issues[0].code}) from None
        paths = selected_paths(info)
        columns = household_columns(paths, "edges.node.")
        async with info.context.loaders.reads.acquire() as conn, request.reading():
            rows = await household_repo.list_households_by_union_page(
                conn, self.model.id, request.after_id, request.first + 1, columns
            )
            total = (
                await household_repo.count_households_by_union(conn, self.model.id)
                if "totalCount" in paths
                else 0  # not asked for: never serialised
            )
        page = page_from_rows(rows, request, total)
        # (the union's households are not listed within the caller's scope: no pairings prefetched)
        prefetch = await prefetch_households(
            info,
            [h.id for h in page.items],
            paths,
            "edges.node.",
            unions=True,
            in_scope=False,
        )

        make = HouseholdType.edge_maker(columns)
        return connection_of(page, [make(h, prefetch) for h in page.items])


@strawberry.type(name="UnionPayload", description="Result of createUnion or updateUnion.")
class UnionPayload:
    union: TradeUnionType | None = strawberry.field(
        description="The union as stored after the change; null when errors is not empty."
    )
    errors: list[UserError] = errors_field()
