"""The GraphQL shape of an event from the log (DESIGN.md §4)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from lianxin.core.ids import to_global_id
from lianxin.events.reader import StoredEvent


@strawberry.type(name="Event", description="A change recorded in the durable event log.")
class EventType:
    id: strawberry.ID = strawberry.field(description="The event's global id (for de-duplication).")
    cursor: str = strawberry.field(description="Resume with `events(after: cursor)` to get what follows.")
    type: str = strawberry.field(description="e.g. household.updated, eligibility.decided, referral.created.")
    occurred_at: datetime
    subject_id: strawberry.ID = strawberry.field(
        description="Relay id of what the event is about (household.*, referral.*: the household)"
    )
    payload: JSON

    @classmethod
    def from_stored(cls, event: StoredEvent) -> EventType:
        return cls(
            id=strawberry.ID(to_global_id("Event", event.id)),
            cursor=event.cursor,
            type=event.type,
            occurred_at=event.occurred_at,
            subject_id=strawberry.ID(event.subject_id),
            payload=cast(JSON, event.payload),
        )
