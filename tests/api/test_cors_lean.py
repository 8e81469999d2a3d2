"""`LeanCORSMiddleware` answers exactly as starlette's `CORSMiddleware` with the same options, with and
without an `Origin`, whatever `Vary` headers the application already sent."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

from lianxin.core.config import Settings
from lianxin_api.cors import LeanCORSMiddleware, cors_options

pytestmark = pytest.mark.no_db

RESPONSE_HEADERS: list[Any] = [
    None,  # no "headers" key at all
    [],
    [(b"content-type", b"application/json")],
    [(b"vary", b"Accept-Encoding"), (b"content-length", b"2")],
    [(b"vary", b"Accept"), (b"x-a", b"1"), (b"vary", b"Cookie"), (b"vary", b"Accept-Language")],
    ((b"x-tuple", b"1"),),
]
REQUEST_HEADERS = [
    [(b"host", b"api.test")],
    [(b"origin", b"http://localhost:5173")],
    [(b"host", b"api.test"), (b"origin", b"http://evil.example")],
    [(b"origin", b"http://127.0.0.1:3000"), (b"origin", b"http://evil.example")],
    [(b"origin", b"https://app.example.org")],
    [
        (b"origin", b"http://localhost:5173"),
        (b"access-control-request-method", b"POST"),
        (b"access-control-request-headers", b"authorization"),
    ],
    [(b"access-control-request-method", b"POST")],
]


def _app(response_headers: Any) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        start: dict[str, Any] = {"type": "http.response.start", "status": 200}
        if response_headers is not None:
            start["headers"] = copy.copy(response_headers)
        await send(start)
        await send({"type": "http.response.body", "body": b"{}"})

    return app


async def _answer(middleware: Any, method: str, headers: list[tuple[bytes, bytes]]) -> list[Message]:
    scope = {"type": "http", "method": method, "path": "/graphql", "headers": list(headers)}
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await middleware(scope, receive, send)
    return sent


@pytest.mark.parametrize("production", [False, True])
@pytest.mark.parametrize("method", ["POST", "GET", "OPTIONS"])
@pytest.mark.parametrize("response_headers", RESPONSE_HEADERS)
async def test_same_answer_as_starlette(
    settings: Settings, production: bool, method: str, response_headers: Any
) -> None:
    if production:
        settings = settings.model_copy(
            update={"environment": "production", "cors_origins": "https://app.example.org"}
        )
    options = cors_options(settings)
    for request_headers in REQUEST_HEADERS:
        theirs = await _answer(CORSMiddleware(_app(response_headers), **options), method, request_headers)
        ours = await _answer(LeanCORSMiddleware(_app(response_headers), **options), method, request_headers)
        assert ours == theirs, (request_headers, ours, theirs)
        if not any(name == b"origin" for name, _ in request_headers):
            assert any(name == b"vary" for name, _ in ours[0]["headers"])


async def test_other_scopes_pass_through(settings: Settings) -> None:
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    scope = {"type": "websocket", "path": "/graphql", "headers": [(b"origin", b"http://evil.example")]}
    await LeanCORSMiddleware(app, **cors_options(settings))(scope, None, None)  # type: ignore[arg-type]
    assert seen == [scope]
