"""Automatic persisted queries (issue 15) in the exact request shapes Apollo Client's persisted-query
link and urql's persistedExchange send: a hash miss, registering with hash and document, then the hash
alone by POST and by GET; a mismatching hash refused; GET never runs a mutation; an anonymous caller
refused before any lookup; the allow-list mode for production, filled by `lianxin persisted-queries add`;
`off` answers PersistedQueryNotSupported."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from asgi_lifespan import LifespanManager
from gqlws import SUBSCRIBE, GqlWs, live_server

from lianxin.core import persisted_queries as store
from lianxin.core.config import Settings
from lianxin_api.app import create_app
from lianxin_cli.main import main as cli

from conftest import make_token
from factories import make_union, row_counts

UNIONS = "query Unions($n: Int) { unions(first: $n) { totalCount edges { node { name } } } }"
CREATE = """mutation Create($input: CreateUnionInput!) {
  createUnion(input: $input) { union { id } errors { code } } }"""
NOT_FOUND = {
    "data": None,
    "errors": [{"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}],
}


def sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def hashed(
    query: str, name: str, variables: dict[str, Any], *, with_document: bool = False
) -> dict[str, Any]:
    """The POST body of Apollo Client's link (and urql's exchange): no `query` key until a miss."""
    body: dict[str, Any] = {
        "operationName": name,
        "variables": variables,
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha(query)}},
    }
    if with_document:
        body["query"] = query
    return body


def get_params(query: str, name: str, variables: dict[str, Any]) -> dict[str, str]:
    """Apollo's `useGETForHashedQueries` / urql's `preferGetForPersistedQueries` query string."""
    return {
        "operationName": name,
        "variables": json.dumps(variables),
        "extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": sha(query)}}),
    }


def auth(token: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token or make_token()}"}


async def test_miss_register_then_hash_alone_by_post_and_get(
    client: httpx.AsyncClient, pool: Any, redis_client: aioredis.Redis
) -> None:
    await make_union(pool, name="威海市总工会")
    miss = await client.post("/graphql", json=hashed(UNIONS, "Unions", {"n": 5}), headers=auth())
    assert miss.status_code == 200
    assert miss.json() == NOT_FOUND

    registered = await client.post(
        "/graphql", json=hashed(UNIONS, "Unions", {"n": 5}, with_document=True), headers=auth()
    )
    expected = {"data": {"unions": {"totalCount": 1, "edges": [{"node": {"name": "威海市总工会"}}]}}}
    assert registered.json() == expected
    ttl = await redis_client.ttl(f"lianxin:apq:{sha(UNIONS)}")
    assert 0 < ttl <= Settings().persisted_query_ttl_seconds

    again = await client.post("/graphql", json=hashed(UNIONS, "Unions", {"n": 5}), headers=auth())
    assert again.json() == expected
    by_get = await client.get("/graphql", params=get_params(UNIONS, "Unions", {"n": 5}), headers=auth())
    assert by_get.status_code == 200, by_get.text
    assert by_get.json() == expected
    blank_name = {**get_params(UNIONS, "Unions", {"n": 1}), "operationName": ""}
    by_get = await client.get("/graphql", params=blank_name, headers=auth())
    assert by_get.status_code == 200, by_get.text
    assert by_get.json() == expected


async def test_a_mismatching_hash_is_refused_and_nothing_is_registered(client: httpx.AsyncClient) -> None:
    body = hashed(UNIONS, "Unions", {}, with_document=True)
    body["query"] = UNIONS.replace("name", "id")
    response = await client.post("/graphql", json=body, headers=auth())
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    assert response.json()["data"] is None
    miss = await client.post("/graphql", json=hashed(UNIONS, "Unions", {}), headers=auth())
    assert miss.json() == NOT_FOUND


@pytest.mark.parametrize(
    ("persisted", "code"),
    [
        ({"version": 2, "sha256Hash": "0" * 64}, "PERSISTED_QUERY_INVALID"),
        ({"version": 1, "sha256Hash": "XYZ"}, "PERSISTED_QUERY_INVALID"),
        ("not an object", "PERSISTED_QUERY_INVALID"),
    ],
)
async def test_malformed_persisted_query_extension(
    client: httpx.AsyncClient, persisted: Any, code: str
) -> None:
    body = {"variables": {}, "extensions": {"persistedQuery": persisted}}
    response = await client.post("/graphql", json=body, headers=auth())
    assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_get_never_runs_a_mutation(client: httpx.AsyncClient, pool: Any) -> None:
    variables = {"input": {"name": "x", "kind": "FEDERATION", "regionCode": "371000"}}
    registered = await client.post(
        "/graphql", json=hashed(CREATE, "Create", variables, with_document=True), headers=auth()
    )
    assert registered.json()["data"]["createUnion"]["union"]["id"]
    before = await row_counts(pool, "trade_union")
    response = await client.get("/graphql", params=get_params(CREATE, "Create", variables), headers=auth())
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert (error["message"], error["extensions"]["code"]) == (
        "mutations are not allowed when using GET",
        "BAD_REQUEST",
    )
    assert await row_counts(pool, "trade_union") == before


async def test_anonymous_callers_are_refused_before_any_lookup(
    client: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    for body in (hashed(UNIONS, "Unions", {}), hashed(UNIONS, "Unions", {}, with_document=True)):
        response = await client.post("/graphql", json=body)
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
    response = await client.get("/graphql", params=get_params(UNIONS, "Unions", {}))
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await redis_client.keys("lianxin:apq:*") == []  # an anonymous caller registers nothing


@pytest.fixture
async def allowlist_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"persisted_queries": "allowlist"}))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_allowlist_runs_only_registered_documents(
    allowlist_client: httpx.AsyncClient,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    redis_client: aioredis.Redis,
) -> None:
    client = allowlist_client
    document = tmp_path / "unions.graphql"
    document.write_text(UNIONS, encoding="utf-8")
    other = "{ unions(first: 1) { totalCount } }"
    manifest = tmp_path / "persisted-query-manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{"id": sha(CREATE), "name": "Create", "type": "mutation", "body": CREATE}],
            }
        )
    )
    # a client's registration is refused: nothing on the list yet
    response = await client.post(
        "/graphql", json=hashed(UNIONS, "Unions", {}, with_document=True), headers=auth()
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
    assert (
        await client.post("/graphql", json=hashed(UNIONS, "Unions", {}), headers=auth())
    ).json() == NOT_FOUND

    monkeypatch.setenv("REDIS_URL", settings.require_redis_url())
    assert await asyncio.to_thread(cli, ["persisted-queries", "add", str(document), str(manifest)]) == 0
    printed = capsys.readouterr().out
    assert f"{sha(UNIONS)}  {document}" in printed
    assert f"{sha(CREATE)}  Create" in printed
    assert await redis_client.ttl(f"lianxin:apq:allow:{sha(UNIONS)}") == -1  # never expires

    ok = await client.post("/graphql", json=hashed(UNIONS, "Unions", {"n": 1}), headers=auth())
    assert ok.json() == {"data": {"unions": {"totalCount": 0, "edges": []}}}
    by_get = await client.get("/graphql", params=get_params(UNIONS, "Unions", {}), headers=auth())
    assert by_get.json() == {"data": {"unions": {"totalCount": 0, "edges": []}}}
    in_full = await client.post("/graphql", json={"query": UNIONS}, headers=auth())
    assert in_full.json() == ok.json()
    for refused in (
        client.post("/graphql", json={"query": other}, headers=auth()),
        client.get("/graphql", params={"query": other}, headers=auth()),
        client.post("/graphql", json=hashed(other, "", {}, with_document=True), headers=auth()),
    ):
        body = (await refused).json()
        assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED", body
    assert await redis_client.get(f"lianxin:apq:{sha(other)}") is None
    anonymous = await client.post("/graphql", json={"query": other})
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_cli_refuses_a_manifest_whose_id_is_not_the_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps({"operations": [{"id": "0" * 64, "name": "X", "body": UNIONS}]}))
    assert await asyncio.to_thread(cli, ["persisted-queries", "add", str(manifest)]) == 1
    assert "its id is not its hash" in capsys.readouterr().err


async def test_off_answers_not_supported(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"persisted_queries": "off"}))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post("/graphql", json=hashed(UNIONS, "Unions", {}), headers=auth())
            plain = await client.post("/graphql", json={"query": "{ __typename }"}, headers=auth())
    assert response.json() == {
        "data": None,
        "errors": [
            {"message": "PersistedQueryNotSupported", "extensions": {"code": "PERSISTED_QUERY_NOT_SUPPORTED"}}
        ],
    }
    assert plain.json() == {"data": {"__typename": "Query"}}


async def test_allowlist_holds_for_websocket_subscriptions(
    settings: Settings, migrated: str, redis_client: aioredis.Redis
) -> None:
    """The middleware sees only HTTP: a schema extension holds the list for `subscribe` too."""
    async with live_server(settings.model_copy(update={"persisted_queries": "allowlist"})) as url:
        ws = await GqlWs.open(url, make_token())
        await ws.send({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE, "variables": {}}})
        refused = await ws.receive()
        assert refused["type"] == "next", refused
        assert refused["payload"]["data"] is None
        assert refused["payload"]["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
        assert (await ws.receive())["type"] == "complete"
        await store.allow(redis_client, SUBSCRIBE)
        await ws.send({"id": "2", "type": "subscribe", "payload": {"query": SUBSCRIBE, "variables": {}}})
        await ws.nothing_within(0.5)  # subscribed: waiting for events
        await ws.close()


async def test_misses_count_against_the_rate_limit_and_refused_requests_register_nothing(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 3}))
    token = make_token()
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for _ in range(3):
                miss = await client.post("/graphql", json=hashed(UNIONS, "Unions", {}), headers=auth(token))
                assert miss.json() == NOT_FOUND
            over = await client.post("/graphql", json=hashed(UNIONS, "Unions", {}), headers=auth(token))
            assert over.status_code == 429
            assert over.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
            body = hashed(UNIONS, "Unions", {}, with_document=True)
            refused = await client.post("/graphql", json=body, headers=auth(token))
            assert refused.status_code == 429
    assert await redis_client.get(f"lianxin:apq:{sha(UNIONS)}") is None
