"""`last`/`before` on every connection (issue 15): paging backward over a list gives the same items as
paging forward, `pageInfo` is right at both ends, the caller's scope still applies, and mixing the two
directions is refused with a clear code."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.core.tokens import Role

from conftest import GraphQLClient
from scope_world import World, api_fixture, scope_world_fixture  # noqa: F401 - registers the fixtures

pytestmark = pytest.mark.no_db

PAGE = "totalCount edges { cursor } pageInfo { hasNextPage endCursor hasPreviousPage startCursor }"
# every root connection; `$d` is the as-of day of the casework lists
LISTS = [
    "households",
    "unions",
    "organizations",
    "sponsorships",
    "referrals",
    "cooperatives",
    "overdueVisits",
    "leavingHardshipSuggestions",
    "aidDisbursements",
    "mutualAidClaims",
    "webhookDeliveries",
    "auditLog",
    "reminders",
]


async def _page(api: GraphQLClient, field: str, args: str, token: str, variables: dict[str, Any]) -> Any:
    declared = "($c: String, $n: Int)" if "$" in args else ""
    data = await api(f"query{declared} {{ page: {field}({args}) {{ {PAGE} }} }}", variables, token)
    return data["page"]


async def walk(api: GraphQLClient, field: str, token: str, *, backward: bool, size: int = 1) -> list[str]:
    """Every cursor of the list, in list order, read `size` at a time in one direction."""
    args = "last: $n, before: $c" if backward else "first: $n, after: $c"
    seen: list[list[str]] = []
    cursor: str | None = None
    while True:
        page = await _page(api, field, args, token, {"c": cursor, "n": size})
        info, cursors = page["pageInfo"], [e["cursor"] for e in page["edges"]]
        assert len(cursors) <= size
        assert info["startCursor"] == (cursors[0] if cursors else None)
        assert info["endCursor"] == (cursors[-1] if cursors else None)
        if cursor is None:  # the first page read: nothing lies beyond the end it starts from
            assert not (info["hasNextPage"] if backward else info["hasPreviousPage"]), (field, page)
        else:
            assert info["hasNextPage"] if backward else info["hasPreviousPage"], (field, page)
        seen.append(cursors)
        more = info["hasPreviousPage"] if backward else info["hasNextPage"]
        if not more:
            break
        cursor = info["startCursor"] if backward else info["endCursor"]
        assert len(seen) < 50, "paging does not end"
    return [c for chunk in (reversed(seen) if backward else seen) for c in chunk]


@pytest.mark.parametrize("field", LISTS)
async def test_backward_pages_give_the_forward_items(
    api: GraphQLClient, scope_world: World, field: str
) -> None:
    token = scope_world.tokens[Role.ADMIN]
    everything = await _page(api, field, "first: 100", token, {})
    expected = [e["cursor"] for e in everything["edges"]]
    forward = await walk(api, field, token, backward=False)
    backward = await walk(api, field, token, backward=True)
    assert forward == expected
    assert backward == expected, field
    assert await walk(api, field, token, backward=True, size=2) == expected
    last = await _page(api, field, "last: 1", token, {})
    assert [e["cursor"] for e in last["edges"]] == expected[-1:]
    assert last["pageInfo"]["hasPreviousPage"] == (len(expected) > 1)
    assert last["totalCount"] == everything["totalCount"]


async def test_lists_used_here_are_not_empty(api: GraphQLClient, scope_world: World) -> None:
    """The comparison above means something only over lists with more than one item."""
    token = scope_world.tokens[Role.ADMIN]
    for field in ["households", "unions", "organizations", "sponsorships", "auditLog", "reminders"]:
        page = await _page(api, field, "first: 100", token, {})
        assert len(page["edges"]) > 1, field


async def test_staff_page_backward_only_through_their_subtree(api: GraphQLClient, scope_world: World) -> None:
    staff = scope_world.tokens[Role.UNION_STAFF]
    for field in ["households", "unions", "organizations", "sponsorships"]:
        forward = await walk(api, field, staff, backward=False)
        assert await walk(api, field, staff, backward=True) == forward
    query = "{ households(last: 100) { edges { node { id } } } }"
    data = await api(query, token=staff)
    assert {e["node"]["id"] for e in data["households"]["edges"]} == {scope_world.ids["Household"]["A"]}


async def test_nested_connection_pages_backward(api: GraphQLClient, scope_world: World) -> None:
    query = """query($id: ID!, $n: Int) { node(id: $id) { ... on TradeUnion {
      households(last: $n) { edges { node { id } } pageInfo { hasPreviousPage hasNextPage } } } } }"""
    union_id = scope_world.ids["TradeUnion"]["A"]
    data = await api(query, {"id": union_id, "n": 1})
    page = data["node"]["households"]
    assert [e["node"]["id"] for e in page["edges"]] == [scope_world.ids["Household"]["A"]]
    assert page["pageInfo"] == {"hasPreviousPage": False, "hasNextPage": False}


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ("first: 1, last: 1", "INVALID_PAGINATION"),
        ('last: 1, after: "x"', "INVALID_PAGINATION"),
        ('first: 1, before: "x"', "INVALID_PAGINATION"),
        ("last: 101", "INVALID_PAGE_SIZE"),
        ("last: -1", "INVALID_PAGE_SIZE"),
    ],
)
async def test_mixed_or_oversized_requests_are_refused(
    api: GraphQLClient, scope_world: World, args: str, code: str
) -> None:
    body = await api.raw(f"{{ households({args}) {{ totalCount }} }}")
    [error] = body["errors"]
    assert error["extensions"]["code"] == code, error
