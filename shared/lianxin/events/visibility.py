"""Which events a caller may see (DESIGN.md §7), for subscriptions and webhook endpoints alike."""

from __future__ import annotations

from collections.abc import Collection

from lianxin.core.ids import to_global_id
from lianxin.core.region import RegionCodeError, region_contains
from lianxin.core.tokens import Principal, Role
from lianxin.events.reader import StoredEvent

SEES_EVERYTHING = frozenset({Role.ADMIN, Role.UNION_STAFF, Role.AUDITOR})


def agency_may_see(region_code: str | None, agency_id: int | None, event: StoredEvent) -> bool:
    """A civil-affairs agency sees events inside its region and those about its own referrals."""
    if agency_id is not None and event.payload.get("agencyId") == to_global_id("Agency", agency_id):
        return True
    if region_code is None or event.region_code is None:
        return False
    try:
        return region_contains(region_code, event.region_code)
    except RegionCodeError:
        return False


def may_see(principal: Principal, event: StoredEvent) -> bool:
    if principal.role in SEES_EVERYTHING:
        return True
    if principal.role is Role.CIVIL_AFFAIRS:
        return agency_may_see(principal.region_code, principal.agency_id, event)
    return False  # SPONSOR: its pairings are served by queries, not by the event stream


def matches_types(types: Collection[str] | None, event: StoredEvent) -> bool:
    """No filter, or the event's type among `types`; `household.*` matches every household event."""
    if not types:
        return True
    return any(t == event.type or (t.endswith(".*") and event.type.startswith(t[:-1])) for t in types)
