"""A POST body is read from the connection once (body_check.py keeps it in the scope for the
persisted-query middleware and the view): in one piece or in chunks, plain or by persisted-query hash
(the document filled in), the answer is the same."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from conftest import make_token
from factories import make_union

UNIONS = "query Unions($n: Int) { unions(first: $n) { totalCount edges { node { name } } } }"
EXPECTED = {"data": {"unions": {"totalCount": 1, "edges": [{"node": {"name": "一次读"}}]}}}


def _headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token()}", "Content-Type": "application/json"}


async def _post(client: httpx.AsyncClient, body: dict[str, Any], chunked: bool) -> httpx.Response:
    raw = json.dumps(body).encode()
    if not chunked:
        return await client.post("/graphql", content=raw, headers=_headers())

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(raw), 7):
            yield raw[i : i + 7]

    return await client.post("/graphql", content=chunks(), headers=_headers())


async def test_plain_and_persisted_bodies_in_one_piece_or_chunks(
    client: httpx.AsyncClient, pool: Any
) -> None:
    await make_union(pool, name="一次读")
    plain = {"query": UNIONS, "operationName": "Unions", "variables": {"n": 1}}
    by_hash: dict[str, Any] = {
        "operationName": "Unions",
        "variables": {"n": 1},
        "extensions": {
            "persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(UNIONS.encode()).hexdigest()}
        },
    }
    for chunked in (False, True):
        assert (await _post(client, plain, chunked)).json() == EXPECTED
    miss = await _post(client, by_hash, True)
    assert miss.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert (await _post(client, {**by_hash, "query": UNIONS}, True)).json() == EXPECTED  # registers it
    for chunked in (False, True):
        answer = await _post(client, by_hash, chunked)
        assert answer.status_code == 200
        assert answer.json() == EXPECTED
        assert answer.headers["vary"] == "Origin"
        assert len(answer.headers["x-request-id"]) == 32
