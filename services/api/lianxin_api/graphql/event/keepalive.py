"""The graphql-transport-ws handler: server-side keep-alive, and credentials that stay checked.

Keep-alive (strawberry answers pings but never sends one): every `interval` seconds after the
connection is acknowledged the server sends `{"type": "ping"}`; a client that has answered none of the
last `MISSED_PONGS` pings (nor sent anything else) is gone as far as we can tell (a dead NAT mapping, a
sleeping laptop), and the socket is closed with 4408, freeing its subscriptions. Proxies that drop idle
connections see traffic in both directions.

Credentials: the `connection_init` credential is authenticated again the same way an HTTP request is
(an API key is looked up in the database, so a revoked key fails; a JWT's signature and `exp` are
verified) at every `subscribe`, before every result (`next`) is sent, and every
`LIANXIN_WS_AUTH_RECHECK_SECONDS` while the socket is open (and when a JWT's `exp` passes). A result
goes out only after a check that *started after the result was produced* has passed (concurrent results
share one check), so an event committed after a revocation is never delivered. When the credential no
longer holds (revoked, expired, or now speaking for another scope) nothing more is sent, the socket is
closed with 4403 and its operations are cancelled; an expired token never starts a replay. Each
`subscribe` also counts against the caller's per-minute rate limit, like an HTTP request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    Message,
    PongMessage,
    SubscribeMessage,
)

from lianxin_api.abuse import RateLimiter, caller_key
from lianxin_api.auth import authenticate_request, authorization_from_params
from lianxin_api.context import Context

log = logging.getLogger(__name__)

MISSED_PONGS = 3
FORBIDDEN = 4403
# a JWT is rechecked this long after its `exp` at the earliest (PyJWT counts `exp` itself as expired)
_EXPIRY_MARGIN = 0.05


class KeepAliveHandler(BaseGraphQLTransportWSHandler[Any, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_heard = time.monotonic()
        self.closing = False  # set once the socket is closed for its credential: nothing more is sent
        self.checked_at = -math.inf  # when the last passed credential check started (monotonic)
        self._check_lock = asyncio.Lock()  # one check at a time; waiters reuse a fresh enough result

    async def handle(self) -> None:
        self.last_heard = time.monotonic()
        tasks = [asyncio.create_task(self._ping_forever()), asyncio.create_task(self._recheck_forever())]
        try:
            await super().handle()
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def handle_message(self, message: Message) -> None:
        self.last_heard = time.monotonic()
        if self.closing:
            return
        await super().handle_message(message)

    async def handle_pong(self, message: PongMessage) -> None:
        self.last_heard = time.monotonic()

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        # before acknowledgement strawberry closes the socket itself (4401)
        if self.connection_acknowledged:
            if not await self._confirmed_since(time.monotonic()):
                return
            if message.get("id") not in self.operations and await self._rate_limited(message):
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
            started = time.monotonic()
            if not await self._credential_holds():
                return False
            self.checked_at = started
            return True

    async def _credential_holds(self) -> bool:
        """Authenticates the `connection_init` credential again; closes the socket unless it still
        names the same caller with the same scope."""
        if self.closing:
            return False
        context: Context = self.context
        try:
            fresh, _ = await authenticate_request(
                context.settings.signing_secret,
                context.pool,
                authorization_from_params(context.connection_params),
            )
        except Exception:
            log.exception("websocket credential check failed")
            await self._close(1011, "Credential check failed")
            return False
        if fresh is None or fresh != context.principal:
            await self._close(FORBIDDEN, "Forbidden")
            return False
        return True

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

    async def _recheck_forever(self) -> None:
        while not self.closing:
            await asyncio.sleep(self._next_recheck())
            if self.connection_acknowledged and not await self._confirmed_since(time.monotonic()):
                return

    async def _ping_forever(self) -> None:
        interval = float(getattr(self.view, "ping_interval", 0) or 0)
        if interval <= 0:
            return
        while True:
            await asyncio.sleep(interval)
            if not self.connection_acknowledged:
                continue
            if time.monotonic() - self.last_heard > interval * MISSED_PONGS:
                await self.websocket.close(code=4408, reason="No pong received")
                return
            await self.send_message({"type": "ping"})
