"""The prepared-query lane (lianxin_api.executor.prepared) answers every request as strawberry's whole
`execute` does, malformed ones and failing gates included: nothing that the whole way answers with a
GraphQL error may become an exception (a 500) on the lane."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from lianxin_api.executor import prepared
from lianxin_api.schema import schema

from conftest import make_token

QUERY = "query A($n: Int) { households(first: $n) { totalCount } }"


@pytest.fixture
def lane(app: Any) -> Iterator[prepared.PreparedDocuments]:
    documents = schema.prepared  # the test application's schema
    documents.enabled = True
    yield documents
    documents.enabled = True


async def _both_ways(
    client: httpx.AsyncClient, lane: prepared.PreparedDocuments, body: dict[str, Any], **headers: str
) -> httpx.Response:
    """The response with the lane closed, then open: the same status and body."""
    lane.enabled = False
    whole = await client.post("/graphql", json=body, headers=headers)
    lane.enabled = True
    fast = await client.post("/graphql", json=body, headers=headers)
    assert (fast.status_code, fast.text) == (whole.status_code, whole.text)
    return fast


async def test_an_operation_name_that_is_not_a_string_is_answered_as_the_whole_way(
    client: httpx.AsyncClient, lane: prepared.PreparedDocuments
) -> None:
    auth = {"Authorization": f"Bearer {make_token()}"}
    accepted = await client.post("/graphql", json={"query": QUERY, "operationName": "A"}, headers=auth)
    assert accepted.json() == {"data": {"households": {"totalCount": 0}}}  # prepared from now on
    for name in (["A"], {"A": 1}, 5):
        response = await _both_ways(client, lane, {"query": QUERY, "operationName": name}, **auth)
        assert response.status_code == 200, response.text
        assert response.json()["data"] is None


async def test_a_gate_that_fails_sends_the_query_the_whole_way(
    client: httpx.AsyncClient, lane: prepared.PreparedDocuments
) -> None:
    auth = {"Authorization": f"Bearer {make_token()}"}
    accepted = await client.post("/graphql", json={"query": QUERY, "variables": {"n": 1}}, headers=auth)
    assert accepted.json() == {"data": {"households": {"totalCount": 0}}}
    deep: object = 1
    for _ in range(600):  # within what orjson and json read, beyond what the gates' walks can recurse
        deep = [deep]
    taken = lane.taken
    response = await _both_ways(client, lane, {"query": QUERY, "variables": {"n": 1, "x": deep}}, **auth)
    assert response.status_code == 200, response.text
    assert response.json()["data"] is None
    assert lane.taken == taken


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_an_allow_list_that_cannot_be_read_answers_as_the_whole_way(
    lane: prepared.PreparedDocuments,
) -> None:
    query = "query Typename { __typename }"
    caller = SimpleNamespace(principal=object(), auth_error=None)
    assert (await schema.execute(query, context_value=caller)).data == {"__typename": "Query"}
    unreachable = aioredis.Redis(host="127.0.0.1", port=_closed_port(), socket_connect_timeout=1)
    listed = SimpleNamespace(
        principal=object(),
        auth_error=None,
        settings=SimpleNamespace(persisted_queries="allowlist"),
        queue=SimpleNamespace(redis=unreachable),
    )
    try:
        lane.enabled = False
        whole = await schema.execute(query, context_value=listed)
        lane.enabled = True
        fast = await schema.execute(query, context_value=listed)
    finally:
        await unreachable.aclose()
    assert whole.data is None
    assert whole.errors
    assert (fast.data, [e.formatted for e in fast.errors or ()]) == (
        whole.data,
        [e.formatted for e in whole.errors],
    )


def production_with_a_broken_read(settings: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[Any]]:
    """A production application whose `agencies` read fails with a secret in its message (an internal
    error to mask), and the schemas it builds (filled in when it is made)."""
    from lianxin.referral import repository
    from lianxin_api import app as app_module

    built: list[Any] = []

    def recording(**kwargs: Any) -> Any:
        built.append(app_module.build_schema.__wrapped__(**kwargs))  # type: ignore[attr-defined]
        return built[-1]

    recording.__wrapped__ = app_module.build_schema  # type: ignore[attr-defined]
    monkeypatch.setattr(app_module, "build_schema", recording)

    async def broken(conn: Any) -> Any:
        raise RuntimeError("password=hunter2 at db-7.internal")

    monkeypatch.setattr(repository, "list_agencies", broken)
    return app_module.create_app(settings.model_copy(update={"environment": "production"})), built


async def test_production_masks_and_refuses_the_same_through_the_lane(
    settings: Any, migrated: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asgi_lifespan import LifespanManager

    production, built = production_with_a_broken_read(settings, monkeypatch)
    auth = {"Authorization": f"Bearer {make_token()}"}
    async with LifespanManager(production) as manager:
        (documents,) = [b.prepared for b in built]
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            answers = []
            for query in ("{ agencies { id } }", "{ __schema { queryType { name } } }"):
                for _ in range(2):
                    answers.append((await c.post("/graphql", json={"query": query}, headers=auth)).json())
    assert answers[0] == answers[1]
    assert [e["message"] for e in answers[1]["errors"]] == ["Unexpected error."]
    assert answers[1]["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert answers[2] == answers[3]
    assert "introspection" in answers[3]["errors"][0]["message"].lower()
    assert documents.taken == 1  # the masked query took the lane; introspection was never accepted


async def test_operation_choice_and_get_are_decided_as_the_whole_way(
    client: httpx.AsyncClient, lane: prepared.PreparedDocuments
) -> None:
    auth = {"Authorization": f"Bearer {make_token()}"}
    both = "query A { __typename } mutation B { __typename }"
    for name in ("A", "A", None, None, "B", "Z"):
        await _both_ways(client, lane, {"query": both, "operationName": name}, **auth)
    answers = []
    for enabled in (False, True, True):
        lane.enabled = enabled
        for name in ("A", "B"):
            got = await client.get("/graphql", params={"query": both, "operationName": name}, headers=auth)
            answers.append((enabled, name, got.status_code, got.text))
    whole = [a[1:] for a in answers[:2]]
    assert [a[1:] for a in answers[2:4]] == whole
    assert [a[1:] for a in answers[4:]] == whole
    assert whole[0] == ("A", 200, '{"data":{"__typename":"Query"}}')
    assert whole[1][1] == 400  # a mutation by GET, however the query beside it was prepared
    taken = lane.taken
    unnamed = await client.post("/graphql", json={"query": both}, headers=auth)
    assert unnamed.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST", unnamed.text
    assert lane.taken == taken
