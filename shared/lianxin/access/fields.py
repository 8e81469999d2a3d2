"""What a role sees of the sensitive fields of a record it may read (DESIGN.md §7, PIPL).

A record's kind says whether a caller sees it at all (`kinds`); these rules say, field by field, how
much of it: in full, masked, not at all, or with some values withheld. A field not named here is shown
in full to everyone who sees the record. The GraphQL types apply them (`shown`/`withheld` through the
registry); a rule changes here, never in a resolver.

A SPONSOR visits and gives: it sees its own pairings "without ID numbers, phones or health detail",
and, because caseworkers write illness and income into free text, no free text about the case either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from lianxin.core.tokens import Role


class Shown(StrEnum):
    """How much of one field a role sees."""

    FULL = "FULL"
    MASKED = "MASKED"  # a resident ID number as 3710**********1234
    HIDDEN = "HIDDEN"  # null, or an empty list
    FILTERED = "FILTERED"  # a list without the rule's withheld values


@dataclass(frozen=True, slots=True)
class FieldRule:
    """Per role, how much of the field it sees; a role not named sees it in full."""

    shown: Mapping[Role, Shown]
    # for FILTERED roles: the enum values (by name) they do not get
    withheld: frozenset[str] = field(default_factory=frozenset)

    def for_role(self, role: Role) -> Shown:
        return self.shown.get(role, Shown.FULL)


FULL_RULE = FieldRule({})
_SPONSOR_HIDDEN = FieldRule({Role.SPONSOR: Shown.HIDDEN})

# Hardship reasons that are health detail, withheld from sponsors:
# - ILLNESS and DISABILITY name a medical condition outright;
# - ACCIDENT in a hardship archive means an injury (工伤/意外伤残), i.e. a condition again.
# Shown to sponsors: UNEMPLOYMENT (the member's employment is shown to them anyway, and a sponsor that
# is an employer may help with work), EDUCATION (school costs are what 助学 sponsorship pays for),
# DISASTER and OTHER (public or unspecific). None of these reveals health, income or identity.
HEALTH_REASONS = frozenset({"ILLNESS", "DISABILITY", "ACCIDENT"})

HOUSEHOLD_FIELDS: Mapping[str, FieldRule] = {
    # free text: caseworkers record illness, income and family circumstances there
    "statusReason": _SPONSOR_HIDDEN,
    "statusHistory.reason": _SPONSOR_HIDDEN,  # the same free text, once per change
    "hardshipReasons": FieldRule({Role.SPONSOR: Shown.FILTERED}, withheld=HEALTH_REASONS),
    "contactPhone": _SPONSOR_HIDDEN,
    "contactPerson.phone": _SPONSOR_HIDDEN,
    # finances: a pairing needs none, and medical spending is health detail
    "incomes": _SPONSOR_HIDDEN,
    "expenditures": _SPONSOR_HIDDEN,
    "assets": _SPONSOR_HIDDEN,
    # RULES.md v2 facts: a casualty is an injury (health detail), an exclusion is the family's finances
    "majorEventCasualty": _SPONSOR_HIDDEN,
    "exclusions": _SPONSOR_HIDDEN,
}

MEMBER_FIELDS: Mapping[str, FieldRule] = {
    # AUDITOR checks the ledger without needing whole ID numbers; the roles that act on a member do
    "idNumber": FieldRule(
        {
            Role.AUDITOR: Shown.MASKED,
            Role.SPONSOR: Shown.HIDDEN,
        }
    ),
    "health": _SPONSOR_HIDDEN,
    # A birth date with the household's region and the member's sex narrows an 18-digit ID number to
    # ~500 candidates (the check digit and the 3-digit sequence are all that is left), so a sponsor
    # does not get it; `birthYear` (shown to all) is enough for a child's schooling or an elder's age.
    "birthDate": _SPONSOR_HIDDEN,
}

SPONSORSHIP_FIELDS: Mapping[str, FieldRule] = {
    # free text a caseworker writes when a pairing ends ("户主病故"): a sponsor reads its own pairings,
    # not the case notes about them
    "endReason": _SPONSOR_HIDDEN,
}
