"""Prometheus metrics and the request-id/access-log middleware."""

from __future__ import annotations

import logging
import time
import uuid
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
_CHILDREN: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _children(method: str, path: str, status: int) -> tuple[Any, Any]:
    key = (method, path, status)
    found = _CHILDREN.get(key)
    if found is None:
        found = (REQUESTS.labels(method, path, str(status)), LATENCY.labels(method, path))
        if len(_CHILDREN) < 512:
            _CHILDREN[key] = found
    return found


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
        request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
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
                requests, latency = _children(method, path, status)
                requests.inc()
                latency.observe(elapsed)
                log.info(
                    "%s %s %s",
                    method,
                    scope["path"],
                    status,
                    extra={"fields": {"status": status, "ms": round(elapsed * 1000, 1)}},
                )
            request_id_var.reset(token)
            statement_count.reset(count_token)
