"""Schema composition only: each domain contributes a Query and a Mutation mixin."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter

from lianxin_api.auth import AuthenticationGate
from lianxin_api.graphql.node import NodeQuery
from lianxin_api.graphql.organization.schema import OrganizationMutation, OrganizationQuery
from lianxin_api.graphql.organization.types import OrganizationType
from lianxin_api.graphql.trade_union.schema import UnionMutation, UnionQuery
from lianxin_api.graphql.trade_union.types import TradeUnionType


@strawberry.type
class Query(NodeQuery, UnionQuery, OrganizationQuery):
    pass


@strawberry.type
class Mutation(UnionMutation, OrganizationMutation):
    pass


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=[TradeUnionType, OrganizationType],
        extensions=[
            AuthenticationGate,
            lambda: QueryDepthLimiter(max_depth=12),
            lambda: MaxAliasesLimiter(max_alias_count=30),
            lambda: MaxTokensLimiter(max_token_count=5000),
        ],
    )


schema = build_schema()
