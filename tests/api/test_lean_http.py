"""The lean read of a JSON POST (`lean_http`) answers exactly what strawberry's own request handling
answers: the same status, body and headers, for requests it takes and for those it hands back to
strawberry (malformed bodies, batches, bodies only `json.loads` reads, other content types)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lianxin_api import lean_http

from conftest import make_token

PAGE = "query P($first: Int!) { households(first: $first) { totalCount edges { node { id archiveNo } } } }"
DEEP = "{ households(first: 1) { edges { node { " + "contactPerson { name } " * 1 + "} } } }"
TOO_DEEP = "{ " + "unions(first: 1) { edges { node { " * 7 + "id" + " } } }" * 7 + " }"


def _json(body: dict[str, Any]) -> tuple[bytes, str]:
    import json

    return json.dumps(body).encode(), "application/json"


CASES: list[tuple[str, bytes, str, bool]] = [
    # (name, body, content type, authenticated)
    ("typename", *_json({"query": "{ __typename }"}), True),
    ("anonymous", *_json({"query": "{ __typename }"}), False),
    ("page", *_json({"query": PAGE, "variables": {"first": 2}, "operationName": "P"}), True),
    ("bad variable", *_json({"query": PAGE, "variables": {"first": "x"}}), True),
    ("missing variable", *_json({"query": PAGE}), True),
    ("syntax error", *_json({"query": "{ households( }"}), True),
    ("unknown field", *_json({"query": "{ nope }"}), True),
    ("unknown operation", *_json({"query": PAGE, "operationName": "Nope", "variables": {"first": 1}}), True),
    ("two operations, none named", *_json({"query": "query A { __typename } query B { __typename }"}), True),
    ("too deep", *_json({"query": TOO_DEEP}), True),
    ("nested", *_json({"query": DEEP}), True),
    ("subscription over POST", *_json({"query": "subscription { events { id } }"}), True),
    ("query null", *_json({"query": None}), True),
    ("no query", *_json({"variables": {}}), True),
    ("variables not an object", *_json({"query": "{ __typename }", "variables": [1]}), True),
    ("extensions not an object", *_json({"query": "{ __typename }", "extensions": "x"}), True),
    ("batch", *_json([{"query": "{ __typename }"}]), True),  # type: ignore[arg-type]
    ("not JSON", b"{broken", "application/json", True),
    (
        "NaN (json.loads only)",
        b'{"query": "{ __typename }", "variables": {"x": NaN}}',
        "application/json",
        True,
    ),
    ("a string", b'"{ __typename }"', "application/json", True),
    ("charset", *_json({"query": "{ __typename }"})[:1], "application/json; charset=utf-8", True),
    (
        "persisted, unknown hash",
        *_json({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "a" * 64}}}),
        True,
    ),
]


async def _send(client: httpx.AsyncClient, body: bytes, content_type: str, authenticated: bool) -> Any:
    headers = {"Content-Type": content_type}
    if authenticated:
        headers["Authorization"] = f"Bearer {make_token()}"
    try:
        response = await client.post("/graphql", content=body, headers=headers)
    except Exception as exc:  # (strawberry's own: a JSON string body raises AttributeError, a 500)
        return "raised", type(exc).__name__, str(exc)
    shown = {k: v for k, v in response.headers.items() if k not in ("x-request-id", "date")}
    try:
        payload = response.json()
    except ValueError:
        payload = response.text
    return response.status_code, payload, shown


@pytest.mark.parametrize(("name", "body", "content_type", "authenticated"), CASES, ids=[c[0] for c in CASES])
async def test_lean_answers_as_strawberry(
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    body: bytes,
    content_type: str,
    authenticated: bool,
) -> None:
    taken: list[bool] = []
    real_run = lean_http.run_json_post

    async def counted(view: Any, request: Any) -> Any:
        taken.append(True)
        return await real_run(view, request)

    monkeypatch.setattr(lean_http, "run_json_post", counted)
    lean = await _send(client, body, content_type, authenticated)
    # (the persisted-query middleware answers an unknown hash itself, before the view)
    assert bool(taken) == (content_type == "application/json" and not name.startswith("persisted")), name
    monkeypatch.setattr(lean_http, "takes", lambda view, request: False)
    plain = await _send(client, body, content_type, authenticated)
    assert lean == plain, name


def test_what_the_lean_path_takes() -> None:
    assert lean_http.operation(b'{"query": "{ a }", "variables": null}') is not None
    assert lean_http.operation(b'{"query": "{ a }", "variables": {"x": NaN}}') is None  # strawberry's
    assert lean_http.operation(b'{"query": null}') is None
    assert lean_http.operation(b"[]") is None
    assert lean_http.operation(b'{"query": "{ a }", "extensions": 1}') is None
