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
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    Message,
    PongMessage,
    SubscribeMessage,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.utils.aio import aclosing

from lianxin.api_key.service import looks_like_api_key
from lianxin.core.tokens import Principal
from lianxin.events.hub import Parked
from lianxin_api.abuse import RateLimiter, caller_key
from lianxin_api.auth import authenticate_request, authorization_from_params, bearer_token
from lianxin_api.context import Context
from lianxin_api.error_codes import (
    BAD_USER_INPUT,
    INTERNAL_SERVER_ERROR,
    PARSE_FAILED,
    is_variable_error,
    with_code,
)
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
BAD_REQUEST = "BAD_REQUEST"  # the code the HTTP view gives a request that is not a GraphQL request
TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS"  # over the operations a connection may run at once
_SUBSCRIPTIONS_ONLY = (OperationType.SUBSCRIPTION,)
# a JWT is rechecked this long after its `exp` at the earliest (PyJWT counts `exp` itself as expired)
_EXPIRY_MARGIN = 0.05


# per application (view): the latest check of each credential in use, shared by its sockets
_SHARED_CHECKS: weakref.WeakKeyDictionary[Any, weakref.WeakValueDictionary[str, SharedCheck]] = (
    weakref.WeakKeyDictionary()
)


_CLIENT_MESSAGES = frozenset({"connection_init", "ping", "pong", "subscribe", "complete"})
_OBJECT_OR_NULL = (dict, type(None))


def message_problem(message: object) -> str | None:
    """Why a message read from the socket is not one a graphql-transport-ws client may send (the reason
    the socket is closed with 4400 for), or None. The shapes are graphql-ws's own (`validateMessage`):
    strawberry reads the fields without checking their types, and fails on a JSON value that is not an
    object (the socket then ends without a close frame) or runs a subscription whose id is a number."""
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return "Failed to parse message"
    kind: str = message["type"]
    if kind not in _CLIENT_MESSAGES:
        return f"Unknown message type: {kind[:60]}"
    payload = message.get("payload")
    if kind in ("connection_init", "ping", "pong"):
        return None if isinstance(payload, _OBJECT_OR_NULL) else f"Invalid {kind} payload"
    operation_id = message.get("id")
    if not isinstance(operation_id, str) or not operation_id:
        return f"Invalid {kind} message: id must be a non-empty string"
    if kind == "complete":
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return "Invalid subscribe message: payload.query must be a string"
    if not isinstance(payload.get("variables"), _OBJECT_OR_NULL) or not isinstance(
        payload.get("extensions"), _OBJECT_OR_NULL
    ):
        return "Invalid subscribe message: payload.variables and payload.extensions must be objects"
    if not isinstance(payload.get("operationName"), str | None):
        return "Invalid subscribe message: payload.operationName must be a string"
    return None


def _coded(errors: list[GraphQLError]) -> list[GraphQLError]:
    """A refused document's errors with the codes the HTTP view gives them: a request that names no
    operation to run (or one that is not a subscription) BAD_REQUEST, variables that do not fit
    BAD_USER_INPUT (validation and limit errors carry theirs already), anything else INTERNAL_SERVER_ERROR."""
    not_a_request = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)
    for error in errors:
        if isinstance(error.original_error, not_a_request):
            with_code([error], BAD_REQUEST)
        elif is_variable_error(error):
            with_code([error], BAD_USER_INPUT)
    with_code(errors, INTERNAL_SERVER_ERROR)  # as over HTTP: anything else is ours
    return errors


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
        """Runs a subscription (`_run`); a live `events` subscription leaves its task (`Parked`): from then
        on its group writes to this socket's send queue, and only the membership is kept, until the
        operation is completed, cancelled or the socket closes (`cleanup_operation`)."""
        try:
            await self._run(operation)
        except Parked as parked:
            if self.operations.get(operation.id) is operation and not self.closing:
                self._parked[operation.id] = parked.leave
            else:
                parked.leave()

    async def _run(self, operation: Operation[Any, None]) -> None:
        """strawberry's `run_operation`, as the protocol has it for a document that is refused: one `error`
        message (the operation's end: no `complete` follows) carrying our `extensions.code`, where
        strawberry closes the socket (a syntax error, no operation to run: 4400) or sends a bare
        `complete` (a refusal raised while parsing: the parser cache, the length and token limits).
        Only subscriptions are run: queries and mutations go over HTTP, where the view writes their
        access and audit notes (`LianxinGraphQL.execute_operation`)."""
        try:
            source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=self.context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
                allowed_operation_types=_SUBSCRIPTIONS_ONLY,
            )
            async with aclosing(source):
                first = True
                async for result in source:
                    if first and isinstance(result, PreExecutionError):
                        await operation.send_initial_errors(_coded(result.errors or []))
                        return
                    if not isinstance(result, ExecutionResult):  # @defer / @stream frames
                        refusal = GraphQLError(
                            "incremental delivery (@defer, @stream) is not supported over the websocket",
                            extensions={"code": BAD_REQUEST},
                        )
                        await operation.send_initial_errors([refusal])
                        return
                    await operation.send_next(result)
                    first = False
        except GraphQLError as error:  # raised while parsing: a syntax error, a document over the limits
            with_code([error], PARSE_FAILED)
            await operation.send_initial_errors([error])
            return
        except Exception:
            log.exception("websocket operation %s failed", operation.id)
            internal = GraphQLError("Internal server error", extensions={"code": INTERNAL_SERVER_ERROR})
            await operation.send_initial_errors([internal])
            return
        await operation.send_operation_message({"id": operation.id, "type": "complete"})

    async def cleanup_operation(self, operation_id: str) -> None:
        self._leave(operation_id)
        if self._send_queue is not None:
            self._send_queue.forget(operation_id)
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
        problem = message_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)  # 4400
            return
        if message["type"] == "connection_init" and message.get("payload", ...) is None:
            message.pop("payload")  # `payload: null` is no payload (strawberry would refuse it)
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
            if message["id"] not in self.operations and self._at_capacity():
                full = GraphQLError("Subscription limit reached", extensions={"code": TOO_MANY_SUBSCRIPTIONS})
                await self.send_message({"id": message["id"], "type": "error", "payload": [full.formatted]})
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

    def _at_capacity(self) -> bool:
        """strawberry's cap on operations per connection (it sends its refusal without a code)."""
        cap = self.max_subscriptions_per_connection
        return cap is not None and len(self.operations) >= cap

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
