"""The graphql-transport-ws handler: server-side keep-alive, and credentials that stay checked.

Keep-alive (strawberry answers pings but never sends one): every `interval` seconds after the connection
is acknowledged the server sends `{"type": "ping"}`; a client that has answered none of the last
`MISSED_PONGS` pings (nor sent anything else) is gone (pings counted, not seconds, and none while one of
its messages is being handled: a busy server's late pings and unread pongs are not the client's) as far
as we can tell (a dead NAT mapping, a sleeping laptop), and the socket is closed with 4408, freeing its
subscriptions. Proxies that drop idle connections see traffic in both directions.

Credentials: the `connection_init` credential is authenticated again the same way an HTTP request is (an
API key is looked up in the database, so a revoked key fails; a JWT's `exp` is tested: its signature and
claims, verified at `connection_init`, cannot change for the same string under the same secret, so that
is exactly what verifying it again would find) at every `subscribe`, before every result (`next`) is
sent, and every `LIANXIN_WS_AUTH_RECHECK_SECONDS` while the socket is open (and when a JWT's `exp`
passes). A result goes out only after a check that *started after the result was produced* has passed
(concurrent results share one check), so an event committed after a revocation is never delivered. When
the credential no longer holds (revoked, expired, or now speaking for another scope) nothing more is
sent, the socket is closed with 4403 and its operations are cancelled; an expired token never starts a
replay. Each `subscribe` also counts against the caller's per-minute rate limit, like an HTTP request.
The checks of one credential are shared by every socket that uses it (a check that started after a
message was produced serves every socket waiting to send one), so a thousand sockets on one key cost one
check.

Fan-out (`fanout`): live `events` messages are written from this socket's bounded send queue; when it is
full (a client that does not read) the socket is closed with 1013 and the client resumes from its last
cursor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    Message,
    PongMessage,
    SubscribeMessage,
)

from lianxin.api_key.service import looks_like_api_key
from lianxin.core.tokens import Principal
from lianxin.events.hub import Parked
from lianxin_api.abuse import RateLimiter, caller_key
from lianxin_api.auth import authenticate_request, authorization_from_params, bearer_token
from lianxin_api.context import Context
from lianxin_api.graphql.event.fanout import (
    QUEUE_FULL,
    QUEUE_FULL_REASON,
    FrameWriter,
    SendQueue,
    SharedCheck,
    Subscribing,
    lazy_loaders,
    subscribing,
)

log = logging.getLogger(__name__)

MISSED_PONGS = 3
FORBIDDEN = 4403
# a JWT is rechecked this long after its `exp` at the earliest (PyJWT counts `exp` itself as expired)
_EXPIRY_MARGIN = 0.05


# per application (view): the latest check of each credential in use, shared by its sockets
_SHARED_CHECKS: weakref.WeakKeyDictionary[Any, weakref.WeakValueDictionary[str, SharedCheck]] = (
    weakref.WeakKeyDictionary()
)


class KeepAliveHandler(BaseGraphQLTransportWSHandler[Any, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self.context, Context):  # a long-lived socket: its DataLoaders on first use only
            self.context.loaders = lazy_loaders(self.context.pool)
        self.last_heard = time.monotonic()
        self.unanswered = 0  # pings sent since the client's last message was read
        self.handling = False  # a message of this socket's is being handled
        self.closing = False  # set once the socket is closed for its credential: nothing more is sent
        self.checked_at = -math.inf  # when the last passed credential check started (monotonic)
        self._check_lock = asyncio.Lock()  # one check at a time; waiters reuse a fresh enough result
        self._shared_check: SharedCheck | None = None  # this socket's credential's, once acknowledged
        self._send_queue: SendQueue | None = None  # live `events` messages (fan-out), made on first use
        self._closer: asyncio.Task[None] | None = None
        self._parked: dict[
            str, Callable[[], None]
        ] = {}  # live `events` operations: how each leaves its group
        self._is_jwt: bool | None = None  # whether the `connection_init` credential is a JWT, once read

    @property
    def send_queue(self) -> SendQueue:
        if self._send_queue is None:
            bound = getattr(self.context, "settings", None)
            self._send_queue = SendQueue(
                self,
                bound.ws_send_queue if bound is not None else 1000,
                FrameWriter.of(self.websocket.ws.scope),  # type: ignore[attr-defined]  # strawberry's ASGI adapter
            )
        return self._send_queue

    async def send_text(self, text: str) -> None:
        """Writes one already-encoded message (the fan-out's `next` messages)."""
        if self.closing:
            return
        await self.websocket.ws.send_text(text)  # type: ignore[attr-defined]  # strawberry's ASGI adapter

    def queue_full(self) -> None:
        """The send queue is over its bound: nothing more is sent, the operations end, and the socket
        is closed with 1013 once what is already buffered is written (the client resumes by cursor)."""
        if self.closing:
            return
        self.closing = True
        if self._send_queue is not None:
            self._send_queue.stop()
        for operation_id in list(self.operations):
            self._leave(operation_id)
            operation = self.operations.pop(operation_id)
            if operation.task is not None:
                operation.task.cancel()
        self._closer = asyncio.create_task(self._close_socket(QUEUE_FULL, QUEUE_FULL_REASON))

    async def run_operation(self, operation: Operation[Any, None]) -> None:
        """strawberry's, except that a live `events` subscription leaves its task (`Parked`): from then on
        its group writes to this socket's send queue, and only the membership is kept, until the
        operation is completed, cancelled or the socket closes (`cleanup_operation`)."""
        try:
            await super().run_operation(operation)
        except Parked as parked:
            if self.operations.get(operation.id) is operation and not self.closing:
                self._parked[operation.id] = parked.leave
            else:
                parked.leave()

    async def cleanup_operation(self, operation_id: str) -> None:
        self._leave(operation_id)
        await super().cleanup_operation(operation_id)

    def _leave(self, operation_id: str) -> None:
        leave = self._parked.pop(operation_id, None)
        if leave is not None:
            leave()

    async def _close_socket(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):  # the client may be gone already
            await self.websocket.close(code=code, reason=reason)

    async def handle(self) -> None:
        self.last_heard = time.monotonic()
        watch = asyncio.create_task(self._watch())  # one task for pings and rechecks: small sockets
        try:
            await super().handle()
        finally:
            if self._send_queue is not None:
                self._send_queue.stop()
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watch

    async def handle_message(self, message: Message) -> None:
        self.last_heard = time.monotonic()
        self.unanswered = 0
        if self.closing:
            return
        self.handling = True  # messages behind this one are not read meanwhile: no pong is missed
        try:
            await super().handle_message(message)
        finally:
            self.handling = False
            self.unanswered = 0

    async def handle_pong(self, message: PongMessage) -> None:
        self.last_heard = time.monotonic()
        self.unanswered = 0

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        # before acknowledgement strawberry closes the socket itself (4401)
        if self.connection_acknowledged:
            if not await self._confirmed_since(time.monotonic()):
                return
            if message.get("id") not in self.operations and await self._rate_limited(message):
                return
            payload = message.get("payload") or {}
            started = Subscribing(
                self,
                message["id"],
                payload.get("query", ""),
                payload.get("variables"),
                payload.get("operationName"),
            )
            with subscribing(started):  # the operation's task (created inside) sees it: `events` reads it
                await super().handle_subscribe(message)
            return
        await super().handle_subscribe(message)

    async def send_message(self, message: Message) -> None:
        if message["type"] == "next" and not await self._confirmed_since(time.monotonic()):
            return
        if self.closing:
            return
        await super().send_message(message)

    async def _confirmed_since(self, moment: float) -> bool:
        """True once a credential check that started at or after `moment` has passed; False (and the
        socket closing) if the credential no longer holds."""
        async with self._check_lock:
            if self.closing:
                return False
            if self.checked_at >= moment:
                return True
            started = await self._credential_holds(moment)
            if started is None:
                return False
            self.checked_at = started
            return True

    async def _credential_holds(self, moment: float) -> float | None:
        """Authenticates the `connection_init` credential again (or takes the result of a check of the
        same credential, for another socket, that started at or after `moment`); closes the socket
        unless it still names the same caller with the same scope. Returns when the check started."""
        if self.closing:
            return None
        context: Context = self.context
        try:
            fresh, started = await self._shared().since(moment, self._authenticate)
        except Exception:
            log.exception("websocket credential check failed")
            await self._close(1011, "Credential check failed")
            return None
        if fresh is None or fresh != context.principal:
            await self._close(FORBIDDEN, "Forbidden")
            return None
        return started

    def holds_now(self, moment: float) -> bool:
        """True if a check that started at or after `moment` has passed, or if one run now, without
        waiting, passes: the credential is a JWT (verified at `connection_init`; its signature cannot
        change) whose `exp` has not passed. Else False: the caller awaits `_confirmed_since`."""
        if self.closing:
            return False
        if self.checked_at >= moment:
            return True
        started = time.monotonic()
        if self._jwt_holds():
            self.checked_at = max(self.checked_at, started)
            return True
        return False

    def _jwt_holds(self) -> bool:
        """Whether verifying the connection's credential again now would name the caller it named at
        `connection_init`, known without verifying: it is a JWT (the same string, the same secret: the
        signature and the claims cannot have changed) and its `exp` is still ahead (PyJWT's test:
        expired once `int(exp) <= now`). An API key is looked up in the database every time."""
        context: Context = self.context
        if self._is_jwt is None:
            token = bearer_token(authorization_from_params(context.connection_params))
            self._is_jwt = token is not None and not looks_like_api_key(token)
        principal = context.principal
        if not self._is_jwt or principal is None or principal.expires_at is None:
            return False
        return math.floor(principal.expires_at.timestamp()) > time.time()

    def _shared(self) -> SharedCheck:
        if self._shared_check is None:
            context: Context = self.context
            checks = _SHARED_CHECKS.setdefault(self.view, weakref.WeakValueDictionary())
            key = authorization_from_params(context.connection_params) or ""
            shared = checks.get(key)
            if shared is None:
                shared = checks[key] = SharedCheck()
            self._shared_check = shared
        return self._shared_check

    async def _authenticate(self) -> Principal | None:
        context: Context = self.context
        if self._jwt_holds():  # exactly what verifying it again would return
            return context.principal
        fresh, _ = await authenticate_request(
            context.settings.signing_secret,
            context.pool,
            authorization_from_params(context.connection_params),
        )
        return fresh

    async def _rate_limited(self, message: SubscribeMessage) -> bool:
        limiter: RateLimiter | None = getattr(self.view, "rate_limiter", None)
        context: Context = self.context
        if limiter is None or context.principal is None:
            return False
        wait = await limiter.retry_after(caller_key(context.principal, context.request))
        if wait is None:
            return False
        error = GraphQLError(
            f"rate limit exceeded: {limiter.per_minute} requests per minute; retry in {wait} s",
            extensions={"code": "RATE_LIMITED", "retryAfter": wait},
        )
        await self.send_message({"id": message["id"], "type": "error", "payload": [error.formatted]})
        return True

    async def _close(self, code: int, reason: str) -> None:
        """Sends nothing more from now on, closes the socket, then cancels every operation (last: the
        caller may be one of them, and cancelling itself first would interrupt the close)."""
        if self.closing:
            return
        self.closing = True
        if self._send_queue is not None:
            self._send_queue.stop()
        with contextlib.suppress(Exception):  # the client may be gone already
            await self.websocket.close(code=code, reason=reason)
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)

    def _next_recheck(self) -> float:
        context: Context = self.context
        interval = context.settings.ws_auth_recheck_seconds
        expires_at = context.principal.expires_at if context.principal is not None else None
        if expires_at is None:
            return interval
        remaining = (expires_at - datetime.now(UTC)).total_seconds()
        return min(interval, max(remaining, 0.0) + _EXPIRY_MARGIN)

    async def _watch(self) -> None:
        """Pings every `ping_interval` seconds (0: never) and rechecks the credential on its schedule."""
        interval = float(getattr(self.view, "ping_interval", 0) or 0)
        next_ping = time.monotonic() + interval if interval > 0 else math.inf
        next_check = time.monotonic() + self._next_recheck()
        while not self.closing:
            await asyncio.sleep(max(0.0, min(next_ping, next_check) - time.monotonic()))
            if time.monotonic() >= next_check:
                if self.connection_acknowledged and not await self._confirmed_since(time.monotonic()):
                    return
                next_check = time.monotonic() + self._next_recheck()
            if time.monotonic() >= next_ping:
                next_ping = time.monotonic() + interval
                if not self.connection_acknowledged:
                    continue
                # pings sent since the client's last message was read, not seconds: when this
                # process is busy (its pings go out late, a message waits behind a slow one) the client
                # is not to blame
                if self.unanswered >= MISSED_PONGS and not self.handling:
                    await self.websocket.close(code=4408, reason="No pong received")
                    return
                await self.send_message({"type": "ping"})
                self.unanswered += 1
