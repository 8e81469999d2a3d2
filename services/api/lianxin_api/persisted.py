"""Automatic persisted queries in the Apollo protocol, and the production allow-list (issue 15).

A client sends `extensions.persistedQuery = {"version": 1, "sha256Hash": <hex>}`, by POST or (Apollo's
`useGETForHashedQueries`, urql's `preferGetForPersistedQueries`) by GET with `extensions`, `variables`
and `operationName` in the query string:

- hash alone, unknown: `PersistedQueryNotFound` (code `PERSISTED_QUERY_NOT_FOUND`); the client then
  sends hash and document, which registers it (kept `LIANXIN_PERSISTED_QUERY_TTL_SECONDS` in Redis) once
  the view has answered 200: a request refused there (rate limit, credentials) stores nothing;
- a document whose SHA-256 is not the hash: `PERSISTED_QUERY_HASH_MISMATCH`, nothing registered;
- hash alone, known: the document runs as if sent in full (GET: queries only, as for any GET).

`LIANXIN_PERSISTED_QUERIES=allowlist` (production): only documents an operator registered with
`lianxin persisted-queries add` run, whether sent by hash or in full; anything else is refused with
`PERSISTED_QUERY_NOT_ALLOWED` and nothing is registered by clients. `off`: a hash is answered with
`PersistedQueryNotSupported`. `AllowListGate` (a schema extension) holds the allow-list for the ways
into the schema this middleware does not see: websocket subscriptions and multipart uploads.

This is an ASGI middleware in front of the GraphQL view: it completes the request (the document
filled in) and hands it on; it never executes anything. An anonymous caller is refused first, with
the view's own answer, before any lookup; every answer given here counts against the caller's rate
limit as the view's would.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from graphql import GraphQLError
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from lianxin.core import persisted_queries as store
from lianxin.core.tokens import Principal
from lianxin_api.abuse import BODY_KEY, Refused, caller_key, first_header, graphql_error_response
from lianxin_api.auth import authenticate_request
from lianxin_api.limits import MAX_QUERY_CHARS

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
TOO_LONG = "QUERY_TOO_COMPLEX"  # what the view answers for such a document
# errors that say the document itself is unusable: it is not remembered under its hash
_DOCUMENT_REFUSED = frozenset(
    {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "QUERY_TOO_COMPLEX", "QUERY_TOO_COSTLY"}
)
NOT_ALLOWED = "PERSISTED_QUERY_NOT_ALLOWED"
INVALID = "PERSISTED_QUERY_INVALID"


class _Refusal(Exception):
    def __init__(self, response: JSONResponse) -> None:
        self.response = response


def _refuse(message: str, code: str) -> _Refusal:
    # 200, as Apollo Server answers: clients read the code from the body (the retry with the document)
    return _Refusal(graphql_error_response(200, message, code))


class PersistedQueryMiddleware:
    """`graphql` is the GraphQL view (`LianxinGraphQL`): its settings, pool and Redis connection."""

    def __init__(self, app: ASGIApp, graphql: Any, path: str = "/graphql") -> None:
        self.app = app
        self.graphql = graphql
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        mode = self.graphql.settings.persisted_queries
        body = scope.get(BODY_KEY)  # a POST's body, read whole already (abuse.py)
        if body is not None and b"persistedQuery" not in body and mode != "allowlist":
            await self.app(scope, receive, send)  # the common case (as `_post` would answer it)
            return
        pending: list[str] = []  # a document to register once the view has accepted the request
        try:
            if scope["method"] == "GET":
                scope = await self._get(scope, mode, pending)
            else:
                scope, receive = await self._post(scope, receive, mode, pending)
        except _Refusal as refusal:
            # answered here, not by the view: counted against the caller's rate limit all the same
            await (await self._counted(scope, refusal.response))(scope, receive, send)
            return
        if not pending:
            await self.app(scope, receive, send)
            return
        settings, redis = self.graphql.settings, self.graphql.queue.redis
        accepted: list[bool] = []  # the view appends True once the document ran (see `mark_accepted`)
        scope = {**scope, ACCEPTED_KEY: accepted}

        async def registering(message: Message) -> None:
            # stored before the client hears the answer, and only if the view accepted the request
            # (authenticated, within its rate limit) and its document (parsed, valid, within the
            # limits): a refused request or document stores nothing
            if message["type"] == "http.response.start" and message["status"] == 200 and accepted:
                await store.remember(redis, pending[0], settings.persisted_query_ttl_seconds)
            await send(message)

        await self.app(scope, receive, registering)

    async def _counted(self, scope: Scope, response: JSONResponse) -> JSONResponse:
        limiter = self.graphql.rate_limiter
        if limiter is None:
            return response
        principal, _ = await self._principal(scope)
        try:
            await limiter.enforce(caller_key(principal, Request(scope)))
        except Refused as refused:
            return refused.response
        return response

    async def _get(self, scope: Scope, mode: str, pending: list[str]) -> Scope:
        params = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        fields = dict(params)
        if "extensions" not in fields and ("query" not in fields or mode != "allowlist"):
            return scope  # GraphiQL, or a plain GET query
        try:
            extensions = json.loads(fields["extensions"]) if "extensions" in fields else None
        except ValueError:
            raise _refuse("`extensions` is not JSON", INVALID) from None
        query = await self._resolve(scope, fields.get("query"), extensions, mode, pending)
        if query is None or "query" in fields:
            return scope
        # an empty `operationName=` means none (graphql-core would look for an operation named "")
        params = [(k, v) for k, v in params if not (k == "operationName" and not v)]
        params.append(("query", query))
        return {**scope, "query_string": urlencode(params).encode("latin-1")}

    async def _post(
        self, scope: Scope, receive: Receive, mode: str, pending: list[str]
    ) -> tuple[Scope, Receive]:
        content_type = first_header(scope, b"content-type") or ""
        if content_type.split(";", 1)[0].strip().lower() != "application/json":
            return scope, receive  # multipart uploads carry their document in full
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return scope, _replay(b"", receive)  # disconnected
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if b"persistedQuery" not in body and mode != "allowlist":
            return scope, _replay(body, receive)  # the common case: not parsed twice
        try:
            data = json.loads(body)
        except ValueError:
            return scope, _replay(body, receive)  # the view answers malformed JSON itself
        if not isinstance(data, dict):
            return scope, _replay(body, receive)
        extensions = data.get("extensions")
        if not (isinstance(extensions, dict) and "persistedQuery" in extensions) and mode != "allowlist":
            return scope, _replay(body, receive)
        given = data.get("query")
        query = await self._resolve(
            scope, given if isinstance(given, str) else None, extensions, mode, pending
        )
        if query is None or given is not None:
            return scope, _replay(body, receive)
        body = json.dumps({**data, "query": query}, ensure_ascii=False).encode("utf-8")
        headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        changed = {**scope, "headers": headers}
        if BODY_KEY in changed:
            changed[BODY_KEY] = body
        return changed, _replay(body, receive)

    async def _resolve(
        self, scope: Scope, query: str | None, extensions: Any, mode: str, pending: list[str]
    ) -> str | None:
        """The document to run (None: leave the request as it is); refuses as the protocol says."""
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if persisted is None and (query is None or mode != "allowlist"):
            return None
        await self._authenticate(scope)
        redis = self.graphql.queue.redis
        if persisted is None:  # allow-list mode, a document sent in full
            assert query is not None
            await _require_allowed(redis, store.document_hash(query))
            return query
        if mode == "off":
            raise _refuse("PersistedQueryNotSupported", NOT_SUPPORTED)
        sha256 = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise _refuse("persistedQuery must be {version: 1, sha256Hash}", INVALID)
        if not isinstance(sha256, str) or not store.HASH.match(sha256):
            raise _refuse("sha256Hash must be 64 lower-case hex digits", INVALID)
        allow_list = mode == "allowlist"
        if query is not None:
            if len(query) > MAX_QUERY_CHARS:  # never parsed, so never worth remembering
                raise _refuse(f"a query holds at most {MAX_QUERY_CHARS} characters", TOO_LONG)
            if store.document_hash(query) != sha256:
                raise _refuse("provided sha does not match query", HASH_MISMATCH)
            if allow_list:
                await _require_allowed(redis, sha256)
            else:
                pending.append(query)
            return query
        found = await store.lookup(redis, sha256, allow_list=allow_list)
        if found is None:
            # the same answer in both modes: Apollo Client and urql then send the document, and an
            # allow-list refuses that with NOT_ALLOWED
            raise _refuse("PersistedQueryNotFound", NOT_FOUND)
        return found

    async def _principal(self, scope: Scope) -> tuple[Principal | None, str | None]:
        graphql = self.graphql
        header = Headers(scope=scope).get("authorization")
        return await authenticate_request(graphql.settings.signing_secret, graphql.pool, header)

    async def _authenticate(self, scope: Scope) -> None:
        """Refuses an anonymous caller with the view's own answer (200, UNAUTHENTICATED)."""
        principal, reason = await self._principal(scope)
        if principal is None:
            raise _Refusal(
                graphql_error_response(200, reason or "authentication required", "UNAUTHENTICATED")
            )


