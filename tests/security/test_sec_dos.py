"""Issue 11, anonymous denial of service: a sub-1 KB document of fragments, each spreading the one
below twice, made the depth and alias limiters and the cost estimate walk 2ⁿ selections on the event
loop (seconds anonymously, minutes with a token) while `/healthz` waited.

Now an anonymous caller is refused before parsing, every limit measures a fragment once, and
validation runs off the event loop within a budget."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from lianxin_api.cost import MAX_COST, estimate_cost
from lianxin_api.limits import MAX_QUERY_CHARS, VALIDATION_BUDGET_SECONDS, document_limits
from lianxin_api.schema import schema

from conftest import make_token


def fragment_bomb(levels: int = 24) -> str:
    fragments = ["fragment F0 on Node{id}"]
    fragments += [f"fragment F{i} on Node{{...F{i - 1}...F{i - 1}}}" for i in range(1, levels + 1)]
    return f"query{{unions(first:1){{edges{{node{{...F{levels}}}}}}}}}" + " ".join(fragments)


def overlap_tree(levels: int = 9) -> str:
    """Valid, 4,000 tokens, no fragment: `parent` twice at every level. graphql-core's
    OverlappingFieldsCanBeMergedRule compares same-named fields pairwise, recursively: seconds."""

    def tree(level: int) -> str:
        return "name" if level == 0 else " ".join(f"parent {{ {tree(level - 1)} }}" for _ in range(2))

    return f"{{ unions(first: 1) {{ edges {{ node {{ {tree(levels)} }} }} }} }}"


BOMB = fragment_bomb()
ADMIN = {"Authorization": f"Bearer {make_token()}"}


@pytest.mark.no_db
def test_the_bomb_is_under_one_kilobyte() -> None:
    assert len(BOMB.encode()) < 1024


@pytest.mark.timeout(20)
async def test_an_anonymous_bomb_is_refused_unauthenticated_without_validation(client: Any) -> None:
    started = time.perf_counter()
    response = await client.post("/graphql", json={"query": BOMB})
    elapsed = time.perf_counter() - started
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert elapsed < 1.0


@pytest.mark.timeout(20)
async def test_an_anonymous_malformed_document_is_refused_unauthenticated_too(client: Any) -> None:
    # nothing is parsed for a caller without a credential: a syntax error is not reported to them
    body = (await client.post("/graphql", json={"query": "{ unions(" * 2000})).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


@pytest.mark.timeout(20)
@pytest.mark.parametrize("levels", [24, 30])
async def test_an_authenticated_bomb_is_refused_with_a_code_quickly(client: Any, levels: int) -> None:
    started = time.perf_counter()
    response = await client.post("/graphql", json={"query": fragment_bomb(levels)}, headers=ADMIN)
    elapsed = time.perf_counter() - started
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COMPLEX"]
    assert elapsed < 1.0


@pytest.mark.timeout(30)
async def test_healthz_answers_while_a_bomb_is_processed(client: Any) -> None:
    async def bomb(query: str) -> dict[str, Any]:
        response = await client.post("/graphql", json={"query": query}, headers=ADMIN)
        return dict(response.json())

    # the overlap tree keeps a validation thread busy for the whole budget; the bombs are refused at once
    slow = asyncio.create_task(bomb(overlap_tree()))
    bombs = [asyncio.create_task(bomb(fragment_bomb(24 + i))) for i in range(4)]
    await asyncio.sleep(0.05)
    latencies = []
    while not slow.done():
        started = time.perf_counter()
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.02)
    assert latencies
    assert max(latencies) < 0.5, latencies
    refused = await slow
    assert refused["data"] is None
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["QUERY_TOO_COMPLEX"]
    for task in bombs:
        assert (await task)["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


@pytest.mark.timeout(20)
async def test_validation_is_stopped_at_its_budget(client: Any) -> None:
    started = time.perf_counter()
    body = (await client.post("/graphql", json={"query": overlap_tree()}, headers=ADMIN)).json()
    elapsed = time.perf_counter() - started
    [error] = body["errors"]
    assert error["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": "validationSeconds",
        "budgetSeconds": VALIDATION_BUDGET_SECONDS,
    }
    assert elapsed < VALIDATION_BUDGET_SECONDS + 1.0


async def test_an_overlong_document_is_refused_before_parsing(client: Any) -> None:
    query = "{ __typename }" + " " * MAX_QUERY_CHARS
    body = (await client.post("/graphql", json={"query": query}, headers=ADMIN)).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COMPLEX"]


async def test_a_fragment_used_many_times_within_limits_still_runs(client: Any) -> None:
    query = (
        "query { a: unions(first: 1) { ...U } b: unions(first: 2) { ...U } }"
        " fragment U on TradeUnionConnection { totalCount edges { node { ...N } } }"
        " fragment N on TradeUnion { id name parent { id name } }"
    )
    body = (await client.post("/graphql", json={"query": query}, headers=ADMIN)).json()
    assert body == {"data": {"a": {"totalCount": 0, "edges": []}, "b": {"totalCount": 0, "edges": []}}}


@pytest.mark.no_db
@pytest.mark.timeout(10)
def test_limits_and_cost_measure_each_fragment_once() -> None:
    document = parse(fragment_bomb(200), max_tokens=5000)
    started = time.perf_counter()
    [error] = document_limits(document)
    assert error.extensions == {"code": "QUERY_TOO_COMPLEX", "limit": "selections", "maxSelections": 10_000}
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    assert estimate_cost(schema._schema, operation, fragments, {}) > MAX_COST
    assert time.perf_counter() - started < 0.5
