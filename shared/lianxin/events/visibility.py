"""Which events a caller may see (DESIGN.md §7), for subscriptions and webhook endpoints alike.

The decision is `lianxin.access.events`' (an event is seen as the record it is about would be); this
module only reads the plain facts out of a stored event: its union path, region, and the agency or
sponsor its payload names.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from lianxin.access.events import EventFacts, kind_of_event, may_see_event
from lianxin.core.ids import parse_global_id
from lianxin.core.tokens import Principal, Role
from lianxin.events.reader import StoredEvent

REMINDER_PREFIX = "reminder."


def _pk(value: Any, kind: str) -> int | None:
    """The primary key of a global id of `kind` in a payload, else None."""
    parsed = parse_global_id(value) if isinstance(value, str) else None
    return parsed[1] if parsed is not None and parsed[0] == kind else None


def _union_path(event: StoredEvent) -> tuple[int, ...]:
    if event.union_path:  # kept per event by the database (migration 0014)
        return event.union_path
    given = event.payload.get("unionPath")  # reminders also carry it in their payload
    if not isinstance(given, list):
        return ()
    path = tuple(_pk(u, "TradeUnion") for u in given)
    return () if None in path else tuple(p for p in path if p is not None)


def facts_of(event: StoredEvent) -> EventFacts:
    kind = kind_of_event(event.type)
    subject = parse_global_id(event.subject_id)
    return EventFacts(
        type=event.type,
        union_path=_union_path(event),
        region_code=event.region_code,
        agency_id=_pk(event.payload.get("agencyId"), "Agency"),
        sponsor_id=_pk(event.payload.get("sponsorId"), "Organization"),
        subject_id=subject[1]
        if subject is not None and kind is not None and subject[0] == kind.name
        else None,
    )


def may_see(principal: Principal, event: StoredEvent) -> bool:
    return may_see_event(principal, facts_of(event))


def agency_may_see(region_code: str | None, agency_id: int | None, event: StoredEvent) -> bool:
    """What the webhook endpoint of a civil-affairs agency receives: what its token would see."""
    agency = Principal(
        f"agency:{agency_id}", Role.CIVIL_AFFAIRS, region_code=region_code, agency_id=agency_id
    )
    return may_see(agency, event)


def matches_types(types: Collection[str] | None, event: StoredEvent) -> bool:
    """No filter, or the event's type among `types`; `household.*` matches every household event."""
    if not types:
        return True
    return any(t == event.type or (t.endswith(".*") and event.type.startswith(t[:-1])) for t in types)
