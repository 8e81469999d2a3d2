"""Abuse limits at the HTTP edge: per-caller rate limiting in Redis and a request body size limit.

Both refuse with a GraphQL-shaped body (`{"data": null, "errors": [...]}`) so clients need one parser.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Any

from graphql import GraphQLError
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from lianxin.core.tokens import Principal

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
# the whole body of a POST other than an upload, in the scope handed on (`BodySizeLimitMiddleware`
# reads it once): the layers after it (the UTF-8 check, the persisted-query middleware, the view's
# `Request`) take it from there instead of reading it again through `receive` (which replays it too)
BODY_KEY = "lianxin.body"


def graphql_error_response(
    status: int, message: str, code: str, headers: dict[str, str] | None = None, **extensions: Any
) -> JSONResponse:
    error = {"message": message, "extensions": {"code": code, **extensions}}
    return JSONResponse({"data": None, "errors": [error]}, status_code=status, headers=headers)


def is_internal_error(error: GraphQLError) -> bool:
    """An exception that escaped a resolver, not a GraphQLError we raised: masked in production."""
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


def is_multipart(request: Request | WebSocket) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.split(";", 1)[0].strip().lower() == "multipart/form-data"


def first_header(scope: Scope, name: bytes) -> str | None:
    """`Headers(scope=scope).get(name)` without the `Headers` object: the first header of that
    (lower-case) name, as latin-1 text, or None."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class Refused(Exception):
    """Raised while building the context; the view answers with `response` instead of executing."""

    def __init__(self, response: JSONResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


Network = IPv4Network | IPv6Network


def trusted_networks(setting: str) -> tuple[Network, ...]:
    """`LIANXIN_TRUSTED_PROXIES`: comma-separated IPs or CIDRs (a wrong entry fails at startup)."""
    return tuple(ip_network(entry.strip(), strict=False) for entry in setting.split(",") if entry.strip())


def _is_trusted(host: str, trusted: tuple[Network, ...]) -> bool:
    try:
        address = ip_address(host.strip())
    except ValueError:
        return False
    return any(address in network for network in trusted)


def forwarded_client(peer: str, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """The client's address: the direct peer, unless it is a trusted proxy; then the right-most
    `X-Forwarded-For` entry that is not itself a trusted proxy (entries further left are whatever the
    client chose to send), or the left-most when every entry is a trusted proxy."""
    if not forwarded_for or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


class TrustedProxyMiddleware:
    """Sets the ASGI client address from `X-Forwarded-For` when (and only when) the direct peer is one of
    `LIANXIN_TRUSTED_PROXIES`; uvicorn's own proxy-header handling is off (`lianxin api`). Everything that
    reads `request.client` (the anonymous rate-limit key) then sees the real caller."""

    def __init__(self, app: ASGIApp, trusted: tuple[Network, ...]) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if self.trusted and scope["type"] in ("http", "websocket") and client:
            values = [v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-forwarded-for"]
            host = forwarded_client(client[0], ",".join(values), self.trusted)
            if host != client[0]:
                scope = {**scope, "client": (host, 0)}
        await self.app(scope, receive, send)


def caller_key(principal: Principal | None, request: Request | WebSocket) -> str:
    """Whom a request counts against: the principal, or the client address when anonymous."""
    if principal is not None:
        return f"p:{principal.role.value}:{principal.subject}"
    host = request.client.host if request.client else "unknown"
    return f"ip:{host}"


class _Window:
    """One caller's count in one window, as this process knows it."""

    __slots__ = ("known", "pending", "window")

    def __init__(self, window: int) -> None:
        self.window = window
        self.known = -1  # the shared count in Redis when this process last heard it (-1: not yet)
        self.pending = 0  # requests let through here and not yet added to Redis


class RateLimiter:
    """A fixed one-minute window per caller, counted in Redis (shared by every API process).

    A caller far from its limit costs no Redis round trip: a caller's first request in a window is
    counted in Redis (so this process learns the shared count); after that, while what this process
    knows of the count (the shared count when last heard, plus the requests it let through since)
    stays under `local_fraction` of the limit, a request is let through at once and counted locally,
    and the local counts are added to Redis in the background (INCRBY + EXPIRE, one pipeline every
    `flush_seconds`, whose answers refresh the shared counts). From there on every request is counted
    in Redis before it is answered, exactly as without the local counts. So one process never lets a
    caller exceed the limit; N processes could only if the caller sent them, within one
    `flush_seconds`, more than `local_fraction` × the limit between them (at most N × that fraction
    of the limit gets through before they all count in Redis again).

    If Redis is unreachable the request goes through (logged): the limiter protects the service, it
    must not become the reason it is down."""

    def __init__(
        self,
        redis: Redis,
        per_minute: int,
        local_fraction: float = 0.5,
        flush_seconds: float = 0.1,
        max_windows: int = 100_000,
    ) -> None:
        self.redis = redis
        self.per_minute = per_minute
        self.local_limit = int(per_minute * local_fraction)
        self.flush_seconds = flush_seconds
        self.max_windows = max_windows
        self._windows: dict[str, _Window] = {}
        self._stale: list[tuple[str, _Window]] = []
        self._flusher: asyncio.Task[None] | None = None

    @staticmethod
    def _name(key: str, window: int) -> str:
        return f"lianxin:ratelimit:{key}:{window}"

    async def retry_after(self, key: str, now: float | None = None) -> int | None:
        """None while `key` is within its limit, else the seconds until its window ends."""
        now = time.time() if now is None else now
        window = int(now // WINDOW_SECONDS)
        w = self._windows.get(key)
        if w is None or w.window < window:
            if w is not None and w.pending:
                self._stale.append((key, w))  # the last window's requests still go to Redis
            if w is None and len(self._windows) >= self.max_windows:
                self._forget_settled()
            w = self._windows[key] = _Window(window)
        current = w.window == window  # not so for an explicit `now` before this process's window
        if current and w.known >= 0 and w.known + w.pending < self.local_limit:
            w.pending += 1
            self._schedule_flush()
            return None
        # near the limit: counted in Redis (with what was counted here) before it is answered
        add = 1
        if current:
            add, w.pending = w.pending + 1, 0
        try:
            count = await self._add(self._name(key, window), add)
        except (RedisError, OSError) as exc:
            log.warning(
                "rate limiter unavailable, request let through", extra={"fields": {"error": str(exc)}}
            )
            return None
        if current:
            w.known = max(w.known, count)
        if count <= self.per_minute:
            return None
        return max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))

    def _forget_settled(self) -> None:
        """Bounds what is kept per caller (anonymous callers are keyed by address, and addresses are
        cheap): a window with nothing counted only here is dropped, which costs its caller one Redis
        round trip to learn the shared count again, never a request uncounted."""
        self._windows = {key: w for key, w in self._windows.items() if w.pending}

    async def _add(self, name: str, n: int) -> int:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incrby(name, n)
            pipe.expire(name, WINDOW_SECONDS + 1)
            count, _ = await pipe.execute()
        return int(count)

    def _schedule_flush(self) -> None:
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.flush_seconds)
        await self.flush()

    async def flush(self) -> None:
        """Adds the locally counted requests to Redis (and forgets windows that are over)."""
        current = int(time.time() // WINDOW_SECONDS)
        stale, self._stale = self._stale, []
        due = [(key, w, w.pending) for key, w in [*self._windows.items(), *stale] if w.pending]
        for key, w in list(self._windows.items()):
            if w.window < current and not w.pending:
                del self._windows[key]
        if not due:
            return
        for _, w, n in due:
            w.pending -= n
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for key, w, n in due:
                    name = self._name(key, w.window)
                    pipe.incrby(name, n)
                    pipe.expire(name, WINDOW_SECONDS + 1)
                results = await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("rate limiter counts not stored", extra={"fields": {"error": str(exc)}})
            for key, w, n in due:  # counted again at the next flush (or the caller's next Redis count)
                w.pending += n
                if self._windows.get(key) is not w:
                    self._stale.append((key, w))
            return
        for (_, w, _), count in zip(due, results[::2], strict=True):
            w.known = max(w.known, int(count))

    async def close(self) -> None:
        """Stores what is still counted only here (at shutdown)."""
        if self._flusher is not None:
            await self._flusher
        await self.flush()

    async def enforce(self, key: str) -> None:
        wait = await self.retry_after(key)
        if wait is not None:
            raise Refused(
                graphql_error_response(
                    429,
                    f"rate limit exceeded: {self.per_minute} requests per minute; retry in {wait} s",
                    "RATE_LIMITED",
                    headers={"Retry-After": str(wait)},
                    retryAfter=wait,
                )
            )


class _TooLarge(Exception):
    pass


def _type_and_length(scope: Scope) -> tuple[bytes, bytes | None]:
    """The first Content-Type (as everything after this reads it; b"" if none) and the last
    Content-Length (None if none)."""
    first: bytes | None = None
    declared: bytes | None = None
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            if first is None:
                first = value
        elif name == b"content-length":
            declared = value
    return (b"" if first is None else first), declared


class BodySizeLimitMiddleware:
    """Refuses HTTP bodies over `max_bytes` with 413: by Content-Length up front, and by counting the
    bytes of chunked bodies as they arrive (the application has not answered yet when it reads them).
    A POST other than an upload is read whole here, once (see `_buffered`).

    `multipart/form-data` bodies (GraphQL file uploads) have their own, larger `max_upload_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes or max_bytes

    def _refusal(self, limit: int) -> JSONResponse:
        message = f"request body larger than {limit} bytes"
        return graphql_error_response(413, message, "REQUEST_TOO_LARGE", maxBytes=limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        first, declared = _type_and_length(scope)
        content_type = first.split(b";", 1)[0].strip().lower()
        limit = self.max_upload_bytes if content_type == b"multipart/form-data" else self.max_bytes
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refusal(limit)(scope, receive, send)
            return
        if scope.get("method") == "POST" and content_type != b"multipart/form-data":
            await self._buffered(scope, receive, send, limit)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if started:
                raise
            await self._refusal(limit)(scope, receive, send)

    async def _buffered(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """A POST other than an upload: its body is read whole here (the next layers need all of it:
        `Utf8BodyMiddleware`, the persisted-query middleware, the view), counted as it arrives (413
        before the application runs), and handed on as one message, and in the scope (`BODY_KEY`).
        A disconnect before the end reaches the application as the next message, as it would have."""
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                await self._refusal(limit)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = scope[BODY_KEY] = b"".join(chunks)
        whole = {"type": "http.request", "body": body, "more_body": False}
        await self.app(scope, replay([whole], receive), send)


def replay(messages: list[Message], then: Receive) -> Receive:
    """The messages already read, then the connection's own (a disconnect, when it comes)."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        return await then()

    return receive
