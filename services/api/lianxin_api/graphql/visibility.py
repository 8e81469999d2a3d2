"""Per-record visibility for `node(id)` and nested lookups: the GraphQL side of `lianxin.access`.

Access decides (`lianxin.access.kinds`: the kind's reach for the role, then its rules); this module only
loads the facts a rule needs through the request's DataLoaders (a household's union path and active
sponsors, a union's path), and only when a rule that needs them is tried, so checking a page of records
costs a few batched queries, not one per record. List queries filter in SQL instead, with the limits
`scope_for(info, kind)` gives (`lianxin.access.lists`, the same rules).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from lianxin.access.kinds import KINDS, Reach, reach, rules_of
from lianxin.access.lists import list_scope
from lianxin.access.rules import IN_HOUSEHOLD, Fact, HouseholdScope, ListScope, RecordFacts, sees_household
from lianxin.core.tokens import Principal, Role
from lianxin_api.context import Info
from lianxin_api.graphql.permissions import forbidden, principal

T = TypeVar("T")


async def household_scope(info: Info, household_id: int) -> HouseholdScope | None:
    loaders = info.context.loaders
    household = await loaders.household_by_id.load(household_id)
    if household is None:
        return None
    union = await loaders.union_by_id.load(household.union_id)
    sponsorships = await loaders.sponsorships_by_household.load(household_id)
    return HouseholdScope.of(
        household.region_code,
        union.path if union is not None else (),
        (s.sponsor_id for s in sponsorships if s.active),
    )


async def sees_household_id(info: Info, caller: Principal, household_id: int) -> bool:
    scope = await household_scope(info, household_id)
    return scope is not None and sees_household(caller, scope)


async def _household_id(info: Info, kind: str, item: Any) -> int | None:
    """The household a record belongs to (a claim's through its enrollment)."""
    if kind == "Household":
        return int(item.id)
    if kind == "MutualAidClaim":
        enrollment = await info.context.loaders.enrollment_by_id.load(item.enrollment_id)
        return enrollment.household_id if enrollment is not None else None
    household_id: int | None = item.household_id
    return household_id


async def _union_path(info: Info, kind: str, item: Any) -> tuple[int, ...] | None:
    """The path of the union a record belongs to (a union's own)."""
    if kind == "TradeUnion":
        return tuple(item.path)
    if item.union_id is None:
        return None
    union = await info.context.loaders.union_by_id.load(item.union_id)
    return tuple(union.path) if union is not None else None


async def _with_facts(
    info: Info, kind: str, item: Any, facts: RecordFacts, needs: frozenset[Fact]
) -> RecordFacts:
    """`facts` completed with what `needs` names and it does not hold yet (loaded once per record)."""
    if Fact.HOUSEHOLD in needs and facts.household is None:
        household_id = await _household_id(info, kind, item)
        scope = await household_scope(info, household_id) if household_id is not None else None
        facts = replace(facts, household=scope)
    if Fact.UNION in needs and facts.union_path is None:
        facts = replace(facts, union_path=await _union_path(info, kind, item))
    return facts


def _facts_in(item: Any) -> RecordFacts:
    """The facts a record carries itself: no loading."""
    return RecordFacts(
        record_id=getattr(item, "id", None),
        sponsor_id=getattr(item, "sponsor_id", None),
        agency_id=getattr(item, "agency_id", None),
    )


async def _sees_scoped(info: Info, caller: Principal, kind: str, item: Any) -> bool:
    facts = _facts_in(item)
    for rule in rules_of(caller, kind):  # the registry lists rules needing no loading first
        facts = await _with_facts(info, kind, item, facts, rule.needs)
        if rule(caller, facts):
            return True
    return False


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
            return await _sees_scoped(info, caller, kind, item)


# (role, kind) → `visible_to_all_or_none`: `reach` depends on the role only and the registry is fixed at
# import; a page asks once per record. Only the registry's kinds are kept (roles × kinds at most)
_ALL_OR_NONE: dict[tuple[Role, str], bool | None] = {}


def visible_to_all_or_none(info: Info, kind: str) -> bool | None:
    """True when the caller sees every record of `kind`, False when none, None when it depends on the
    record (then ask `visible`)."""
    caller = info.context.principal
    if caller is None:
        return False
    key = (caller.role, kind)
    try:
        return _ALL_OR_NONE[key]
    except KeyError:
        pass
    found: bool | None = None
    match reach(caller, kind):
        case Reach.ALL:
            found = True
        case Reach.NONE:
            found = False
    if kind in KINDS:  # kept bounded: the registry's kinds only (any other name is answered afresh)
        _ALL_OR_NONE[key] = found
    return found


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


# (role, kind) → `sees_all_of_household`: the registry is fixed at import, a page asks once per record
_SEES_ALL_OF_HOUSEHOLD: dict[tuple[Role, str], bool] = {}


def sees_all_of_household(info: Info, kind: str) -> bool:
    """Whether the caller sees every record of `kind` of any household it sees (so a prefetched page
    needs no filtering): ALL reach, or a rule that shows whatever belongs to a household it sees."""
    caller = info.context.principal
    if caller is None:
        return False
    key = (caller.role, kind)
    found = _SEES_ALL_OF_HOUSEHOLD.get(key)
    if found is None:
        found = reach(caller, kind) is Reach.ALL or IN_HOUSEHOLD in rules_of(caller, kind)
        _SEES_ALL_OF_HOUSEHOLD[key] = found
    return found


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
