"""Per-record visibility for `node(id)` and nested lookups: `lianxin.access.rules` applied to loaded rows.

`visible(info, kind, item)` answers whether the caller may see one loaded record; `only_visible` filters
a nested list with it. The facts a rule needs (a household's union path and active sponsors) come through
the request's DataLoaders, so checking a page of records costs a few batched queries, not one per record.
List queries filter in SQL instead, with the limits `scope_for(info, kind)` gives (the same rules).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from lianxin.access.rules import (
    HouseholdScope,
    ListScope,
    Reach,
    in_union_subtree,
    list_scope,
    reach,
    sees_household,
)
from lianxin.core.tokens import Principal, Role
from lianxin_api.context import Info
from lianxin_api.graphql.permissions import forbidden, principal

T = TypeVar("T")

Rule = Callable[[Info, Principal, Any], Awaitable[bool]]


async def household_scope(info: Info, household_id: int) -> HouseholdScope | None:
    loaders = info.context.loaders
    household = await loaders.household_by_id.load(household_id)
    if household is None:
        return None
    union = await loaders.union_by_id.load(household.union_id)
    sponsorships = await loaders.sponsorships_by_household.load(household_id)
    return HouseholdScope.of(household.region_code, union, sponsorships)


async def sees_household_id(info: Info, caller: Principal, household_id: int) -> bool:
    scope = await household_scope(info, household_id)
    return scope is not None and sees_household(caller, scope)


async def sees_union_id(info: Info, caller: Principal, union_id: int | None) -> bool:
    if union_id is None:
        return False
    union = await info.context.loaders.union_by_id.load(union_id)
    return union is not None and in_union_subtree(caller, union.path)


async def _household(info: Info, caller: Principal, item: Any) -> bool:
    return await sees_household_id(info, caller, item.id)


async def _of_household(info: Info, caller: Principal, item: Any) -> bool:
    return await sees_household_id(info, caller, item.household_id)


async def _sponsorship(info: Info, caller: Principal, item: Any) -> bool:
    if caller.role is Role.SPONSOR:
        return caller.sponsor_id is not None and item.sponsor_id == caller.sponsor_id
    return await sees_household_id(info, caller, item.household_id)


async def _referral(info: Info, caller: Principal, item: Any) -> bool:
    own_agency = caller.agency_id is not None and item.agency_id == caller.agency_id
    if caller.role is Role.CIVIL_AFFAIRS and own_agency:
        return True
    return await sees_household_id(info, caller, item.household_id)


async def _claim(info: Info, caller: Principal, item: Any) -> bool:
    enrollment = await info.context.loaders.enrollment_by_id.load(item.enrollment_id)
    return enrollment is not None and await sees_household_id(info, caller, enrollment.household_id)


async def _union(info: Info, caller: Principal, item: Any) -> bool:
    return in_union_subtree(caller, item.path)


async def _union_owned(info: Info, caller: Principal, item: Any) -> bool:
    return await sees_union_id(info, caller, item.union_id)


async def _organization(info: Info, caller: Principal, item: Any) -> bool:
    return caller.role is Role.SPONSOR and item.id == caller.sponsor_id


async def _reminder(info: Info, caller: Principal, item: Any) -> bool:
    if caller.role is Role.SPONSOR:  # festival visits of its own pairings only
        return caller.sponsor_id is not None and item.sponsor_id == caller.sponsor_id
    return await sees_household_id(info, caller, item.household_id)


SCOPED_RULES: dict[str, Rule] = {
    "Household": _household,
    "EligibilityDecision": _of_household,
    "Sponsorship": _sponsorship,
    "Referral": _referral,
    "Visit": _of_household,
    "AidDisbursement": _of_household,
    "MutualAidClaim": _claim,
    "TradeUnion": _union,
    "Cooperative": _union_owned,
    "AidBatch": _union_owned,
    "EligibilityRun": _union_owned,
    "Organization": _organization,
    "Reminder": _reminder,
    "Member": _of_household,
}


# The per-request DataLoader (an attribute of `Loaders`) that loads each kind by primary key.
LOADER_OF_KIND: dict[str, str] = {
    "TradeUnion": "union_by_id",
    "Organization": "organization_by_id",
    "Household": "household_by_id",
    "Sponsorship": "sponsorship_by_id",
    "EligibilityDecision": "decision_by_id",
    "DibaoPolicy": "policy_by_id",
    "EligibilityRun": "run_by_id",
    "Agency": "agency_by_id",
    "Referral": "referral_by_id",
    "DibaoSimulation": "simulation_by_id",
    "Cooperative": "cooperative_by_id",
    "Visit": "visit_by_id",
    "AidDisbursement": "disbursement_by_id",
    "AidBatch": "aid_batch_by_id",
    "MutualAidPlan": "mutual_aid_plan_by_id",
    "MutualAidClaim": "claim_by_id",
    "Reminder": "reminder_by_id",
}
# Kinds named in mutation inputs but not fetched through `node`: checked the same way.
REFERENCE_LOADERS: dict[str, str] = {**LOADER_OF_KIND, "Member": "member_by_id"}


async def load_visible(info: Info, kind: str, pk: int) -> Any | None:
    """The record of `kind` with primary key `pk` if it exists and the caller may see it, else None
    (the two cases are indistinguishable on purpose)."""
    loader_name = REFERENCE_LOADERS.get(kind)
    if loader_name is None:
        return None
    item = await getattr(info.context.loaders, loader_name).load(pk)
    return item if item is not None and await visible(info, kind, item) else None


async def visible(info: Info, kind: str, item: Any) -> bool:
    """Whether the caller may see `item`, a loaded record of `kind` (a GraphQL type name)."""
    caller = info.context.principal
    if caller is None:
        return False
    match reach(caller, kind):
        case Reach.ALL:
            return True
        case Reach.NONE:
            return False
        case Reach.SCOPED:
            rule = SCOPED_RULES.get(kind)
            return rule is not None and await rule(info, caller, item)


async def only_visible(info: Info, kind: str, items: Sequence[T]) -> list[T]:
    """The items of a nested list the caller may see (all or none without a look when its reach says so)."""
    caller = info.context.principal
    if caller is None or not items:
        return []
    match reach(caller, kind):
        case Reach.ALL:
            return list(items)
        case Reach.NONE:
            return []
    seen = await asyncio.gather(*(visible(info, kind, item) for item in items))
    return [item for item, ok in zip(items, seen, strict=True) if ok]


def scope_for(info: Info, kind: str) -> ListScope:
    """The SQL limits of a list of `kind` for the caller; FORBIDDEN when the caller sees none of them."""
    caller = principal(info)
    scope = list_scope(caller, kind)
    if scope is None:
        raise forbidden(info, f"a {caller.role.value} caller has no access to {kind} records")
    return scope


def sees_all_of_household(info: Info, kind: str) -> bool:
    """Whether the caller sees every record of `kind` of any household it sees (so a prefetched page
    needs no filtering): ALL reach, or a scope that is the household's own (not SPONSOR's pairings)."""
    caller = info.context.principal
    if caller is None:
        return False
    found = reach(caller, kind)
    return found is Reach.ALL or (found is Reach.SCOPED and caller.role is not Role.SPONSOR)


async def only_of_visible_households(
    info: Info, items: Sequence[T], household_id: Callable[[T], int]
) -> list[T]:
    """The items whose household the caller may see (rows that are no record kind of their own)."""
    caller = info.context.principal
    if caller is None or not items:
        return []
    match reach(caller, "Household"):
        case Reach.ALL:
            return list(items)
        case Reach.NONE:
            return []
    seen = await asyncio.gather(*(sees_household_id(info, caller, household_id(i)) for i in items))
    return [item for item, ok in zip(items, seen, strict=True) if ok]
