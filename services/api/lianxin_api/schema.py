"""Schema composition only: each domain contributes a Query and a Mutation mixin."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter

from lianxin_api.auth import AuthenticationGate
from lianxin_api.graphql.cooperative.schema import CooperativeMutation, CooperativeQuery
from lianxin_api.graphql.cooperative.types import CooperativeType
from lianxin_api.graphql.eligibility.schema import EligibilityMutation, EligibilityQuery
from lianxin_api.graphql.eligibility.simulation import DibaoSimulationType, SimulationMutation
from lianxin_api.graphql.eligibility.types import (
    AgencyType,
    DibaoPolicyType,
    EligibilityDecisionType,
    EligibilityRunType,
    ReferralType,
)
from lianxin_api.graphql.household.schema import HouseholdMutation, HouseholdQuery
from lianxin_api.graphql.household.types import HouseholdType
from lianxin_api.graphql.node import NodeQuery
from lianxin_api.graphql.organization.schema import OrganizationMutation, OrganizationQuery
from lianxin_api.graphql.organization.types import OrganizationType
from lianxin_api.graphql.sponsorship.schema import SponsorshipMutation, SponsorshipQuery
from lianxin_api.graphql.sponsorship.types import SponsorshipType
from lianxin_api.graphql.trade_union.schema import UnionMutation, UnionQuery
from lianxin_api.graphql.trade_union.types import TradeUnionType


@strawberry.type
class Query(
    NodeQuery,
    UnionQuery,
    OrganizationQuery,
    HouseholdQuery,
    SponsorshipQuery,
    EligibilityQuery,
    CooperativeQuery,
):
    pass


@strawberry.type
class Mutation(
    UnionMutation,
    OrganizationMutation,
    HouseholdMutation,
    SponsorshipMutation,
    EligibilityMutation,
    SimulationMutation,
    CooperativeMutation,
):
    pass


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=[
            TradeUnionType,
            OrganizationType,
            HouseholdType,
            SponsorshipType,
            EligibilityDecisionType,
            DibaoPolicyType,
            EligibilityRunType,
            AgencyType,
            ReferralType,
            CooperativeType,
            DibaoSimulationType,
        ],
        extensions=[
            AuthenticationGate,
            lambda: QueryDepthLimiter(max_depth=12),
            lambda: MaxAliasesLimiter(max_alias_count=30),
            lambda: MaxTokensLimiter(max_token_count=5000),
        ],
    )


schema = build_schema()
