"""`Query.node(id)`: resolve any global id through the type's DataLoader."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from lianxin.core.ids import parse_global_id
from lianxin_api.context import Info
from lianxin_api.graphql.common import Node
from lianxin_api.graphql.organization.types import OrganizationType
from lianxin_api.graphql.trade_union.types import TradeUnionType


async def _union(info: Info, pk: int) -> Node | None:
    union = await info.context.loaders.union_by_id.load(pk)
    return TradeUnionType.from_model(union) if union else None


async def _organization(info: Info, pk: int) -> Node | None:
    org = await info.context.loaders.organization_by_id.load(pk)
    return OrganizationType.from_model(org) if org else None


RESOLVERS: dict[str, Callable[[Info, int], Awaitable[Node | None]]] = {
    "TradeUnion": _union,
    "Organization": _organization,
}


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global id; null when it does not exist.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        parsed = parse_global_id(id)
        if parsed is None or parsed[0] not in RESOLVERS:
            return None
        return await RESOLVERS[parsed[0]](info, parsed[1])
