"""Which events a caller may see (DESIGN.md §7), for subscriptions and webhook endpoints alike."""

from __future__ import annotations

from collections.abc import Collection

from lianxin.core.ids import to_global_id
from lianxin.core.region import RegionCodeError, region_contains
from lianxin.core.tokens import Principal, Role
from lianxin.events.reader import StoredEvent

SEES_EVERYTHING = frozenset({Role.ADMIN, Role.AUDITOR})
REMINDER_PREFIX = "reminder."


def is_reminder(event: StoredEvent) -> bool:
    return event.type.startswith(REMINDER_PREFIX)


def may_see_reminder(principal: Principal, event: StoredEvent) -> bool:
    """Reminders are casework: ADMIN and AUDITOR see all, UNION_STAFF those of households in its union's
    subtree, a SPONSOR those of its own pairings (festival visits); civil-affairs agencies none."""
    if principal.role in (Role.ADMIN, Role.AUDITOR):
        return True
    if principal.role is Role.UNION_STAFF:
        return union_may_see(principal.union_id, event)
    if principal.role is Role.SPONSOR:
        own = to_global_id("Organization", principal.sponsor_id) if principal.sponsor_id else None
        return own is not None and event.payload.get("sponsorId") == own
    return False


def union_may_see(union_id: int | None, event: StoredEvent) -> bool:
    """Union staff see events about their union's subtree (the database keeps each event's union path,
    migration 0014), and events whose subject belongs to no union (policies, organizations)."""
    if union_id is None:
        return False
    if event.union_path:
        return union_id in event.union_path
    payload_path = event.payload.get("unionPath")  # reminders also carry it in their payload
    if payload_path:
        return to_global_id("TradeUnion", union_id) in payload_path
    return True


def agency_may_see(region_code: str | None, agency_id: int | None, event: StoredEvent) -> bool:
    """A civil-affairs agency sees events inside its region and those about its own referrals, but no
    reminders (union casework, not the agency's)."""
    if is_reminder(event):
        return False
    if agency_id is not None and event.payload.get("agencyId") == to_global_id("Agency", agency_id):
        return True
    if region_code is None or event.region_code is None:
        return False
    try:
        return region_contains(region_code, event.region_code)
    except RegionCodeError:
        return False


def may_see(principal: Principal, event: StoredEvent) -> bool:
    if is_reminder(event):
        return may_see_reminder(principal, event)
    if principal.role in SEES_EVERYTHING:
        return True
    if principal.role is Role.UNION_STAFF:
        return union_may_see(principal.union_id, event)
    if principal.role is Role.CIVIL_AFFAIRS:
        return agency_may_see(principal.region_code, principal.agency_id, event)
    return False  # SPONSOR: its pairings are served by queries; of the event stream only its reminders


def matches_types(types: Collection[str] | None, event: StoredEvent) -> bool:
    """No filter, or the event's type among `types`; `household.*` matches every household event."""
    if not types:
        return True
    return any(t == event.type or (t.endswith(".*") and event.type.startswith(t[:-1])) for t in types)
