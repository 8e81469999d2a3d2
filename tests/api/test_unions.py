"""Unions through real HTTP: the tree, keyset pages, and every refused input leaving nothing behind."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.core.ids import to_global_id
from lianxin.trade_union.models import UnionKind

from factories import make_union, row_counts

CREATE = """
mutation($input: CreateUnionInput!) {
  createUnion(input: $input) { union { id name kind regionCode parent { name } } errors { field code message } }
}"""

UNIONS = """
query($first: Int, $after: String, $parent: ID) {
  unions(first: $first, after: $after, parent: $parent) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name kind } }
  }
}"""


def gid(pk: int) -> str:
    return to_global_id("TradeUnion", pk)


async def test_create_union_tree_and_read_it_back(gql: Any, pool: Any) -> None:
    root = await gql(
        CREATE, {"input": {"name": "威海市总工会", "kind": "FEDERATION", "regionCode": "371000"}}
    )
    root_id = root["createUnion"]["union"]["id"]
    child = await gql(
        CREATE,
        {
            "input": {
                "name": "环翠区总工会",
                "kind": "DISTRICT_FEDERATION",
                "regionCode": "371002",
                "parentId": root_id,
            }
        },
    )
    assert child["createUnion"] == {
        "union": {
            "id": child["createUnion"]["union"]["id"],
            "name": "环翠区总工会",
            "kind": "DISTRICT_FEDERATION",
            "regionCode": "371002",
            "parent": {"name": "威海市总工会"},
        },
        "errors": [],
    }
    tree = await gql(
        "query($id: ID!) { node(id: $id) { ... on TradeUnion { name children { name parent { name } } } } }",
        {"id": root_id},
    )
    assert tree["node"] == {
        "name": "威海市总工会",
        "children": [{"name": "环翠区总工会", "parent": {"name": "威海市总工会"}}],
    }
    async with pool.acquire() as conn:
        events = await conn.fetch("SELECT type FROM event ORDER BY id")
    assert [e["type"] for e in events] == ["union.created", "union.created"]


async def test_keyset_pages_cover_every_union_once(gql: Any, pool: Any) -> None:
    root = await make_union(pool, name="市总")
    for i in range(7):
        await make_union(
            pool, name=f"基层{i}", kind=UnionKind.GRASSROOTS, region_code="371002", parent_id=root.id
        )
    seen: list[str] = []
    after = None
    while True:
        data = (await gql(UNIONS, {"first": 3, "after": after}))["unions"]
        assert data["totalCount"] == 8
        seen += [e["node"]["name"] for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert seen == ["市总"] + [f"基层{i}" for i in range(7)]
    children = (await gql(UNIONS, {"first": 100, "parent": gid(root.id)}))["unions"]
    assert children["totalCount"] == 7
    assert len(children["edges"]) == 7


@pytest.mark.parametrize(
    ("first", "after", "code"),
    [(101, None, "INVALID_PAGE_SIZE"), (-1, None, "INVALID_PAGE_SIZE"), (10, "bm9wZQ", "INVALID_CURSOR")],
)
async def test_bad_page_arguments_are_refused(gql: Any, first: int, after: str | None, code: str) -> None:
    body = await gql.raw(UNIONS, {"first": first, "after": after})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == code


async def _refused(gql: Any, pool: Any, input_: dict[str, Any]) -> list[dict[str, Any]]:
    before = await row_counts(pool, "trade_union", "event", "job_outbox")
    data = await gql(CREATE, {"input": input_})
    assert data["createUnion"]["union"] is None
    assert await row_counts(pool, "trade_union", "event", "job_outbox") == before
    errors: list[dict[str, Any]] = data["createUnion"]["errors"]
    return errors


async def test_refusals_have_clear_codes_and_write_nothing(gql: Any, pool: Any) -> None:
    root = await make_union(pool, name="威海市总工会")
    await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    cases = [
        ({"name": "x", "kind": "FEDERATION", "regionCode": "37100"}, "INVALID_REGION_CODE", ["regionCode"]),
        ({"name": "x", "kind": "FEDERATION", "regionCode": "991000"}, "INVALID_REGION_CODE", ["regionCode"]),
        (
            {"name": "x", "kind": "GRASSROOTS", "regionCode": "371002", "parentId": gid(999)},
            "PARENT_NOT_FOUND",
            ["parentId"],
        ),
        ({"name": "x", "kind": "GRASSROOTS", "regionCode": "371002"}, "PARENT_REQUIRED", ["parentId"]),
        (
            {
                "name": " 环翠区总工会 ",
                "kind": "DISTRICT_FEDERATION",
                "regionCode": "371002",
                "parentId": gid(root.id),
            },
            "DUPLICATE_NAME",
            ["name"],
        ),
        (
            {"name": "y", "kind": "DISTRICT_FEDERATION", "regionCode": "320100", "parentId": gid(root.id)},
            "REGION_OUTSIDE_PARENT",
            ["regionCode"],
        ),
        (
            {"name": "y", "kind": "FEDERATION", "regionCode": "371002", "parentId": gid(root.id)},
            "INVALID_KIND_FOR_PARENT",
            ["kind"],
        ),
        ({"name": "   ", "kind": "FEDERATION", "regionCode": "371000"}, "NAME_REQUIRED", ["name"]),
        (
            {"name": "x", "kind": "FEDERATION", "regionCode": "371000", "parentId": "garbage"},
            "INVALID_ID",
            ["parentId"],
        ),
    ]
    for input_, code, field in cases:
        errors = await _refused(gql, pool, input_)
        assert [(e["code"], e["field"]) for e in errors] == [(code, field)], input_
        assert errors[0]["message"]


async def test_moving_a_union_under_its_descendant_is_a_cycle(gql: Any, pool: Any) -> None:
    root = await make_union(pool, name="市总")
    a = await make_union(pool, name="产业A", kind=UnionKind.INDUSTRY, region_code="371000", parent_id=root.id)
    b = await make_union(pool, name="产业B", kind=UnionKind.INDUSTRY, region_code="371000", parent_id=root.id)
    leaf = await make_union(
        pool, name="基层", kind=UnionKind.GRASSROOTS, region_code="371002", parent_id=a.id
    )
    update = """mutation($input: UpdateUnionInput!) {
      updateUnion(input: $input) { union { name parent { name } } errors { code field } } }"""
    cycle = await gql(update, {"input": {"id": gid(a.id), "parentId": gid(leaf.id)}})
    assert cycle["updateUnion"] == {"union": None, "errors": [{"code": "CYCLE", "field": ["parentId"]}]}
    itself = await gql(update, {"input": {"id": gid(a.id), "parentId": gid(a.id)}})
    assert itself["updateUnion"]["errors"] == [{"code": "CYCLE", "field": ["parentId"]}]
    # a legal move re-roots the whole subtree
    moved = await gql(update, {"input": {"id": gid(leaf.id), "parentId": gid(b.id), "name": "基层(迁)"}})
    assert moved["updateUnion"] == {"union": {"name": "基层(迁)", "parent": {"name": "产业B"}}, "errors": []}
    async with pool.acquire() as conn:
        path = await conn.fetchval("SELECT path FROM trade_union WHERE id = $1", leaf.id)
    assert path == [root.id, b.id, leaf.id]


async def test_only_admins_create_unions(gql: Any, pool: Any) -> None:
    from lianxin.core.tokens import Role

    from conftest import make_token

    body = await gql.raw(
        CREATE,
        {"input": {"name": "x", "kind": "FEDERATION", "regionCode": "371000"}},
        token=make_token(Role.SPONSOR),
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await row_counts(pool, "trade_union") == {"trade_union": 0}
