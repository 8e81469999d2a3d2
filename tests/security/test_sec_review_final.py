"""Final review of issue 12's last commits: `Household.union` answered by a PLAIN_GETTER (decided once
per request) shows a household's union exactly when the caller may see that union by itself (what
`node(id:)` of the union answers: the old resolver's `visible(info, "TradeUnion", union)`), for every
role, on a page and through `node(id:)`, under aliases and next to each other in one document."""

from __future__ import annotations

from typing import Any

import pytest
from test_sec_prepared import production_with_a_broken_read
from test_sec_review7 import page

from lianxin.core.tokens import Role

from conftest import make_token

__all__ = ["page"]  # the fixture, imported for these tests

PAGE = """{ households(first: 10) { edges { node { archiveNo
  union { id name } u2: union { name } ...on Household { u3: union { id } } } } } }"""
NODE = """query($a: ID!) { node(id: $a) { ... on Household { archiveNo union { id name } u2: union { name }
  u3: union { id } } } }"""
BOTH = """query($a: ID!) {
  households(first: 10) { edges { node { archiveNo union { id name } } } }
  first: node(id: $a) { ... on Household { archiveNo union { id name } } }
  again: node(id: $a) { ... on Household { u2: union { name } } }
}"""
UNION = "query($u: ID!) { node(id: $u) { ... on TradeUnion { id name } } }"


def _expected(union: dict[str, Any] | None) -> dict[str, Any]:
    if union is None:
        return {"union": None, "u2": None, "u3": None}
    return {"union": union, "u2": {"name": union["name"]}, "u3": {"id": union["id"]}}


@pytest.mark.parametrize(
    "who", ["admin", "auditor", "staff", "staff_root", "staff_other", "civil", "civil_other", "s1", "s2"]
)
async def test_a_households_union_is_shown_exactly_when_the_caller_sees_the_union(
    gql: Any, page: dict[str, Any], pool: Any, who: str
) -> None:
    from factories import make_union

    async with pool.acquire() as conn:
        root_id = await conn.fetchval("SELECT id FROM trade_union WHERE name = '威海市总工会'")
    other = await make_union(pool, name="烟台市总工会")
    tokens = {
        **page,
        "staff_root": make_token(Role.UNION_STAFF, union_id=root_id),
        "staff_other": make_token(Role.UNION_STAFF, union_id=other.id),
        "civil": make_token(Role.CIVIL_AFFAIRS, region_code="371002"),
        "civil_other": make_token(Role.CIVIL_AFFAIRS, region_code="110000"),
    }
    token = tokens[who]
    # the oracle: the union read by itself, as the old resolver decided (`visible` of the union)
    alone = (await gql.raw(UNION, {"u": page["union"]}, token=token))["data"]["node"]
    expected = _expected(alone)
    assert (alone is not None) == (who in {"admin", "auditor", "staff", "staff_root"}), alone

    body = await gql.raw(PAGE, token=token)
    if body.get("data") is not None:
        nodes = [e["node"] for e in body["data"]["households"]["edges"]]
        for node in nodes:
            assert {k: node[k] for k in ("union", "u2", "u3")} == expected, (who, node)
    for hid in page["ids"]:
        node = (await gql.raw(NODE, {"a": hid}, token=token))["data"]["node"]
        if node is not None:
            assert {k: node[k] for k in ("union", "u2", "u3")} == expected, (who, node)
        both = await gql.raw(BOTH, {"a": hid}, token=token)
        data = both.get("data") or {}
        for edge in ((data.get("households") or {}).get("edges")) or []:
            assert edge["node"]["union"] == alone, (who, edge)
        if data.get("first") is not None:
            assert data["first"]["union"] == alone
            assert data["again"]["u2"] == expected["u2"]