async def _require_allowed(redis: Any, sha256: str) -> None:
    if await store.lookup(redis, sha256, allow_list=True) is None:
        raise _refuse("this document is not on the server's allow-list", NOT_ALLOWED)


class AllowListGate(SchemaExtension):
    """In allow-list mode, refuses to execute a document that is not on the list, whichever way it came
    (websocket `subscribe`, multipart upload, or HTTP past the middleware)."""

    async def on_execute(self) -> AsyncIterator[None]:
        # raised, not set as the result: a subscription's execution ignores a result set here
        if self.execution_context.result is None and not await self.passes():
            message = "this document is not on the server's allow-list"
            raise GraphQLError(message, extensions={"code": NOT_ALLOWED})
        yield

    async def passes(self) -> bool:
        """Whether `on_execute` lets the operation run (the prepared path asks this; executor/prepared.py)."""
        context = self.execution_context.context
        if getattr(getattr(context, "settings", None), "persisted_queries", None) != "allowlist":
            return True
        queue, query = getattr(context, "queue", None), self.execution_context.query
        if queue is None or query is None:
            return False
        return await store.lookup(queue.redis, store.document_hash(query), allow_list=True) is not None


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` for the next app: the body read here, once, then the client's own messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


ACCEPTED_KEY = "lianxin.persisted_query_accepted"


def mark_accepted(request_scope: Mapping[str, Any], result: Any) -> None:
    """Called by the view after an operation: tells a waiting registration that its document ran."""
    accepted = request_scope.get(ACCEPTED_KEY)
    if isinstance(accepted, list) and document_accepted(result):
        accepted.append(True)


def document_accepted(result: Any) -> bool:
    """Whether an operation's result shows its document parsed, validated and fit the limits (so it
    may be remembered under its hash); a refused document would only fill Redis."""
    for error in getattr(result, "errors", None) or ():
        code = (getattr(error, "extensions", None) or {}).get("code")
        if code in _DOCUMENT_REFUSED or code is None:
            return False
    return True
