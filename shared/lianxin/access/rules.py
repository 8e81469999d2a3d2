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

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from lianxin.core.region import RegionCodeError, region_contains, region_prefix
from lianxin.core.tokens import Principal, Role
from lianxin.sponsorship.models import Sponsorship
from lianxin.trade_union.models import TradeUnion

SEES_ALL = frozenset({Role.ADMIN, Role.AUDITOR})


@dataclass(frozen=True, slots=True)
class HouseholdScope:
    """What decides who sees a household: its union's path (root first), region and active sponsors."""

    union_path: tuple[int, ...]
    region_code: str
    active_sponsor_ids: frozenset[int]

    @classmethod
    def of(
        cls, region_code: str, union: TradeUnion | None, sponsorships: Iterable[Sponsorship]
    ) -> HouseholdScope:
        """From the household's region, its union (if it still exists) and its pairings."""
        return cls(
            union_path=union.path if union is not None else (),
            region_code=region_code,
            active_sponsor_ids=frozenset(s.sponsor_id for s in sponsorships if s.active),
        )


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
    "Reminder": {Role.UNION_STAFF: Reach.SCOPED, Role.SPONSOR: Reach.SCOPED},
    "Member": {Role.UNION_STAFF: Reach.SCOPED, Role.CIVIL_AFFAIRS: Reach.SCOPED, Role.SPONSOR: Reach.SCOPED},
    # the union tree and union-owned work
    "TradeUnion": {Role.UNION_STAFF: Reach.SCOPED},
    "Cooperative": {Role.UNION_STAFF: Reach.SCOPED},
    "AidBatch": {Role.UNION_STAFF: Reach.SCOPED},
    "EligibilityRun": {Role.UNION_STAFF: Reach.SCOPED},
    # reference data
    "Organization": {Role.UNION_STAFF: Reach.ALL, Role.SPONSOR: Reach.SCOPED},
    "DibaoPolicy": {Role.UNION_STAFF: Reach.ALL, Role.CIVIL_AFFAIRS: Reach.ALL},
    # agencies are public bodies, and a referral a civil-affairs caller sees may go to another region's
    "Agency": {Role.UNION_STAFF: Reach.ALL, Role.CIVIL_AFFAIRS: Reach.ALL},
    "MutualAidPlan": {Role.UNION_STAFF: Reach.ALL},
    "DibaoSimulation": {},
}


def reach(caller: Principal, kind: str) -> Reach:
    """How far `caller` sees records of `kind`; unknown kinds are seen by ADMIN and AUDITOR only."""
    if caller.role in SEES_ALL:
        return Reach.ALL
    return REACH.get(kind, {}).get(caller.role, Reach.NONE)


@dataclass(frozen=True, slots=True)
class ListScope:
    """What keeps a list query inside the caller's reach, as parameters of its SQL; None: no limit.

    `union_root`: the record's union (a household's, for what hangs off one) lies in this union's
    subtree. `region_prefix`: the household's region code starts with it. `sponsor_id`: the sponsor
    of a pairing, the sponsor actively paired with a household, or the organization itself.
    `agency_id`: referrals to this agency are in scope too, whatever the region.
    """

    union_root: int | None = None
    region_prefix: str | None = None
    sponsor_id: int | None = None
    agency_id: int | None = None

    def household_params(self) -> tuple[int | None, str | None, int | None]:
        """The parameters of the SQL predicate on a household row: union root, region prefix, sponsor."""
        return self.union_root, self.region_prefix, self.sponsor_id


EVERYTHING = ListScope()


def _region_prefix(code: str | None) -> str | None:
    if code is None:
        return None
    try:
        return region_prefix(code)
    except RegionCodeError:
        return None


def list_scope(caller: Principal, kind: str) -> ListScope | None:
    """The limits a list of `kind` puts on `caller`, or None when the caller may see none of them.

    The SQL counterpart of the per-record rules: a list answers exactly the records `node(id)` shows.
    A scoped role whose token lacks its scope (no union, no valid region, no sponsor) sees nothing.
    """
    match reach(caller, kind):
        case Reach.ALL:
            return EVERYTHING
        case Reach.NONE:
            return None
    if caller.role is Role.UNION_STAFF:
        return None if caller.union_id is None else ListScope(union_root=caller.union_id)
    if caller.role is Role.SPONSOR:
        return None if caller.sponsor_id is None else ListScope(sponsor_id=caller.sponsor_id)
    if caller.role is Role.CIVIL_AFFAIRS:
        prefix = _region_prefix(caller.region_code)
        agency_id = caller.agency_id if kind == "Referral" else None
        if prefix is None and agency_id is None:
            return None
        return ListScope(region_prefix=prefix, agency_id=agency_id)
    return None
