"""Who sees a `reminder.due` event (subscriptions and webhooks): ADMIN and AUDITOR all, UNION_STAFF
its subtree's, a SPONSOR its own pairings', civil-affairs agencies none, even inside their region."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Principal, Role
from lianxin.events.reader import StoredEvent
from lianxin.events.visibility import agency_may_see, may_see

pytestmark = pytest.mark.no_db


def _event(type_: str = "reminder.due", **payload: object) -> StoredEvent:
    return StoredEvent(1, 1, type_, "SG91c2Vob2xkOjE", "371002", dict(payload), datetime.now(UTC))


FESTIVAL = _event(
    kind="FESTIVAL_VISIT_DUE",
    unionPath=[to_global_id("TradeUnion", 1), to_global_id("TradeUnion", 2)],
    sponsorId=to_global_id("Organization", 7),
)
CONDOLENCE = _event(
    kind="CONDOLENCE_DUE", unionPath=[to_global_id("TradeUnion", 1), to_global_id("TradeUnion", 2)]
)


@pytest.mark.parametrize(
    ("principal", "festival", "condolence"),
    [
        (Principal("a", Role.ADMIN), True, True),
        (Principal("a", Role.AUDITOR), True, True),
        (Principal("s", Role.UNION_STAFF, union_id=1), True, True),  # the root: its whole tree
        (Principal("s", Role.UNION_STAFF, union_id=2), True, True),
        (Principal("s", Role.UNION_STAFF, union_id=3), False, False),  # another union
        (Principal("s", Role.UNION_STAFF), False, False),  # a token naming no union
        (Principal("p", Role.SPONSOR, sponsor_id=7), True, False),
        (Principal("p", Role.SPONSOR, sponsor_id=8), False, False),
        (Principal("p", Role.SPONSOR), False, False),
        (Principal("c", Role.CIVIL_AFFAIRS, region_code="371002", agency_id=1), False, False),
    ],
)
def test_reminder_events_are_seen_within_scope(
    principal: Principal, festival: bool, condolence: bool
) -> None:
    assert (may_see(principal, FESTIVAL), may_see(principal, CONDOLENCE)) == (festival, condolence)


def test_agency_webhooks_get_no_reminders_but_still_their_region() -> None:
    assert not agency_may_see("371002", 1, FESTIVAL)
    assert agency_may_see("371002", 1, _event("household.updated"))
    # other events follow their record's rules: union staff see a household event of their subtree
    # only (an event with no union path proves no subtree), sponsors none
    in_subtree = StoredEvent(
        1, 1, "household.updated", "SG91c2Vob2xkOjE", "371002", {}, datetime.now(UTC), union_path=(1, 3)
    )
    assert may_see(Principal("s", Role.UNION_STAFF, union_id=3), in_subtree)
    assert not may_see(Principal("s", Role.UNION_STAFF, union_id=4), in_subtree)
    assert not may_see(Principal("s", Role.UNION_STAFF, union_id=3), _event("household.updated"))
    assert not may_see(
        Principal("p", Role.SPONSOR, sponsor_id=7),
        _event("household.updated", sponsorId=to_global_id("Organization", 7)),
    )
