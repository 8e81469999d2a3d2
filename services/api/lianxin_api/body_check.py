"""An HTTP body that is not UTF-8 is answered 400 with a GraphQL-shaped error before GraphQL runs
(the JSON decoder would otherwise raise deep in the view: a 500)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from lianxin_api.abuse import BODY_KEY, graphql_error_response, replay

NOT_UTF8 = "the request body must be UTF-8 encoded JSON"


class Utf8BodyMiddleware:
    """Refuses a non-multipart POST whose body does not decode as UTF-8. `BodySizeLimitMiddleware`
    (which must wrap this one) has read such a body whole already; alone, this one buffers it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        read = scope.get(BODY_KEY)
        if read is not None:  # such a POST's body, read whole by BodySizeLimitMiddleware (replayed)
            await self._checked(scope, receive, send, read)
            return
        if scope["type"] != "http" or scope.get("method") != "POST" or _is_multipart(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # disconnected: let the app see it
                await self.app(scope, replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = scope[BODY_KEY] = b"".join(chunks)
        whole = {"type": "http.request", "body": body, "more_body": False}
        await self._checked(scope, replay([whole], receive), send, body)

    async def _checked(self, scope: Scope, receive: Receive, send: Send, body: bytes) -> None:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            await graphql_error_response(400, NOT_UTF8, "BAD_USER_INPUT")(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _is_multipart(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return bool(value.split(b";", 1)[0].strip().lower() == b"multipart/form-data")
    return False
