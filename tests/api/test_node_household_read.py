"""Issue 12: `node(id:)` of a household reads its row on the request's connection directly (one key, no
loader batch) and primes `household_by_id`: one statement for the row however often the request names
it, the visibility decision unchanged (an out-of-scope household answers as a missing one)."""

from __future__ import annotations

from typing import Any

import httpx

from lianxin.core.db import Pool
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_household, make_union


async def _post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str
) -> tuple[int, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    return int(response.headers["x-sql-statements"]), response.json()


async def test_a_households_row_is_read_once_per_request(client: httpx.AsyncClient, pool: Pool) -> None:
    union = await make_union(pool)
    household = to_global_id("Household", await make_household(pool, union.id))
    one = "query($id: ID!) { node(id: $id) { ... on Household { id archiveNo } } }"
    two = """query($id: ID!) { a: node(id: $id) { ... on Household { id archiveNo } }
      b: node(id: $id) { ... on Household { archiveNo status } } }"""
    n_one, body_one = await _post(client, one, {"id": household}, make_token())
    n_two, body_two = await _post(client, two, {"id": household}, make_token())
    assert "errors" not in body_one, body_one
    assert "errors" not in body_two, body_two
    assert body_one["data"]["node"]["id"] == household
    assert body_two["data"]["a"]["archiveNo"] == body_two["data"]["b"]["archiveNo"]
    assert n_one == 1  # the row; no list selected, nothing prefetched
    assert n_two == 1  # the second `node` answered from the primed loader
    missing = to_global_id("Household", 10**9)
    n_missing, body_missing = await _post(client, one, {"id": missing}, make_token())
    assert body_missing == {"data": {"node": None}}
    assert n_missing == 1


async def test_an_out_of_scope_household_answers_as_a_missing_one(
    client: httpx.AsyncClient, pool: Pool
) -> None:
    root = await make_union(pool, name="威海市总工会")
    mine = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    other = await make_union(
        pool, name="文登区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371003", parent_id=root.id
    )
    seen = to_global_id("Household", await make_household(pool, mine.id))
    unseen = to_global_id("Household", await make_household(pool, other.id, region_code="371003"))
    missing = to_global_id("Household", 10**9)
    staff = make_token(Role.UNION_STAFF, union_id=mine.id)
    query = """query($id: ID!) { node(id: $id) { ... on Household { id archiveNo
      members { name } sponsorships { active } } } }"""
    _, body_seen = await _post(client, query, {"id": seen}, staff)
    assert body_seen["data"]["node"]["id"] == seen
    _, body_unseen = await _post(client, query, {"id": unseen}, staff)
    _, body_missing = await _post(client, query, {"id": missing}, staff)
    assert body_unseen == body_missing == {"data": {"node": None}}
    # and the admin sees it
    _, body_admin = await _post(client, query, {"id": unseen}, make_token())
    assert body_admin["data"]["node"]["id"] == unseen
