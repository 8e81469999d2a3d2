"""Review 4: more requests the lean JSON POST (`lean_http`) must answer exactly as strawberry's view
does (status, body, headers): bodies orjson and json.loads read differently, header spellings, CORS."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lianxin_api import lean_http

from conftest import make_token

Q = b'{"query": "{ __typename }"'
CASES: list[tuple[str, bytes, list[tuple[str, str]]]] = [
    ("BOM", b"\xef\xbb\xbf" + Q + b"}", []),
    ("lone surrogate in a variable", Q + b', "variables": {"x": "\\ud800"}}', []),
    ("integer beyond 64 bits", Q + b', "variables": {"x": 123456789012345678901234567890}}', []),
    ("float overflow", Q + b', "variables": {"x": 1e400}}', []),
    ("nested 2000 deep", Q + b', "variables": {"x": ' + b"[" * 2000 + b"]" * 2000 + b"}}", []),
    ("duplicate query key", b'{"query": "{ nope }", "query": "{ __typename }"}', []),
    ("operationName a number", Q + b', "operationName": 5}', []),
    ("NUL in query", b'{"query": "{ __typename }\\u0000"}', []),
    ("mutation over POST", b'{"query": "mutation { __typename }"}', []),
    ("two content types", Q + b"}", [("content-type", "multipart/form-data; boundary=x")]),
    ("event stream accepted", Q + b"}", [("accept", "text/event-stream")]),
    ("multipart accepted", Q + b"}", [("accept", "multipart/mixed")]),
    ("CORS origin", Q + b"}", [("origin", "https://evil.example")]),
]


async def _send(client: httpx.AsyncClient, body: bytes, extra: list[tuple[str, str]]) -> Any:
    headers = [("content-type", "application/json"), ("authorization", f"Bearer {make_token()}"), *extra]
    try:
        response = await client.post("/graphql", content=body, headers=headers)
    except Exception as exc:
        return "raised", type(exc).__name__, str(exc)
    shown = sorted((k, v) for k, v in response.headers.multi_items() if k not in ("x-request-id", "date"))
    try:
        payload = response.json()
    except ValueError:
        payload = response.text
    return response.status_code, payload, shown


@pytest.mark.parametrize(("name", "body", "extra"), CASES, ids=[c[0] for c in CASES])
async def test_lean_answers_as_strawberry_too(
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    body: bytes,
    extra: list[tuple[str, str]],
) -> None:
    lean = await _send(client, body, extra)
    monkeypatch.setattr(lean_http, "takes", lambda view, request: False)
    plain = await _send(client, body, extra)
    assert lean == plain, name


@pytest.mark.parametrize("authenticated", [True, False])
async def test_a_second_content_type_does_not_lift_the_body_limit(
    client: httpx.AsyncClient, authenticated: bool
) -> None:
    """The view (lean or strawberry's), the UTF-8 check and the persisted-query middleware read the
    first `Content-Type` header; the size limit read the last. A JSON body with a second header
    `multipart/form-data` had the upload limit (20 MiB) instead of the body limit (1 MiB), and was
    buffered and parsed as JSON, anonymous callers included (refused only after the parse)."""
    body = b'{"query": "{ __typename }", "variables": {"pad": "' + b"x" * (2 << 20) + b'"}}'
    headers = [("content-type", "application/json"), ("content-type", "multipart/form-data; boundary=x")]
    if authenticated:
        headers.append(("authorization", f"Bearer {make_token()}"))
    response = await client.post("/graphql", content=body, headers=headers)
    assert response.status_code == 413, response.text[:300]
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
