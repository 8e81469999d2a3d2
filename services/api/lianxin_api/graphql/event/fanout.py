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

Live messages are written at once when the socket takes data and its credential is known to hold (a
JWT before its `exp`: see `keepalive`); else they wait in a bounded per-connection queue
(`LIANXIN_WS_SEND_QUEUE` messages) drained by a short-lived writer task that first confirms the
credential by a check started after the message was produced (an API key: a database lookup shared by
every socket using the key). A slow or stalled client only fills its own queue; past the bound its
socket is closed with 1013 (try again later) and it resumes with `events(after: <last cursor>)`.

Under uvicorn's `websockets-sansio` protocol (`lianxin api`) a message is one pre-built frame, the same
bytes for every member with the same operation id (`Frames`), written straight to the transport
(`FrameWriter`, found through `RawSendMiddleware`): no per-member encoding, framing or middleware. Any
other server gets the messages through the ASGI send path. Once live, a subscription leaves its
operation task (`hub.Parked`): an idle subscription is its `Member` and `Sender`, nothing that grows.
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
from starlette.types import ASGIApp, Receive, Scope
from starlette.types import Send as ASGISend
from websockets.protocol import State

from lianxin.core.db import Pool
from lianxin.core.tokens import Principal
from lianxin.events.hub import Render
from lianxin.events.reader import StoredEvent
from lianxin_api.context import Info
from lianxin_api.graphql.event.types import EventType
from lianxin_api.loaders import Loaders

log = logging.getLogger(__name__)

try:  # the protocol `lianxin api` serves websockets with (`FrameWriter` writes to it directly)
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol as _SANSIO
except ImportError:  # pragma: no cover - another server
    _SANSIO = None  # type: ignore[assignment,misc]

# the close code and reason for a socket whose send queue is full
QUEUE_FULL = 1013
QUEUE_FULL_REASON = "send queue full: resume with events(after: the last cursor you received)"


class Outlet(Protocol):
    """What the fan-out needs of a websocket handler (`KeepAliveHandler`)."""

    closing: bool

    async def _confirmed_since(self, moment: float) -> bool: ...

    def holds_now(self, moment: float) -> bool: ...

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


RAW_SEND = "lianxin.raw_send"


class RawSendMiddleware:
    """Keeps the server's own `send` of a websocket in its scope, before any middleware wraps it, so the
    fan-out can write its pre-built frames straight to the socket (`FrameWriter`). Outermost."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: ASGISend) -> None:
        if scope["type"] == "websocket":
            scope[RAW_SEND] = send
        await self.app(scope, receive, send)


def frame_header(length: int) -> bytes:
    """An unmasked, final text frame's header (RFC 6455 §5.2) for a payload of `length` bytes."""
    if length < 126:
        return bytes((0x81, length))
    if length < 1 << 16:
        return bytes((0x81, 126)) + length.to_bytes(2, "big")
    return bytes((0x81, 127)) + length.to_bytes(8, "big")


class Frames:
    """The `next` frames of the payload being fanned out, by message head (operation id): members with
    the same operation id are written the very same bytes, built once."""

    __slots__ = ("frames", "payload")

    def __init__(self) -> None:
        self.payload: str | None = None
        self.frames: dict[str, bytes] = {}

    def frame(self, head: str, payload: str) -> bytes:
        if payload is not self.payload:
            self.payload, self.frames = payload, {}
        frame = self.frames.get(head)
        if frame is None:
            data = (head + payload + "}").encode()
            frame = self.frames[head] = frame_header(len(data)) + data
        return frame


FRAMES = Frames()


class FrameWriter:
    """Writes whole pre-built frames to a websocket served by uvicorn's `websockets-sansio` protocol (what
    `lianxin api` runs), bypassing the ASGI send path: no per-socket encoding, framing or middleware.
    Only while the connection is open and its transport takes data (uvicorn's own flow control);
    frames are whole and written in order on the loop, like every other message of the socket."""

    __slots__ = ("protocol",)

    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol

    @staticmethod
    def of(scope: Scope) -> FrameWriter | None:
        protocol = getattr(scope.get(RAW_SEND), "__self__", None)
        if _SANSIO is not None and isinstance(protocol, _SANSIO):
            return FrameWriter(protocol)
        return None  # another server or protocol: the ASGI path

    def open(self) -> bool:
        p = self.protocol
        return not (p.close_sent or p.disconnected or p.transport.is_closing()) and p.conn.state is State.OPEN

    def ready(self) -> bool:
        return bool(self.protocol.writable.is_set()) and self.open()

    def write(self, frame: bytes) -> None:
        self.protocol.transport.write(frame)

    async def write_when_ready(self, frame: bytes) -> bool:
        await self.protocol.writable.wait()
        if not self.open():
            return False
        self.protocol.transport.write(frame)
        return True


class SendQueue:
    """A websocket's live messages. Written at once when nothing is waiting, the socket takes data and
    the credential is known to hold (a JWT before its `exp`); else queued, at most `bound`, and written
    in order by a writer task that exists only while there is something to write (an idle socket holds
    neither a task nor a buffer)."""

    __slots__ = ("bound", "items", "outlet", "task", "writer")

    def __init__(self, outlet: Outlet, bound: int, writer: FrameWriter | None = None) -> None:
        self.outlet = outlet
        self.bound = bound
        self.writer = writer
        self.items: deque[tuple[float, str, str]] | None = None  # (produced at, head, payload)
        self.task: asyncio.Task[None] | None = None

    def sender(self, operation_id: str) -> Sender:
        return Sender(self, _next_head(operation_id))

    def forget(self, operation_id: str) -> None:
        """Drops what is still queued for an operation the client completed: its `complete` means no
        more `next` for it (what is already on the wire cannot be taken back)."""
        if self.items:
            head = _next_head(operation_id)
            kept = [item for item in self.items if item[1] != head]
            self.items.clear()
            self.items.extend(kept)

    def push(self, head: str, payload: str) -> None:
        outlet = self.outlet
        if outlet.closing:
            return
        produced = time.monotonic()
        writer = self.writer
        if self.items is None:
            if writer is not None and writer.ready() and outlet.holds_now(produced):
                writer.write(FRAMES.frame(head, payload))
                return
            self.items = deque()
        elif len(self.items) >= self.bound:
            self.items = None
            outlet.queue_full()
            return
        self.items.append((produced, head, payload))
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
                if self.writer is None:
                    await self.outlet.send_text(first[1] + first[2] + "}")
                elif self.outlet.closing or not await self.writer.write_when_ready(
                    FRAMES.frame(first[1], first[2])
                ):
                    break
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


def _next_head(operation_id: str) -> str:
    """The start of every `next` message of an operation (the payload and a closing brace follow)."""
    return '{"id":' + json.dumps(operation_id) + ',"type":"next","payload":'


class Sender:
    """A member's `send`: the group's payload, behind this operation's message head, into the queue."""

    __slots__ = ("head", "queue")

    def __init__(self, queue: SendQueue, head: str) -> None:
        self.queue = queue
        self.head = head

    def __call__(self, event: StoredEvent, payload: str) -> None:
        self.queue.push(self.head, payload)


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
