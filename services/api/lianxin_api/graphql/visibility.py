"""Per-record visibility for `node(id)` and nested lookups: `lianxin.access.rules` applied to loaded rows.

`visible(info, kind, item)` answers whether the caller may see one loaded record. The facts a rule needs
(a household's union path and active sponsors) come through the request's DataLoaders, so checking a page
of records costs a few batched queries, not one per record.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from lianxin.access.rules import HouseholdScope, Reach, in_region, in_union_subtree, reach, sees_household
from lianxin.core.tokens import Principal, Role
from lianxin_api.context import Info

Rule = Callable[[Info, Principal, Any], Awaitable[bool]]


async def household_scope(info: Info, household_id: int) -> HouseholdScope | None:
    loaders = info.context.loaders
    household = await loaders.household_by_id.load(household_id)
    if household is None:
        return None
    union = await loaders.union_by_id.load(household.union_id)
    sponsorships = await loaders.sponsorships_by_household.load(household_id)
    return HouseholdScope(
        union_path=union.path if union is not None else (),
        region_code=household.region_code,
        active_sponsor_ids=frozenset(s.sponsor_id for s in sponsorships if s.active),
    )


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


async def _agency(info: Info, caller: Principal, item: Any) -> bool:
    if caller.agency_id is not None:
        return bool(item.id == caller.agency_id)
    return in_region(caller, item.region_code)


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
    "Agency": _agency,
}


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
