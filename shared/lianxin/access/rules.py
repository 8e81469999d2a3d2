"""Who sees one record, as pure functions of the caller and plain facts about the record.

- ADMIN and AUDITOR see every record (AUDITOR read-only; operations are checked separately).
- UNION_STAFF sees what belongs to a union in its union's subtree.
- CIVIL_AFFAIRS sees households (and their decisions) inside its region, and referrals to its agency.
- SPONSOR sees the households it is actively paired with and its own pairings, nothing else.

A record the caller may not see is reported exactly like one that does not exist, so an id tells an
outsider nothing (not even that it exists). Which rule applies to which kind and role is the
registry's (`lianxin.access.kinds`); this module only states the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from lianxin.access.roles import SEES_ALL
from lianxin.core.region import RegionCodeError, region_contains
from lianxin.core.tokens import Principal, Role

__all__ = [
    "EVERYTHING",
    "IN_HOUSEHOLD",
    "IN_UNION",
    "ITSELF",
    "OWN_AGENCY",
    "OWN_SPONSOR",
    "SEES_ALL",
    "Fact",
    "HouseholdScope",
    "ListScope",
    "RecordFacts",
    "Rule",
    "in_region",
    "in_union_subtree",
    "sees_household",
]


@dataclass(frozen=True, slots=True)
class HouseholdScope:
    """What decides who sees a household: its union's path (root first), region and active sponsors."""

    union_path: tuple[int, ...]
    region_code: str
    active_sponsor_ids: frozenset[int]

    @classmethod
    def of(
        cls, region_code: str, union_path: Iterable[int], active_sponsor_ids: Iterable[int]
    ) -> HouseholdScope:
        """From the household's region, its union's path (empty once the union is gone) and the ids of
        the sponsors it is actively paired with."""
        return cls(tuple(union_path), region_code, frozenset(active_sponsor_ids))


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


@dataclass(frozen=True, slots=True)
class AgencyLimit:
    """Whether a caller's agency records (webhook endpoints, referral progress) are limited to one
    agency's: a civil-affairs caller acts for its own agency only (`agency_id` None: its token names
    none, so it may act for no agency); other roles that may call such operations are not limited."""

    limited: bool
    agency_id: int | None = None


def agency_limit(caller: Principal) -> AgencyLimit:
    if caller.role is Role.CIVIL_AFFAIRS:
        return AgencyLimit(limited=True, agency_id=caller.agency_id)
    return AgencyLimit(limited=False)


NO_AGENCY = -1  # an agency id no record has: what a limited caller naming no agency is limited to


def agency_filter(caller: Principal) -> int | None:
    """The agency whose records alone a caller may act on (None: any agency's). A civil-affairs token
    naming no agency acts on none: `NO_AGENCY`, which matches no record, so it reads like "not found"."""
    limit = agency_limit(caller)
    if not limit.limited:
        return None
    return NO_AGENCY if limit.agency_id is None else limit.agency_id


class Fact(StrEnum):
    """A fact about a record that takes loading (the others come with the record itself)."""

    HOUSEHOLD = "HOUSEHOLD"  # the scope of the household the record belongs to
    UNION = "UNION"  # the path of the union the record belongs to (a union's own path)


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """Plain facts about one record, as far as they are known; None: not known or not applicable."""

    record_id: int | None = None
    sponsor_id: int | None = None  # the pairing's (or reminder's) sponsor
    agency_id: int | None = None  # the agency a referral goes to
    union_path: tuple[int, ...] | None = None
    household: HouseholdScope | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One way a scoped caller may see a record; `needs` names the facts the check reads that are not
    part of the record itself, so an adapter loads them only when this rule is tried."""

    name: str
    needs: frozenset[Fact]
    check: Callable[[Principal, RecordFacts], bool]

    def __call__(self, caller: Principal, facts: RecordFacts) -> bool:
        return self.check(caller, facts)


IN_HOUSEHOLD = Rule(
    "in a household the caller sees",
    frozenset({Fact.HOUSEHOLD}),
    lambda caller, f: f.household is not None and sees_household(caller, f.household),
)
IN_UNION = Rule(
    "of a union in the caller's subtree",
    frozenset({Fact.UNION}),
    lambda caller, f: f.union_path is not None and in_union_subtree(caller, f.union_path),
)
OWN_SPONSOR = Rule(
    "the caller's own pairing",
    frozenset(),
    lambda caller, f: caller.sponsor_id is not None and f.sponsor_id == caller.sponsor_id,
)
OWN_AGENCY = Rule(
    "sent to the caller's agency",
    frozenset(),
    lambda caller, f: caller.agency_id is not None and f.agency_id == caller.agency_id,
)
ITSELF = Rule(
    "the caller's own organization",
    frozenset(),
    lambda caller, f: caller.sponsor_id is not None and f.record_id == caller.sponsor_id,
)


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
