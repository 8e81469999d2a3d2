"""Multiplexed fan-out of `subscription events` (issue 17): decide, execute and serialize each event once
per group of identical subscriptions, then write the same payload to every member's socket.

A subscription's group is its operation (a hash of the document, the operation name and the variables
other than the one passed as `after`: so the `types` filter and the selection) and the caller's
visibility class (role and scope: `Principal` without its subject and expiry). Members of a group
therefore see exactly the same events (`may_see` and `matches_types` give the same answer for all of
them) in exactly the same shape. For each committed event the hub asks the group once, executes the
selection once with graphql-core over the event as root value (what strawberry would execute for each
subscriber), encodes the `next` payload once, and hands that string to every live member, which
splices its own operation id in front: `{"id":<id>,"type":"next","payload":<payload>}`.

Parsing, validation, the limits and the checks of the resolver (sponsors, cursors, `types`) stay on
strawberry's path, and so does the replay from a cursor (per subscriber, as before). Only the live part
of `events` is multiplexed; any other subscription (there is none today) and every query or mutation
sent over the socket runs on strawberry's path unchanged. Outside `KeepAliveHandler` (e.g.
`schema.subscribe` in-process) `events` streams per subscriber as before.

Live messages go through a bounded per-connection queue (`LIANXIN_WS_SEND_QUEUE` messages) drained by
a short-lived writer task: a slow or stalled client only fills its own queue; past the bound its
socket is closed with 1013 (try again later) and it resumes with `events(after: <last cursor>)`. The
credential is still confirmed before each message is written (see `keepalive`), by a check started
after the message was produced; checks of one credential are shared by every socket that uses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, cast

from graphql import DocumentNode, GraphQLError, VariableNode, execute

from lianxin.core.db import Pool
from lianxin.core.tokens import Principal
from lianxin.events.hub import Render, Send
from lianxin.events.reader import StoredEvent
from lianxin_api.context import Info
from lianxin_api.graphql.event.types import EventType
from lianxin_api.loaders import Loaders

log = logging.getLogger(__name__)

# the close code and reason for a socket whose send queue is full
QUEUE_FULL = 1013
QUEUE_FULL_REASON = "send queue full: resume with events(after: the last cursor you received)"


class Outlet(Protocol):
    """What the fan-out needs of a websocket handler (`KeepAliveHandler`)."""

    closing: bool

    async def _confirmed_since(self, moment: float) -> bool: ...

    async def send_text(self, text: str) -> None: ...

    def queue_full(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Subscribing:
    """The `subscribe` message being started, as `KeepAliveHandler` saw it (read by the resolver)."""

    handler: Any  # KeepAliveHandler (an Outlet with a `send_queue`)
    operation_id: str
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None


SUBSCRIBING: ContextVar[Subscribing | None] = ContextVar("lianxin_subscribing", default=None)


def visibility_class(caller: Principal) -> tuple[Hashable, ...]:
    """Who sees the same events: the role and its scope (never the subject or the expiry)."""
    return (caller.role, caller.union_id, caller.region_code, caller.agency_id, caller.sponsor_id)


def group_key(info: Info, subscribing: Subscribing, caller: Principal) -> tuple[Hashable, ...]:
    raw = info._raw_info
    cursor_variable = None
    for argument in raw.field_nodes[0].arguments or ():
        if argument.name.value == "after" and isinstance(argument.value, VariableNode):
            cursor_variable = argument.value.name.value
    variables = {k: v for k, v in (subscribing.variables or {}).items() if k != cursor_variable}
    return (
        hashlib.sha256(subscribing.query.encode()).digest(),
        subscribing.operation_name,
        json.dumps(variables, sort_keys=True, separators=(",", ":")),
        visibility_class(caller),
    )


def renderer(info: Info, subscribing: Subscribing, encode: Callable[[object], str | bytes]) -> Render:
    """The `next` payload of an event for this operation, as strawberry would send it, encoded."""
    raw = info._raw_info
    document = DocumentNode(definitions=(raw.operation, *raw.fragments.values()))
    schema, variables, name = raw.schema, subscribing.variables, subscribing.operation_name
    production = info.context.settings.is_production

    def render(event: StoredEvent) -> str:
        result = execute(
            schema,
            document,
            root_value=EventType.from_stored(event),
            variable_values=variables,
            operation_name=name,
        )
        if isinstance(result, Awaitable):  # the Event type resolves synchronously
            raise TypeError("events: an asynchronous field cannot be multiplexed")
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            for error in result.errors:
                log.error("events: rendering event %s failed: %s", event.id, error)
            errors = (
                [GraphQLError("Unexpected error.") for _ in result.errors] if production else result.errors
            )
            payload["errors"] = [error.formatted for error in errors]
        encoded = encode(payload)
        return encoded.decode() if isinstance(encoded, bytes) else encoded

    return render


class SendQueue:
    """A websocket's live messages, at most `bound`, written in order by a writer task that exists
    only while there is something to write (an idle socket holds neither a task nor a buffer)."""

    __slots__ = ("bound", "items", "outlet", "task")

    def __init__(self, outlet: Outlet, bound: int) -> None:
        self.outlet = outlet
        self.bound = bound
        self.items: deque[tuple[float, str, str]] | None = None  # (produced at, head, payload)
        self.task: asyncio.Task[None] | None = None

    def sender(self, operation_id: str) -> Send:
        head = '{"id":' + json.dumps(operation_id) + ',"type":"next","payload":'

        def send(event: StoredEvent, payload: str) -> None:
            self.push(head, payload)

        return send

    def push(self, head: str, payload: str) -> None:
        if self.outlet.closing:
            return
        if self.items is None:
            self.items = deque()
        elif len(self.items) >= self.bound:
            self.items = None
            self.outlet.queue_full()
            return
        self.items.append((time.monotonic(), head, payload))
        if self.task is None:
            self.task = asyncio.create_task(self._drain(), name="ws-send")

    async def _drain(self) -> None:
        try:
            while self.items and not self.outlet.closing:
                first = self.items[0]
                # sent only after a credential check that started after it was produced
                if not await self.outlet._confirmed_since(first[0]):
                    break
                if not self.items or self.items[0] is not first:
                    continue  # dropped meanwhile
                self.items.popleft()
                await self.outlet.send_text(first[1] + first[2] + "}")
        except Exception:  # the client is gone: the handler's shutdown cleans up
            log.debug("websocket send failed", exc_info=True)
        finally:
            if self.outlet.closing or not self.items:
                self.items = None
            self.task = None

    def stop(self) -> None:
        self.items = None
        if self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()


class SharedCheck:
    """The latest check of one credential, shared by every socket authenticated with it."""

    __slots__ = ("__weakref__", "lock", "principal", "started")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.started = float("-inf")
        self.principal: Principal | None = None

    async def since(
        self, moment: float, check: Callable[[], Awaitable[Principal | None]]
    ) -> tuple[Principal | None, float]:
        """The caller the credential names by a check that started at or after `moment` (run `check`
        unless such a check has passed already), and when that check started."""
        async with self.lock:
            if self.started < moment:
                started = time.monotonic()
                principal = await check()
                self.started, self.principal = started, principal
            return self.principal, self.started


class LazyLoaders:
    """Stands in for a websocket's `Loaders` (some 30 kB of DataLoaders): they are made on first use.
    A connection that only subscribes to events never uses them."""

    __slots__ = ("_loaders", "_pool")

    def __init__(self, pool: Pool) -> None:
        self._pool = pool
        self._loaders: Loaders | None = None

    def __getattr__(self, name: str) -> Any:
        if self._loaders is None:
            self._loaders = Loaders(self._pool)
        return getattr(self._loaders, name)


def lazy_loaders(pool: Pool) -> Loaders:
    return cast(Loaders, LazyLoaders(pool))


@contextlib.contextmanager
def subscribing(value: Subscribing) -> Any:
    token = SUBSCRIBING.set(value)
    try:
        yield
    finally:
        SUBSCRIBING.reset(token)
