"""The registry of record kinds: one entry per kind says who sees records of it, by which rule, which
events are about it and how its sensitive fields show. A new kind is added here and nowhere else in
`access`; the GraphQL adapter only learns how to load it (a test checks both sides agree).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from lianxin.access.fields import (
    FULL_RULE,
    HOUSEHOLD_FIELDS,
    MEMBER_FIELDS,
    SPONSORSHIP_FIELDS,
    FieldRule,
    Shown,
)
from lianxin.access.roles import SEES_ALL
from lianxin.access.rules import IN_HOUSEHOLD, IN_UNION, ITSELF, OWN_AGENCY, OWN_SPONSOR, Rule
from lianxin.core.tokens import Principal, Role

STAFF, AGENCY, SPONSOR = Role.UNION_STAFF, Role.CIVIL_AFFAIRS, Role.SPONSOR


class Reach(StrEnum):
    """How far a role sees one kind of record."""

    ALL = "ALL"  # every record of the kind
    SCOPED = "SCOPED"  # only those inside the caller's scope (the kind's rules decide)
    NONE = "NONE"  # none: the kind is outside the role's job


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of record, by its GraphQL type name (also the kind in its global ids).

    ADMIN and AUDITOR see every record of every kind. Of the other roles, those in `everyone_to`
    see all records of the kind, those in `scoped` a record when any of their rules holds for it
    (tried in order, so put the rules that need no loading first), the rest none.
    """

    name: str
    scoped: Mapping[Role, tuple[Rule, ...]] = field(default_factory=dict)
    everyone_to: frozenset[Role] = frozenset()
    # event types about records of this kind, by prefix (`household.` covers household.created …)
    events: tuple[str, ...] = ()
    fields: Mapping[str, FieldRule] = field(default_factory=dict)

    def reach(self, role: Role) -> Reach:
        if role in SEES_ALL or role in self.everyone_to:
            return Reach.ALL
        return Reach.SCOPED if role in self.scoped else Reach.NONE


def _of_households(*roles: Role) -> dict[Role, tuple[Rule, ...]]:
    return dict.fromkeys(roles, (IN_HOUSEHOLD,))


def _of_unions() -> dict[Role, tuple[Rule, ...]]:
    return {STAFF: (IN_UNION,)}


_KINDS = (
    # the household and what hangs off it: seen with the household (union subtree, region, pairing)
    Kind(
        "Household", _of_households(STAFF, AGENCY, SPONSOR), events=("household.",), fields=HOUSEHOLD_FIELDS
    ),
    Kind("Member", _of_households(STAFF, AGENCY, SPONSOR), fields=MEMBER_FIELDS),
    Kind("EligibilityDecision", _of_households(STAFF, AGENCY), events=("eligibility.",)),
    # a sponsor sees its own pairings (ended ones too), union staff those of its households
    Kind(
        "Sponsorship",
        {STAFF: (IN_HOUSEHOLD,), SPONSOR: (OWN_SPONSOR,)},
        events=("sponsorship.",),
        fields=SPONSORSHIP_FIELDS,
    ),
    # an agency sees the referrals of its region's households and those sent to it from elsewhere
    Kind("Referral", {STAFF: (IN_HOUSEHOLD,), AGENCY: (OWN_AGENCY, IN_HOUSEHOLD)}, events=("referral.",)),
    # union casework: not the agencies' and not the sponsors'
    Kind("Visit", _of_households(STAFF), events=("visit.",)),
    Kind("AidDisbursement", _of_households(STAFF), events=("aid.",)),
    Kind("MutualAidClaim", _of_households(STAFF), events=("mutual_aid.claim_", "mutual_aid.enrolled")),
    # reminders: union staff those of its households, a sponsor the festival visits of its pairings
    Kind("Reminder", {STAFF: (IN_HOUSEHOLD,), SPONSOR: (OWN_SPONSOR,)}, events=("reminder.",)),
    # the union tree and union-owned work
    Kind("TradeUnion", _of_unions(), events=("union.",)),
    Kind("Cooperative", _of_unions(), events=("cooperative.",)),
    Kind("AidBatch", _of_unions()),
    Kind("EligibilityRun", _of_unions()),
    # reference data; a sponsor sees its own organization
    Kind("Organization", {SPONSOR: (ITSELF,)}, everyone_to=frozenset({STAFF}), events=("organization.",)),
    Kind("DibaoPolicy", everyone_to=frozenset({STAFF, AGENCY}), events=("policy.",)),
    # agencies are public bodies, and a referral a civil-affairs caller sees may go to another region's
    Kind("Agency", everyone_to=frozenset({STAFF, AGENCY})),
    Kind("MutualAidPlan", everyone_to=frozenset({STAFF}), events=("mutual_aid.plan_",)),
    # what-if runs of candidate policy parameters: ADMIN's tool
    Kind("DibaoSimulation"),
)
KINDS: Mapping[str, Kind] = {k.name: k for k in _KINDS}
NO_KIND = Kind("")  # unknown kinds: ADMIN and AUDITOR only

# Per kind of record, per role other than ADMIN and AUDITOR: how far it sees (derived, for reading).
REACH: Mapping[str, Mapping[Role, Reach]] = {
    k.name: {role: k.reach(role) for role in Role if role not in SEES_ALL and k.reach(role) is not Reach.NONE}
    for k in _KINDS
}


def kind(name: str) -> Kind:
    return KINDS.get(name, NO_KIND)


def reach(caller: Principal, kind_name: str) -> Reach:
    """How far `caller` sees records of `kind_name`; unknown kinds are seen by ADMIN and AUDITOR only."""
    return kind(kind_name).reach(caller.role)


def rules_of(caller: Principal, kind_name: str) -> tuple[Rule, ...]:
    """The rules by which a SCOPED caller sees a record of the kind (any one suffices)."""
    return tuple(kind(kind_name).scoped.get(caller.role, ()))


def readers_of(kind_name: str) -> frozenset[Role]:
    """The roles that see at least some records of the kind."""
    return frozenset(r for r in Role if kind(kind_name).reach(r) is not Reach.NONE)


def field_rule(kind_name: str, field_name: str) -> FieldRule:
    return kind(kind_name).fields.get(field_name, FULL_RULE)


# (role, kind, field) → Shown, filled on first use: the registry is fixed at import, and a page asks the
# same few questions once per record
_SHOWN: dict[tuple[Role, str, str], Shown] = {}


def shown(caller: Principal | None, kind_name: str, field_name: str) -> Shown:
    """How much of the field of a record of `kind_name` the caller sees (nothing without a caller)."""
    if caller is None:
        return Shown.HIDDEN
    key = (caller.role, kind_name, field_name)
    found = _SHOWN.get(key)
    if found is None:
        found = _SHOWN[key] = field_rule(kind_name, field_name).for_role(caller.role)
    return found
