"""The pure visibility rules: which caller sees a household, by role and scope."""

from __future__ import annotations

import pytest

from lianxin.access.events import EventFacts, may_see_event
from lianxin.access.kinds import KINDS, REACH, Reach, reach
from lianxin.access.rules import AgencyLimit, HouseholdScope, agency_limit, sees_household
from lianxin.core.tokens import Principal, Role

pytestmark = pytest.mark.no_db

# a household of union 7 (under 3, under 1) in 环翠区 371002, paired with sponsor 40
SCOPE = HouseholdScope(union_path=(1, 3, 7), region_code="371002", active_sponsor_ids=frozenset({40}))


@pytest.mark.parametrize(
    ("caller", "sees"),
    [
        (Principal("a", Role.ADMIN), True),
        (Principal("a", Role.AUDITOR), True),
        (Principal("s", Role.UNION_STAFF, union_id=7), True),
        (Principal("s", Role.UNION_STAFF, union_id=1), True),
        (Principal("s", Role.UNION_STAFF, union_id=8), False),
        (Principal("s", Role.UNION_STAFF), False),
        (Principal("c", Role.CIVIL_AFFAIRS, region_code="371002"), True),
        (Principal("c", Role.CIVIL_AFFAIRS, region_code="371000"), True),
        (Principal("c", Role.CIVIL_AFFAIRS, region_code="370000"), True),
        (Principal("c", Role.CIVIL_AFFAIRS, region_code="371003"), False),
        (Principal("c", Role.CIVIL_AFFAIRS, region_code="370200"), False),
        (Principal("c", Role.CIVIL_AFFAIRS), False),
        (Principal("c", Role.CIVIL_AFFAIRS, region_code="bogus"), False),
        (Principal("p", Role.SPONSOR, sponsor_id=40), True),
        (Principal("p", Role.SPONSOR, sponsor_id=41), False),
        (Principal("p", Role.SPONSOR), False),
    ],
)
def test_sees_household(caller: Principal, sees: bool) -> None:
    assert sees_household(caller, SCOPE) is sees


def test_admin_and_auditor_reach_everything_even_unknown_kinds() -> None:
    for role in (Role.ADMIN, Role.AUDITOR):
        assert reach(Principal("x", role), "Anything") is Reach.ALL


def test_sponsor_reaches_only_its_pairings_households_and_itself() -> None:
    sponsor = Principal("p", Role.SPONSOR, sponsor_id=40)
    seen = {kind for kind in REACH if reach(sponsor, kind) is not Reach.NONE}
    assert seen == {"Household", "Member", "Sponsorship", "Organization", "Reminder"}
    assert Reach.ALL not in {reach(sponsor, kind) for kind in REACH}


def test_civil_affairs_never_reaches_casework_or_the_union_tree() -> None:
    agency = Principal("c", Role.CIVIL_AFFAIRS, region_code="371002", agency_id=1)
    for kind in ("Visit", "AidDisbursement", "MutualAidClaim", "TradeUnion", "Sponsorship", "Cooperative"):
        assert reach(agency, kind) is Reach.NONE


@pytest.mark.parametrize("role", [Role.UNION_STAFF, Role.CIVIL_AFFAIRS, Role.SPONSOR])
def test_no_event_reaches_a_role_the_kind_of_its_record_does_not(role: Role) -> None:
    """Events follow the registry: a role with no reach over a kind gets none of its events, whatever
    the event's region, union path, agency or sponsor."""
    caller = Principal("x", role, union_id=1, region_code="371002", agency_id=7, sponsor_id=40)
    for k in KINDS.values():
        if k.reach(role) is not Reach.NONE:
            continue
        for prefix in k.events:
            event = EventFacts(
                f"{prefix}x", union_path=(1,), region_code="371002", agency_id=7, sponsor_id=40, subject_id=40
            )
            assert not may_see_event(caller, event), (role, prefix)


def test_a_household_event_reaches_whom_the_household_does() -> None:
    event = EventFacts("household.updated", union_path=SCOPE.union_path, region_code=SCOPE.region_code)
    assert may_see_event(Principal("s", Role.UNION_STAFF, union_id=3), event)
    assert not may_see_event(Principal("s", Role.UNION_STAFF, union_id=8), event)
    assert may_see_event(Principal("c", Role.CIVIL_AFFAIRS, region_code="371000"), event)
    assert not may_see_event(Principal("c", Role.CIVIL_AFFAIRS, region_code="370200"), event)
    assert not may_see_event(Principal("p", Role.SPONSOR, sponsor_id=40), event)  # no pairing named


@pytest.mark.parametrize(
    ("caller", "limited", "agency_id"),
    [
        (Principal("c", Role.CIVIL_AFFAIRS, region_code="371002", agency_id=4), True, 4),
        (Principal("c", Role.CIVIL_AFFAIRS, region_code="371002"), True, None),  # names no agency: none
        (Principal("a", Role.ADMIN), False, None),
        (Principal("a", Role.AUDITOR), False, None),
    ],
)
def test_a_civil_affairs_caller_acts_for_its_own_agency_only(
    caller: Principal, limited: bool, agency_id: int | None
) -> None:
    assert agency_limit(caller) == AgencyLimit(limited=limited, agency_id=agency_id)
