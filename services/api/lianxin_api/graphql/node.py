"""`Query.node(id)`: resolve any global id through the type's DataLoader, within the caller's scope.

A record outside the caller's scope resolves to null exactly like a missing one (DESIGN.md §7)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from lianxin.core.ids import parse_global_id
from lianxin_api.context import Info
from lianxin_api.graphql.aid.types import AidBatchType, AidDisbursementType
from lianxin_api.graphql.casework.types import VisitType
from lianxin_api.graphql.common import Node
from lianxin_api.graphql.cooperative.types import CooperativeType
from lianxin_api.graphql.eligibility.simulation import DibaoSimulationType
from lianxin_api.graphql.eligibility.types import (
    AgencyType,
    DibaoPolicyType,
    EligibilityDecisionType,
    EligibilityRunType,
    ReferralType,
)
from lianxin_api.graphql.household.types import HouseholdType
from lianxin_api.graphql.mutual_aid.types import ClaimType, MutualAidPlanType
from lianxin_api.graphql.organization.types import OrganizationType
from lianxin_api.graphql.sponsorship.types import SponsorshipType
from lianxin_api.graphql.trade_union.types import TradeUnionType
from lianxin_api.graphql.visibility import visible

Resolver = Callable[[Info, int], Awaitable[Node | None]]


def _by(loader_name: str, node_type: Any) -> Resolver:
    """Load by primary key with the named per-request DataLoader, check the caller may see it, then wrap
    as `node_type`. The type's GraphQL name is the kind the visibility rules know it by."""
    kind: str = node_type.__strawberry_definition__.name

    async def resolve(info: Info, pk: int) -> Node | None:
        item = await getattr(info.context.loaders, loader_name).load(pk)
        if item is None or not await visible(info, kind, item):
            return None
        node: Node = node_type.from_model(item)
        return node

    return resolve


RESOLVERS: dict[str, Resolver] = {
    "TradeUnion": _by("union_by_id", TradeUnionType),
    "Organization": _by("organization_by_id", OrganizationType),
    "Household": _by("household_by_id", HouseholdType),
    "Sponsorship": _by("sponsorship_by_id", SponsorshipType),
    "EligibilityDecision": _by("decision_by_id", EligibilityDecisionType),
    "DibaoPolicy": _by("policy_by_id", DibaoPolicyType),
    "EligibilityRun": _by("run_by_id", EligibilityRunType),
    "Agency": _by("agency_by_id", AgencyType),
    "Referral": _by("referral_by_id", ReferralType),
    "DibaoSimulation": _by("simulation_by_id", DibaoSimulationType),
    "Cooperative": _by("cooperative_by_id", CooperativeType),
    "Visit": _by("visit_by_id", VisitType),
    "AidDisbursement": _by("disbursement_by_id", AidDisbursementType),
    "AidBatch": _by("aid_batch_by_id", AidBatchType),
    "MutualAidPlan": _by("mutual_aid_plan_by_id", MutualAidPlanType),
    "MutualAidClaim": _by("claim_by_id", ClaimType),
}


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global id; null when it does not exist.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        parsed = parse_global_id(id)
        if parsed is None or parsed[0] not in RESOLVERS:
            return None
        return await RESOLVERS[parsed[0]](info, parsed[1])
