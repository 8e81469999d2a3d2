"""The body layers (`BodySizeLimitMiddleware` around `Utf8BodyMiddleware`, as `create_app` stacks
them): what the application reads and what the client is sent, for bodies in one piece or in chunks,
over the limit, not UTF-8, cut off by a disconnect, and for requests they leave alone."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from lianxin_api.abuse import BodySizeLimitMiddleware
from lianxin_api.body_check import Utf8BodyMiddleware

pytestmark = pytest.mark.no_db

DISCONNECT = {"type": "http.disconnect"}


def _chunks(*bodies: bytes) -> list[Message]:
    return [
        {"type": "http.request", "body": body, "more_body": i < len(bodies) - 1}
        for i, body in enumerate(bodies)
    ]


async def _run(
    messages: list[Message], method: str = "POST", content_type: bytes = b"application/json"
) -> tuple[list[Message], list[Message]]:
    """(what the application read until the disconnect, what the client was sent)"""
    incoming = [*messages, DISCONNECT]
    read: list[Message] = []
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            read.append(message)
            if message["type"] == "http.disconnect":
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive() -> Message:
        return incoming.pop(0) if incoming else DISCONNECT

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": "/graphql",
        "headers": [(b"content-type", content_type)],
    }
    stack = BodySizeLimitMiddleware(Utf8BodyMiddleware(app), max_bytes=100, max_upload_bytes=1000)
    await stack(scope, receive, send)
    return read, sent


def _status_and_code(sent: list[Message]) -> tuple[int, Any]:
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    return sent[0]["status"], body["errors"][0]["extensions"]["code"] if "errors" in body else body


async def test_whole_body_in_one_message() -> None:
    read, sent = await _run(_chunks(b'{"query": "{ a }"}'))
    assert read == [{"type": "http.request", "body": b'{"query": "{ a }"}', "more_body": False}, DISCONNECT]
    assert sent[0]["status"] == 200


async def test_chunks_arrive_joined() -> None:
    read, _ = await _run(_chunks(b'{"qu', b"", b'ery": "{ a }"}'))
    assert read == [{"type": "http.request", "body": b'{"query": "{ a }"}', "more_body": False}, DISCONNECT]


async def test_over_the_limit_in_chunks_is_413_before_the_application() -> None:
    read, sent = await _run(_chunks(b"x" * 60, b"x" * 60))
    assert read == []
    assert _status_and_code(sent) == (413, "REQUEST_TOO_LARGE")


async def test_not_utf8_is_400() -> None:
    read, sent = await _run(_chunks(b'{"query": "\xff"}'))
    assert read == []
    assert _status_and_code(sent) == (400, "BAD_USER_INPUT")


async def test_a_disconnect_mid_body_reaches_the_application() -> None:
    read, sent = await _run(_chunks(b"x" * 10, b"y" * 10)[:1])
    assert read == [DISCONNECT]
    assert sent[0]["status"] == 200


@pytest.mark.parametrize(
    ("method", "content_type", "limit"),
    [("GET", b"application/json", 100), ("POST", b"multipart/form-data; boundary=x", 1000)],
)
async def test_others_stream_through_counted(method: str, content_type: bytes, limit: int) -> None:
    messages = _chunks(b"a" * 40, b"b" * 40)
    read, _ = await _run(messages, method, content_type)
    assert read == [*messages, DISCONNECT]
    over = _chunks(*[b"c" * 50] * (limit // 50 + 1))
    read, sent = await _run(over, method, content_type)
    assert len(read) == limit // 50
    assert _status_and_code(sent) == (413, "REQUEST_TOO_LARGE")
