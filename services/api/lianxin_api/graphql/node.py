"""`Query.node(id)`: resolve any global id through the type's DataLoader, within the caller's scope.

A record outside the caller's scope resolves to null exactly like a missing one (DESIGN.md §7)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from lianxin.core.ids import parse_global_id
from lianxin.household import repository as household_repo
from lianxin_api.context import Info
from lianxin_api.graphql.aid.types import AidBatchType, AidDisbursementType
from lianxin_api.graphql.casework.types import VisitType
from lianxin_api.graphql.common import ById, Node
from lianxin_api.graphql.cooperative.types import CooperativeType
from lianxin_api.graphql.eligibility.simulation import DibaoSimulationType
from lianxin_api.graphql.eligibility.types import (
    AgencyType,
    DibaoPolicyType,
    EligibilityDecisionType,
    EligibilityRunType,
    ReferralType,
)
from lianxin_api.graphql.household.prefetch import build_rows, household_parts, prime, read_rows
from lianxin_api.graphql.household.types import HouseholdType
from lianxin_api.graphql.mutual_aid.types import ClaimType, MutualAidPlanType
from lianxin_api.graphql.organization.types import OrganizationType
from lianxin_api.graphql.permissions import require_operation
from lianxin_api.graphql.reminder.types import ReminderType
from lianxin_api.graphql.selection import selected_paths
from lianxin_api.graphql.sponsorship.types import SponsorshipType
from lianxin_api.graphql.trade_union.types import TradeUnionType
from lianxin_api.graphql.visibility import load_visible

Resolver = Callable[[Info, int], Awaitable[Node | None]]


def _by(node_type: Any) -> Resolver:
    """Load by primary key if the caller may see it (see `visibility.load_visible`), then wrap as
    `node_type`. The type's GraphQL name is the kind the visibility rules know it by."""
    kind: str = node_type.__strawberry_definition__.name

    async def resolve(info: Info, pk: int) -> Node | None:
        item = await load_visible(info, kind, pk)
        node: Node | None = node_type.from_model(item) if item is not None else None
        return node

    return resolve


async def _household(info: Info, pk: int) -> Node | None:
    """As `_by(HouseholdType)`, with the lists the selection names (`household_parts`) read for the
    household at once: one statement on the request's connection, its row with them unless the
    loader has it already (one key: no batch to wait for), primed into `household_by_id`;
    `load_visible` then decides exactly as for any other node, reading it from the loader. The lists
    are kept and primed only for a household the caller sees (else they are dropped unread: it
    answers null as a missing one, and they are made models only then: nothing about a household
    the caller does not see is even decoded); it is one the caller sees, as each household of a page."""
    loaders = info.context.loaders
    loader = loaders.household_by_id
    recipe = household_parts(selected_paths(info), "", unions=True)
    found: list[Any] = []
    if recipe.parts or loader.cache_map.get(pk) is None:
        async with loaders.reads.acquire() as conn:
            # (a sibling `node` may have read the row meanwhile)
            row = [household_repo.households_part()] if loader.cache_map.get(pk) is None else []
            if row or recipe.parts:
                found = await read_rows(conn, [*row, *recipe.parts], [pk])
        if row:
            [rows] = build_rows(row, [found.pop(0)])
            loader.prime(pk, rows[0] if rows else None)
    item = await load_visible(info, "Household", pk)
    if item is None:
        return None
    lists = build_rows(recipe.parts, found) if found else [[] for _ in recipe.parts]
    prefetch = recipe.keep(lists, [pk])
    if recipe.parts:
        prime(info, prefetch)
    return HouseholdType.from_model(item, prefetch)


RESOLVERS: dict[str, Resolver] = {
    "TradeUnion": _by(TradeUnionType),
    "Organization": _by(OrganizationType),
    "Household": _household,
    "Sponsorship": _by(SponsorshipType),
    "EligibilityDecision": _by(EligibilityDecisionType),
    "DibaoPolicy": _by(DibaoPolicyType),
    "EligibilityRun": _by(EligibilityRunType),
    "Agency": _by(AgencyType),
    "Referral": _by(ReferralType),
    "DibaoSimulation": _by(DibaoSimulationType),
    "Cooperative": _by(CooperativeType),
    "Visit": _by(VisitType),
    "AidDisbursement": _by(AidDisbursementType),
    "AidBatch": _by(AidBatchType),
    "MutualAidPlan": _by(MutualAidPlanType),
    "MutualAidClaim": _by(ClaimType),
    "Reminder": _by(ReminderType),
}


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global id; null when it does not exist.")
    async def node(self, info: Info, id: ById) -> Node | None:
        require_operation(info, "node")
        parsed = parse_global_id(id)
        if parsed is None or parsed[0] not in RESOLVERS:
            return None
        return await RESOLVERS[parsed[0]](info, parsed[1])
