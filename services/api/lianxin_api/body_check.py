"""An HTTP body that is not UTF-8 is answered 400 with a GraphQL-shaped error before GraphQL runs
(the JSON decoder would otherwise raise deep in the view: a 500)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lianxin_api.abuse import graphql_error_response

NOT_UTF8 = "the request body must be UTF-8 encoded JSON"
# the whole body this middleware read and checked, in the scope it hands on: the layers after it (the
# persisted-query middleware, the view's `Request`) take it from there instead of reading it again
# through `receive` (which still replays it, for anything that reads it that way)
BODY_KEY = "lianxin.body"


class Utf8BodyMiddleware:
    """Buffers the body of non-multipart POSTs (already bounded by `BodySizeLimitMiddleware`, which
    must wrap this one) and refuses one that does not decode as UTF-8."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or _is_multipart(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # disconnected: let the app see it
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            await graphql_error_response(400, NOT_UTF8, "BAD_USER_INPUT")(scope, receive, send)
            return
        replayed = _replay([{"type": "http.request", "body": body, "more_body": False}], receive)
        scope[BODY_KEY] = body
        await self.app(scope, replayed, send)


def _is_multipart(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return bool(value.split(b";", 1)[0].strip().lower() == b"multipart/form-data")
    return False


def _replay(messages: list[Message], then: Receive) -> Receive:
    """The messages already read, then the connection's own (a disconnect, when it comes)."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        return await then()

    return receive
