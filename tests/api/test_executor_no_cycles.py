"""A request's executor, and with it the context and everything the request read (the loaders' caches,
models, lists), is freed by reference counting when the request is done, not left in a reference cycle
for the collector (graphql-core's resolver helpers are bound through a weak proxy): the collector
found about 140 such objects per page and ran longer the more requests were in flight."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from test_executor_columns import world

from lianxin_api.executor import PlannedExecutor

from conftest import make_token

__all__ = ["world"]  # the fixture, imported for these tests

PAGE = """query($first: Int!) { households(first: $first) { edges { node { id archiveNo
  members { name relation idNumber } sponsorships { startedOn sponsor { name } } } } } }"""
SCREEN = """query($id: ID!) { node(id: $id) { ... on Household { id members { id name }
  incomes { kind memberId } latestDecision { outcome } } } }"""
FAILING = "query($id: ID!) { node(id: $id) { ... on Household { members { nope } } } }"


@pytest.fixture
def executors(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[weakref.ref[Any]]]:
    made: list[weakref.ref[Any]] = []
    init = PlannedExecutor.__init__

    def recording(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        made.append(weakref.ref(self))

    monkeypatch.setattr(PlannedExecutor, "__init__", recording)
    gc.collect()
    gc.disable()  # only reference counting frees anything from here on
    try:
        yield made
    finally:
        gc.enable()


async def test_a_request_leaves_nothing_for_the_cycle_collector(
    client: httpx.AsyncClient, world: dict[str, Any], executors: list[weakref.ref[Any]]
) -> None:
    auth = {"Authorization": f"Bearer {make_token()}"}
    for query, variables in ((PAGE, {"first": 3}), (SCREEN, {"id": world["ids"][0]}), (FAILING, {"id": "x"})):
        for _ in range(2):  # the whole way, then prepared
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=auth
            )
            assert response.status_code in (200, 400)
    assert executors  # (the executor did run)
    assert [ref() for ref in executors] == [None] * len(executors)
    resolved = (
        await client.post("/graphql", json={"query": PAGE, "variables": {"first": 2}}, headers=auth)
    ).json()
    assert resolved["data"]["households"]["edges"][0]["node"]["members"]  # (and still answers)
