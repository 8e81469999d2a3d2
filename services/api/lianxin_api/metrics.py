"""Prometheus metrics and the request-id/access-log middleware."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lianxin.core.db import StatementCount, statement_count
from lianxin.core.logs import request_id_var

log = logging.getLogger("lianxin.access")

REQUESTS = Counter("lianxin_http_requests_total", "HTTP requests", ["method", "path", "status"])
LATENCY = Histogram("lianxin_http_request_seconds", "HTTP request latency", ["method", "path"])
KNOWN_PATHS = {"/graphql", "/healthz", "/readyz", "/metrics"}
# (method, path, status) -> the two metrics' children: `labels()` validates and locks on every call
# (~3% of a small request); the keys are few (the HTTP parser's methods, KNOWN_PATHS, statuses) and
# kept bounded anyway
_CHILDREN: dict[tuple[str, str, int], Any] = {}


class _Record:
    """Counts one request and observes its latency in the two children, as `Counter.inc()` and
    `Histogram.observe(elapsed)` do, without their per-call checks (the children are labelled, so
    observable): the counter's value +1, the histogram's sum +elapsed and its first bucket whose upper
    bound is >= elapsed +1 (prometheus_client 0.x keeps them in `_value`, `_sum`, `_buckets`,
    `_upper_bounds`; `tests/api/test_metrics_record.py` compares with the public methods)."""

    __slots__ = ("buckets", "count", "sum")

    def __init__(self, requests: Any, latency: Any) -> None:
        self.count = requests._value.inc
        self.sum = latency._sum.inc
        self.buckets = tuple(
            zip(latency._upper_bounds, [bucket.inc for bucket in latency._buckets], strict=True)
        )

    def __call__(self, elapsed: float) -> None:
        self.count(1)
        self.sum(elapsed)
        for bound, inc in self.buckets:
            if elapsed <= bound:
                inc(1)
                break


def _children(method: str, path: str, status: int) -> _Record:
    key = (method, path, status)
    found = _CHILDREN.get(key)
    if found is None:
        found = _Record(REQUESTS.labels(method, path, str(status)), LATENCY.labels(method, path))
        if len(_CHILDREN) < 512:
            _CHILDREN[key] = found
    return found


# uuid4().hex without the UUID object: 128 random bits with the version (4) and variant (RFC 4122)
# bits set, as 32 lower-case hex digits (a third of the cost)
_UUID4_KEEP = ~((0xC000 << 48) | (0xF000 << 64)) & ((1 << 128) - 1)
_UUID4_SET = (0x8000 << 48) | (4 << 76)


def new_request_id() -> str:
    """The same strings as `uuid.uuid4().hex`."""
    return "%032x" % (int.from_bytes(os.urandom(16)) & _UUID4_KEEP | _UUID4_SET)


async def metrics_endpoint(request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class RequestContextMiddleware:
    """Gives every request an id (honouring a sane `X-Request-Id`), logs it, and records metrics.

    Outside production, responses also carry `X-SQL-Statements`: how many statements the request ran
    (the N+1 tests and the benchmark read it).
    """

    def __init__(self, app: ASGIApp, expose_statement_count: bool = False) -> None:
        self.app = app
        self.expose_statement_count = expose_statement_count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else new_request_id()
        token = request_id_var.set(request_id)
        counter = StatementCount()
        count_token = statement_count.set(counter)
        path = scope["path"] if scope["path"] in KNOWN_PATHS else "other"
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                if self.expose_statement_count:
                    headers.append((b"x-sql-statements", str(counter.n).encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            method = scope.get("method", "WS")
            if scope["type"] == "http":
                _children(method, path, status)(elapsed)
                if log.isEnabledFor(logging.INFO):  # as `log.info` asks, before the fields are built
                    log.info(
                        "%s %s %s",
                        method,
                        scope["path"],
                        status,
                        extra={"fields": {"status": status, "ms": round(elapsed * 1000, 1)}},
                    )
            request_id_var.reset(token)
            statement_count.reset(count_token)