# The prepared lane runs the operation stage (ErrorCodes, MaskErrors) after the execution and only
# for a result with errors: in production every kind of error answers, codes, masks and logs as the
# whole way does.
PRODUCTION_CASES: list[tuple[str, dict[str, Any]]] = [
    ("query A($n: Int!) { households(first: $n) { totalCount } }", {"n": "ten"}),  # variable coercion
    ("query A($n: Int!) { households(first: $n) { totalCount } }", {}),  # a missing non-null variable
    ("query A($n: Int!) { households(first: $n) { totalCount } }", {"n": 101}),  # a refused argument
    ("{ agencies { id } }", {}),  # an internal error: masked
    ("{ households(first: 2) { totalCount } agencies { id name } }", {}),  # data next to a masked error
    ("{ households(first: 2) { totalCount } }", {}),  # no error: no hook runs, the same answer
]


async def test_production_answers_and_logs_every_kind_of_error_the_same_through_the_lane(
    settings: Any, migrated: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    import httpx
    from asgi_lifespan import LifespanManager

    production, built = production_with_a_broken_read(settings, monkeypatch)
    auth = {"Authorization": f"Bearer {make_token()}"}

    def logged() -> list[tuple[str, str | None]]:
        records = [r for r in caplog.records if r.name == "strawberry.execution"]
        caplog.clear()
        return [(r.getMessage(), repr(r.exc_info[1]) if r.exc_info else None) for r in records]

    caplog.set_level(logging.ERROR, logger="strawberry.execution")
    async with LifespanManager(production) as manager:
        (documents,) = [b.prepared for b in built]
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            for query, variables in PRODUCTION_CASES:
                body = {"query": query, "variables": variables}
                documents.enabled = False
                caplog.clear()
                whole = await c.post("/graphql", json=body, headers=auth)
                whole_logs = logged()
                documents.enabled = True
                taken = documents.taken
                fast = await c.post("/graphql", json=body, headers=auth)
                fast_logs = logged()
                assert documents.taken == taken + 1, query
                assert (fast.status_code, fast.json()) == (whole.status_code, whole.json()), query
                assert fast_logs == whole_logs, query
                assert bool(whole_logs) == bool(whole.json().get("errors")), (query, whole_logs)
                assert "hunter2" not in fast.text
                for error in fast.json().get("errors") or ():
                    assert error["extensions"]["code"], error


# node(id:) of a household makes its lists into models only once the caller is found to see it: the
# same answers whether the row is read with the lists or is in the loader already (a page, an alias
# before it in the same document), and with no list selected at all.
H = """fragment H on Household { id archiveNo members { name idNumber } incomes { kind monthlyAmount }
  sponsorships { active sponsor { name } } latestDecision { outcome } union { name } }"""
ALONE = "query($a: ID!) { node(id: $a) { ...H } }\n" + H
AFTER_PAGE = (
    """query($a: ID!) { households(first: 10) { edges { node { id members { name } union { id } } } }
  x: node(id: $a) { ... on Household { id } } node(id: $a) { ...H } y: node(id: $a) { ...H } }
"""
    + H
)
BARE = "query($a: ID!) { node(id: $a) { id } t: node(id: $a) { __typename } }"


@pytest.mark.parametrize("who", ["admin", "staff", "s1", "s2", "auditor", "civil", "staff_other"])
async def test_a_households_node_answers_the_same_whether_its_row_was_read_before(
    gql: Any, page: dict[str, Any], pool: Any, who: str
) -> None:
    from factories import make_union

    other = await make_union(pool, name="烟台市总工会")
    tokens = {
        **page,
        "civil": make_token(Role.CIVIL_AFFAIRS, region_code="371002"),
        "staff_other": make_token(Role.UNION_STAFF, union_id=other.id),
    }
    token = tokens[who]
    for hid in page["ids"]:
        alone = (await gql.raw(ALONE, {"a": hid}, token=token))["data"]["node"]
        after = (await gql.raw(AFTER_PAGE, {"a": hid}, token=token)).get("data") or {}
        if "node" in after:  # (a sponsor may not list households: the whole answer is refused)
            assert after["node"] == alone == after["y"], (who, hid)
            assert after["x"] == ({"id": hid} if alone is not None else None)
        bare = (await gql.raw(BARE, {"a": hid}, token=token))["data"]
        assert bare == (
            {"node": {"id": hid}, "t": {"__typename": "Household"}}
            if alone is not None
            else {"node": None, "t": None}
        )
