"""Who may see which record (DESIGN.md §7), as pure functions of the caller and the record's scope.

One rule per kind of scope, used by `node(id)`, the list queries and the event stream alike:

- ADMIN and AUDITOR see every record (AUDITOR read-only; mutations check roles separately).
- UNION_STAFF sees what belongs to a union in its union's subtree.
- CIVIL_AFFAIRS sees households (and their decisions) inside its region, and referrals to its agency.
- SPONSOR sees the households it is actively paired with and its own pairings, nothing else.

A record the caller may not see is reported exactly like one that does not exist, so an id tells an
outsider nothing (not even that it exists).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from lianxin.core.region import RegionCodeError, region_contains
from lianxin.core.tokens import Principal, Role

SEES_ALL = frozenset({Role.ADMIN, Role.AUDITOR})


@dataclass(frozen=True, slots=True)
class HouseholdScope:
    """What decides who sees a household: its union's path (root first), region and active sponsors."""

    union_path: tuple[int, ...]
    region_code: str
    active_sponsor_ids: frozenset[int]


def in_union_subtree(caller: Principal, union_path: Collection[int]) -> bool:
    """A UNION_STAFF caller's union is the union itself or one of its ancestors."""
    return caller.union_id is not None and caller.union_id in union_path


def in_region(caller: Principal, region_code: str | None) -> bool:
    """The record lies inside the caller's region (a region contains itself)."""
    if caller.region_code is None or region_code is None:
        return False
    try:
        return region_contains(caller.region_code, region_code)
    except RegionCodeError:
        return False


def sees_household(caller: Principal, scope: HouseholdScope) -> bool:
    if caller.role in SEES_ALL:
        return True
    if caller.role is Role.UNION_STAFF:
        return in_union_subtree(caller, scope.union_path)
    if caller.role is Role.CIVIL_AFFAIRS:
        return in_region(caller, scope.region_code)
    if caller.role is Role.SPONSOR:
        return caller.sponsor_id is not None and caller.sponsor_id in scope.active_sponsor_ids
    return False


class Reach(StrEnum):
    """How far a role sees one kind of record."""

    ALL = "ALL"  # every record of the kind
    SCOPED = "SCOPED"  # only those inside the caller's scope (the kind's own rule decides)
    NONE = "NONE"  # none: the kind is outside the role's job


# Per kind of record, per role. Kinds whose scope is the household they belong to say SCOPED and are
# checked with `sees_household`; the others have their own rule in `lianxin_api.graphql.visibility`.
REACH: dict[str, dict[Role, Reach]] = {
    # the household and what hangs off it
    "Household": {
        Role.UNION_STAFF: Reach.SCOPED,
        Role.CIVIL_AFFAIRS: Reach.SCOPED,
        Role.SPONSOR: Reach.SCOPED,
    },
    "EligibilityDecision": {Role.UNION_STAFF: Reach.SCOPED, Role.CIVIL_AFFAIRS: Reach.SCOPED},
    "Sponsorship": {Role.UNION_STAFF: Reach.SCOPED, Role.SPONSOR: Reach.SCOPED},
    "Referral": {Role.UNION_STAFF: Reach.SCOPED, Role.CIVIL_AFFAIRS: Reach.SCOPED},
    "Visit": {Role.UNION_STAFF: Reach.SCOPED},
    "AidDisbursement": {Role.UNION_STAFF: Reach.SCOPED},
    "MutualAidClaim": {Role.UNION_STAFF: Reach.SCOPED},
    # the union tree and union-owned work
    "TradeUnion": {Role.UNION_STAFF: Reach.SCOPED},
    "Cooperative": {Role.UNION_STAFF: Reach.SCOPED},
    "AidBatch": {Role.UNION_STAFF: Reach.SCOPED},
    "EligibilityRun": {Role.UNION_STAFF: Reach.SCOPED},
    # reference data
    "Organization": {Role.UNION_STAFF: Reach.ALL, Role.SPONSOR: Reach.SCOPED},
    "DibaoPolicy": {Role.UNION_STAFF: Reach.ALL, Role.CIVIL_AFFAIRS: Reach.ALL},
    "Agency": {Role.UNION_STAFF: Reach.ALL, Role.CIVIL_AFFAIRS: Reach.SCOPED},
    "MutualAidPlan": {Role.UNION_STAFF: Reach.ALL},
    "DibaoSimulation": {},
}


def reach(caller: Principal, kind: str) -> Reach:
    """How far `caller` sees records of `kind`; unknown kinds are seen by ADMIN and AUDITOR only."""
    if caller.role in SEES_ALL:
        return Reach.ALL
    return REACH.get(kind, {}).get(caller.role, Reach.NONE)
