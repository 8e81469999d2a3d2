"""The ASGI application: GraphQL (HTTP + graphql-transport-ws), contact cards, health, readiness, metrics."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import ExecutionResult
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from lianxin.core.config import Settings
from lianxin.core.db import Pool, create_pool
from lianxin.core.jobs import JobQueue
from lianxin.core.tokens import Principal
from lianxin.events.hub import EventHub
from lianxin_api import lean_http
from lianxin_api.abuse import (
    BODY_KEY,
    BodySizeLimitMiddleware,
    RateLimiter,
    Refused,
    TrustedProxyMiddleware,
    caller_key,
    first_header,
    graphql_error_response,
    is_multipart,
    trusted_networks,
)
from lianxin_api.auth import authenticate_request, authorization_from_params, unauthenticated
from lianxin_api.body_check import Utf8BodyMiddleware
from lianxin_api.contact_card import contact_card_pdf
from lianxin_api.context import Context
from lianxin_api.cors import LeanCORSMiddleware, cors_options
from lianxin_api.graphiql import ASSET_PREFIX, graphiql_asset, graphiql_page
from lianxin_api.graphql.audit.access import flush_audit_notes
from lianxin_api.graphql.event.fanout import RawSendMiddleware
from lianxin_api.graphql.event.keepalive import KeepAliveHandler
from lianxin_api.loaders import Loaders, RequestConnection
from lianxin_api.metrics import RequestContextMiddleware, metrics_endpoint
from lianxin_api.persisted import PersistedQueryMiddleware, mark_accepted
from lianxin_api.schema import build_schema, schema

log = logging.getLogger(__name__)

READS_KEY = "lianxin.reads"  # the request's shared read connection (`RequestConnection`), in its scope


class LianxinGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = KeepAliveHandler

    def __init__(self, settings: Settings) -> None:
        production = settings.is_production or not settings.introspection_enabled
        super().__init__(
            # production: errors masked, introspection per settings (built only when needed)
            build_schema(production=settings.is_production, introspection=settings.introspection_enabled)
            if production
            else schema,
            graphql_ide=None if settings.is_production else "graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=20,
            # file uploads (importLedgerFile); a multipart request must carry `Authorization`, which a
            # cross-site form cannot send, so it is no CSRF vector (see `get_context`)
            multipart_uploads_enabled=True,
        )
        self.settings = settings
        self.pool: Pool | None = None
        self.queue: JobQueue | None = None
        self.events: EventHub | None = None
        self.rate_limiter: RateLimiter | None = None  # set by the lifespan, with the Redis connection
        self.ping_interval = settings.ws_ping_seconds  # read by KeepAliveHandler

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_page()  # our own bundle instead of strawberry's CDN page (lianxin_api.graphiql)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        assert self.pool is not None, "the application's lifespan has not started"
        principal: Principal | None = None
        error: str | None = "authenticate in connection_init"
        reads = None
        if isinstance(request, Request):
            principal, error = await authenticate_request(
                self.settings.signing_secret, self.pool, first_header(request.scope, b"authorization")
            )
            if self.rate_limiter is not None:
                await self.rate_limiter.enforce(caller_key(principal, request))
            if principal is None and is_multipart(request):
                raise Refused(graphql_error_response(401, error or "unauthenticated", "UNAUTHENTICATED"))
            # the request's reads share one pooled connection, given back in `run`
            reads = request.scope[READS_KEY] = RequestConnection(self.pool)
        return Context(
            request=request,
            response=response,
            settings=self.settings,
            pool=self.pool,
            queue=self.queue,
            principal=principal,
            auth_error=error,
            loaders=Loaders(self.pool, reads),
            events=self.events,
        )

    async def run(self, request: Request | WebSocket, *args: Any, **kwargs: Any) -> Any:
        try:
            if isinstance(request, Request):
                body = request.scope.get(BODY_KEY)
                if body is not None:  # read whole and checked before (abuse.py, body_check.py)
                    request._body = body  # (starlette's own cache of `Request.body()`)
            if not args and not kwargs and isinstance(request, Request) and lean_http.takes(self, request):
                return await lean_http.run_json_post(self, request)  # one JSON operation, orjson-read
            return await super().run(request, *args, **kwargs)
        except Refused as refused:  # refused while building the context (rate limit, anonymous upload)
            return refused.response
        except HTTPException as refused:  # strawberry's own refusals would be plain text: answer as GraphQL
            return http_refusal(refused)
        finally:
            if isinstance(request, Request):
                reads = request.scope.pop(READS_KEY, None)
                if reads is not None:
                    await reads.close()
                await request.close()  # uploaded files are spooled to temporary files: release them

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        made: Response | None = request.scope.pop(lean_http.SUB_RESPONSE_KEY, None)  # the context's
        if made is None:
            # strawberry's: a `Response()` without status or headers (it deletes the `content-length: 0`
            # a body-less `Response` gets, through a `MutableHeaders` made for that)
            made = Response()
            made.status_code = None  # type: ignore[assignment]
            made.raw_headers.clear()
        return made

    async def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        """Runs an HTTP operation, then writes its unmasked reads to the access log in one statement and
        its FORBIDDEN mutations to the audit log.

        An anonymous caller is refused here, before the document is even parsed: nobody without a
        credential can make the server parse or validate anything (see `limits.py` for the bounds on
        everyone else). Fails closed: if the access log cannot be written, the response is not sent."""
        context: Context = kwargs["context"]
        if context.principal is None:
            return ExecutionResult(data=None, errors=[unauthenticated(context.auth_error)])
        result = await super().execute_operation(*args, **kwargs)
        await flush_audit_notes(context)
        if isinstance(context.request, Request):
            # only a document that parsed, validated and fit the limits is remembered under its hash
            mark_accepted(context.request.scope, result)
        return result

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        # strawberry's, with the body as orjson's bytes (not `encode_json`'s str, encoded again)
        response = Response(orjson.dumps(response_data), status_code=200, media_type="application/json")
        response.raw_headers.extend(sub_response.raw_headers)  # (the lists `.headers.raw` gives)
        if sub_response.background:
            response.background = sub_response.background
        if sub_response.status_code:
            response.status_code = sub_response.status_code
        return response

    def encode_json(self, data: object) -> str:
        # orjson is several times faster than json.dumps on a page. A str, not bytes: strawberry sends
        # bytes over a websocket as a binary frame, which graphql-transport-ws clients (graphql-ws in
        # JavaScript) do not read as a message
        return orjson.dumps(data).decode()

    async def on_ws_connect(self, context: Context) -> Any:
        principal, error = await authenticate_request(
            self.settings.signing_secret, context.pool, authorization_from_params(context.connection_params)
        )
        if principal is None:
            raise ConnectionRejectionError  # strawberry closes the socket with 4403 Forbidden
        context.principal, context.auth_error = principal, error
        return None


BAD_REQUEST = "BAD_REQUEST"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"


def http_refusal(refused: HTTPException) -> Response:
    """A request strawberry refuses before GraphQL runs, as a coded GraphQL error: a body or query string
    that is not a GraphQL request (no query, JSON that does not parse, an unknown operation name, a
    mutation over GET, an unsupported content type) reads BAD_REQUEST, another method METHOD_NOT_ALLOWED."""
    if refused.status_code == 405:
        return graphql_error_response(405, refused.reason, METHOD_NOT_ALLOWED)
    return graphql_error_response(refused.status_code, refused.reason, BAD_REQUEST)


def settle_garbage_collector() -> None:
    """Once started: the modules, the schema and the pool stay for the life of the process, so they go
    to the collector's permanent generation (`gc.freeze`) instead of being traversed again by every
    full collection; and young collections run every 20,000 net allocations rather than 700, since a
    page of a response allocates tens of thousands of short-lived objects that reference counting
    frees anyway (the collector is for cycles)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(20_000, middle, old)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _check(name: str, probe: Any) -> tuple[str, str | None]:
    try:
        await asyncio.wait_for(probe, timeout=2)
    except Exception as exc:  # any failure means "not ready"; the reason goes to the operator
        return name, f"{type(exc).__name__}: {exc}"
    return name, None


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    graphql_app = LianxinGraphQL(settings)

    async def readyz(request: Request) -> Response:
        pool, queue = graphql_app.pool, graphql_app.queue
        assert pool is not None
        assert queue is not None
        checks = [await _check("database", pool.fetchval("SELECT 1")), await _check("redis", queue.ping())]
        failed = {name: reason for name, reason in checks if reason}
        if failed:
            log.warning("not ready", extra={"fields": {"failed": failed}})
            # anyone may ask: in production the answer names what failed, not hosts or driver text
            shown = dict.fromkeys(failed, "unavailable") if settings.is_production else failed
            return JSONResponse({"status": "unavailable", "failed": shown}, status_code=503)
        return JSONResponse({"status": "ready"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        _ = settings.signing_secret  # no secret, no start (ConfigError), rather than "ready" and 500s
        graphql_app.pool = await create_pool(settings.require_database_url(), max_size=settings.db_pool_max)
        graphql_app.queue = await JobQueue.connect(settings.require_redis_url())
        graphql_app.rate_limiter = RateLimiter(graphql_app.queue.redis, settings.rate_limit_per_minute)
        graphql_app.events = EventHub(
            graphql_app.pool, settings.require_database_url(), poll_interval=settings.event_poll_seconds
        )
        await graphql_app.events.start()
        settle_garbage_collector()
        try:
            yield
        finally:
            await graphql_app.events.stop()
            await graphql_app.rate_limiter.close()  # the counts kept locally reach Redis
            await graphql_app.queue.close()
            await graphql_app.pool.close()

    app = Starlette(
        routes=[  # the router tries them in order: the paths are distinct, GraphQL's comes first
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            Route("/households/{household_id}/contact-card.pdf", contact_card_pdf, methods=["GET"]),
            WebSocketRoute("/graphql", graphql_app),
            *([] if settings.is_production else [Route(ASSET_PREFIX + "/{name:path}", graphiql_asset)]),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(PersistedQueryMiddleware, graphql=graphql_app)  # fills in documents sent by hash
    app.add_middleware(Utf8BodyMiddleware)  # inside the size limit: it buffers bodies
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(RequestContextMiddleware, expose_statement_count=not settings.is_production)
    app.add_middleware(TrustedProxyMiddleware, trusted=trusted_networks(settings.trusted_proxies))
    app.add_middleware(LeanCORSMiddleware, **cors_options(settings))  # outermost: refusals carry CORS headers
    app.add_middleware(RawSendMiddleware)  # websockets only: the fan-out writes frames to the socket
    app.state.graphql = graphql_app
    return app
