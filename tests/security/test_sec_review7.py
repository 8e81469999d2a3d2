"""Review of the per-page objects (`HouseholdPrefetch.member_types`, `.sponsorship_types`, one
Organization per sponsor): aliases of `members` and `sponsorships` on a page, read by each role, answer
the same masking and the same pairings on every alias as graphql-core does (the suite's differential
check), and a sponsor never reads another sponsor's pairing through the page's shared objects."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.organization.models import OrganizationKind
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_organization, make_sponsorship, make_union, member_input

PAGE = """{ households(first: 10) { edges { node { archiveNo
  a: members { name idNumber birthDate }
  b: members { idNumber health }
  sponsorships { sponsor { name } active }
  s2: sponsorships { id sponsor { id name } }
  ... on Household { sponsorships { startedOn } members { relation } }
} } } }"""


@pytest.fixture
async def page(gql: Any, pool: Any) -> dict[str, Any]:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    s1 = await make_organization(pool, name="一号爱心单位", kind=OrganizationKind.SPONSOR)
    s2 = await make_organization(pool, name="二号爱心单位", kind=OrganizationKind.SPONSOR)
    for n in range(3):
        await gql(
            "mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) { household { id } } }",
            {
                "input": {
                    "unionId": to_global_id("TradeUnion", district.id),
                    "archiveNo": f"WH201800000{n}",
                    "level": "NATIONAL",
                    "category": "DEEP",
                    "regionCode": "371002",
                    "hardshipReasons": ["ILLNESS"],
                    "members": [member_input("HEAD", "19770315"), member_input("SPOUSE", "19790101")],
                }
            },
        )
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT id, archive_no FROM household ORDER BY archive_no")
    hid = {r["archive_no"]: r["id"] for r in rows}
    day = datetime.date(2018, 3, 1)
    await make_sponsorship(pool, hid["WH2018000000"], s1.id, day)
    await make_sponsorship(pool, hid["WH2018000000"], s2.id, day)
    await make_sponsorship(pool, hid["WH2018000001"], s2.id, day)
    return {
        "ids": [to_global_id("Household", hid[f"WH201800000{n}"]) for n in range(3)],
        "union": to_global_id("TradeUnion", district.id),
        "admin": make_token(),
        "staff": make_token(Role.UNION_STAFF, union_id=district.id),
        "s1": make_token(Role.SPONSOR, sponsor_id=s1.id),
        "s2": make_token(Role.SPONSOR, sponsor_id=s2.id),
        "auditor": make_token(Role.AUDITOR),
    }


@pytest.mark.parametrize("who", ["admin", "staff", "s1", "s2", "auditor"])
async def test_aliases_of_a_pages_members_and_pairings_agree(
    gql: Any, page: dict[str, Any], who: str
) -> None:
    body = await gql.raw(PAGE, token=page[who])
    nodes = [e["node"] for e in ((body.get("data") or {}).get("households") or {"edges": []})["edges"]]
    for node in nodes:
        assert [m["idNumber"] for m in node["a"]] == [m["idNumber"] for m in node["b"]]
        names = [p["sponsor"]["name"] for p in node["sponsorships"]]
        assert names == [p["sponsor"]["name"] for p in node["s2"]]
        if who == "s1":
            assert set(names) <= {"一号爱心单位"}
        if who == "s2":
            assert set(names) <= {"二号爱心单位"}


NODE = """query($a: ID!, $b: ID!, $c: ID!) {
  a: node(id: $a) { ...H } b: node(id: $b) { ...H } c: node(id: $c) { ...H } again: node(id: $a) { ...H2 }
}
fragment H on Household { archiveNo
  members { name idNumber birthDate } m2: members { idNumber }
  sponsorships { id sponsor { name } } s2: sponsorships { sponsor { id name } active } }
fragment H2 on Household { sponsorships { startedOn sponsor { name } } members { health idNumber } }"""

UNION = """query($u: ID!) { node(id: $u) { ... on TradeUnion { households(first: 10) { edges { node {
  archiveNo members { idNumber } m2: members { name idNumber } sponsorships { id } } } } } } }"""


@pytest.mark.parametrize("who", ["admin", "staff", "s1", "s2", "auditor"])
async def test_aliases_through_node_and_a_unions_page_agree(gql: Any, page: dict[str, Any], who: str) -> None:
    a, b, c = page["ids"]
    body = await gql.raw(NODE, {"a": a, "b": b, "c": c}, token=page[who])
    data = body.get("data") or {}
    for key in ("a", "b", "c"):
        node = data.get(key)
        if not node:
            continue
        assert [m["idNumber"] for m in node["members"]] == [m["idNumber"] for m in node["m2"]]
        names = [p["sponsor"]["name"] for p in node["sponsorships"]]
        assert names == [p["sponsor"]["name"] for p in node["s2"]]
        if who == "s1":
            assert set(names) <= {"一号爱心单位"}
        if who == "s2":
            assert set(names) <= {"二号爱心单位"}
    if who in ("s1", "s2"):
        assert data.get("c") is None  # unpaired: reads like a missing household
    body = await gql.raw(UNION, {"u": page["union"]}, token=page[who])
    edges = (((body.get("data") or {}).get("node") or {}).get("households") or {"edges": []})["edges"]
    for edge in edges:
        node = edge["node"]
        assert [m["idNumber"] for m in node["members"]] == [m["idNumber"] for m in node["m2"]]
