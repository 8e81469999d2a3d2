"""`subscription events(after, types)`: replay from a cursor, then live, filtered by the caller.

Over the websocket handler the live part is multiplexed (`fanout`): the subscription joins the group of
identical subscriptions of its visibility class, which executes and encodes each event once."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from graphql import GraphQLError

from lianxin.access.events import may_subscribe
from lianxin.core.errors import DomainError
from lianxin.events.reader import StoredEvent, decode_cursor
from lianxin.events.visibility import matches_types, may_see
from lianxin_api.context import Info
from lianxin_api.graphql.event.fanout import SUBSCRIBING, group_key, lazy_loaders, renderer
from lianxin_api.graphql.event.types import EventType
from lianxin_api.graphql.permissions import require_operation

MAX_TYPES = 20


@strawberry.type
class EventSubscription:
    @strawberry.subscription(
        description=(
            "Events after `after` (a cursor from an earlier event), in commit-safe order, then live; "
            "`after: null` starts from now. `types` filters by type (`household.*` matches a prefix). "
            "CIVIL_AFFAIRS tokens see their region and their referrals; SPONSOR tokens may subscribe only "
            "to `reminder.*`, and see the reminders of their own pairings."
        )
    )
    async def events(
        self,
        info: Info,
        after: Annotated[
            str | None,
            strawberry.argument(
                description="An Event.cursor: replay every later event first; null: only events from now on."
            ),
        ] = None,
        types: Annotated[
            list[str] | None,
            strawberry.argument(
                description="Only these event types, e.g. eligibility.decided or household.* (a prefix); "
                "null: every type the caller may see."
            ),
        ] = None,
    ) -> AsyncGenerator[EventType, None]:
        caller = require_operation(info, "events")
        if not may_subscribe(caller, types):
            raise GraphQLError(
                'sponsors may subscribe to their reminders only (types: ["reminder.due"])',
                extensions={"code": "FORBIDDEN"},
            )
        if types is not None and len(types) > MAX_TYPES:
            raise GraphQLError(f"at most {MAX_TYPES} types", extensions={"code": "TOO_MANY_TYPES"})
        try:
            position = decode_cursor(after) if after else None
        except DomainError as exc:
            raise GraphQLError(exc.issues[0].message, extensions={"code": exc.issues[0].code}) from None
        hub = info.context.events
        if hub is None:
            raise GraphQLError("events are not available on this server", extensions={"code": "UNAVAILABLE"})

        def accept(event: StoredEvent) -> bool:
            return matches_types(types, event) and may_see(caller, event)

        started = SUBSCRIBING.get()
        if started is None or started.handler.context is not info.context:
            stream = hub.stream(position, accept)  # not over our websocket handler: per subscriber
        else:
            stream = hub.follow(
                position,
                group_key(info, started, caller),
                accept,
                renderer(info, started, started.handler.view.encode_json),
                started.handler.send_queue.sender(started.operation_id),
                park=True,  # once live only the membership is kept (`KeepAliveHandler.run_operation`)
            )
        async for event in stream:
            # a websocket's context lives as long as the connection: give each event fresh loaders,
            # so anything resolved for it reads current rows, not a connection-long cache
            info.context.loaders = lazy_loaders(info.context.pool)
            yield EventType.from_stored(event)
