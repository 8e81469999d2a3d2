"""Review of the executor3 branch (partial models, prefetches, per-request getters).

A page or `node(id:)` of households reads its members with the selected columns only and primes the
request's `members_by_household` loader with those partial members; a household reached another way
in the same request (a pairing's, a decision's household) reads its members through that loader and
must still answer every member field, as with whole rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lianxin.core.db import Pool
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role

from conftest import make_token
from factories import make_organization, make_sponsorship, make_union, member_input

CREATE = """mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) {
  household { id } errors { code message } } }"""
INNER = "members { name relation sex employment birthDate health idNumber }"


@pytest.fixture
async def paired(gql: Any, pool: Pool) -> str:
    union = await make_union(pool, name="审查总工会")
    sponsor = await make_organization(pool)
    data = await gql(
        CREATE,
        {
            "input": {
                "unionId": to_global_id("TradeUnion", union.id),
                "archiveNo": "REV3-0001",
                "level": "NATIONAL",
                "category": "DEEP",
                "hardshipReasons": ["ILLNESS"],
                "regionCode": "371002",
                "members": [member_input("HEAD", "19770315", birthDate="1977-03-15")],
            }
        },
    )
    assert data["createHousehold"]["errors"] == [], data
    async with pool.acquire() as conn:
        hid = await conn.fetchval("SELECT id FROM household WHERE archive_no = 'REV3-0001'")
    await make_sponsorship(pool, hid, sponsor.id, date(2024, 3, 1))
    household_id: str = data["createHousehold"]["household"]["id"]
    return household_id


async def _whole(gql: Any, household: str) -> list[dict[str, Any]]:
    data = await gql(f'{{ node(id: "{household}") {{ ... on Household {{ {INNER} }} }} }}')
    members: list[dict[str, Any]] = data["node"]["members"]
    assert members
    assert members[0]["idNumber"]
    return members


async def test_a_pages_partial_members_do_not_answer_another_path(gql: Any, paired: str) -> None:
    whole = await _whole(gql, paired)
    body = await gql.raw(
        f"""{{ households(first: 10) {{ edges {{ node {{ members {{ name }}
              sponsorships {{ household {{ {INNER} }} }} }} }} }} }}"""
    )
    assert "errors" not in body, body["errors"]
    node = body["data"]["households"]["edges"][0]["node"]
    assert node["sponsorships"][0]["household"]["members"] == whole


async def test_a_nodes_partial_members_do_not_answer_another_path(gql: Any, paired: str) -> None:
    whole = await _whole(gql, paired)
    body = await gql.raw(
        f"""{{ node(id: "{paired}") {{ ... on Household {{ members {{ name }}
              sponsorships {{ household {{ {INNER} }} }} }} }} }}"""
    )
    assert "errors" not in body, body["errors"]
    assert body["data"]["node"]["sponsorships"][0]["household"]["members"] == whole


# The paths this branch gave partial members (a union's page, node(id:)): a full ID number is still
# logged, a masked one and a sponsor's hidden fields still are, and nothing is logged for them.


async def _logged(pool: Pool) -> list[tuple[str, list[int]]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT actor_role, member_ids FROM access_log ORDER BY id")
    return [(r["actor_role"], list(r["member_ids"])) for r in rows]


async def _member_pks(pool: Pool) -> list[int]:
    async with pool.acquire() as conn:
        return [r["id"] for r in await conn.fetch("SELECT id FROM member ORDER BY id")]


async def test_a_unions_page_and_node_log_full_id_numbers(gql: Any, pool: Pool, paired: str) -> None:
    async with pool.acquire() as conn:
        union = to_global_id("TradeUnion", await conn.fetchval("SELECT union_id FROM household"))
    by_union = f"""{{ node(id: "{union}") {{ ... on TradeUnion {{
        households(first: 5) {{ edges {{ node {{ members {{ idNumber }} }} }} }} }} }} }}"""
    data = await gql(by_union)
    [number] = [m["idNumber"] for m in data["node"]["households"]["edges"][0]["node"]["members"]]
    assert "*" not in number
    assert await _logged(pool) == [("ADMIN", await _member_pks(pool))]
    data = await gql(f'{{ node(id: "{paired}") {{ ... on Household {{ members {{ idNumber }} }} }} }}')
    assert data["node"]["members"][0]["idNumber"] == number
    assert len(await _logged(pool)) == 2


async def test_a_sponsor_reading_its_household_by_node_gets_no_detail(
    gql: Any, pool: Pool, paired: str
) -> None:
    async with pool.acquire() as conn:
        sponsor_id = await conn.fetchval("SELECT sponsor_id FROM sponsorship")
    token = make_token(Role.SPONSOR, sponsor_id=sponsor_id)
    data = await gql(
        f"""{{ node(id: "{paired}") {{ ... on Household {{ contactPhone contactPerson {{ phone }}
          members {{ name idNumber health birthDate }} incomes {{ kind }} expenditures {{ kind }}
          sponsorships {{ active }} latestDecision {{ id }} }} }} }}""",
        token=token,
    )
    node = data["node"]
    assert node is not None
    assert node["members"][0]["idNumber"] is None
    assert node["members"][0]["health"] is None
    assert node["members"][0]["birthDate"] is None
    assert (node["contactPhone"], node["incomes"], node["expenditures"], node["latestDecision"]) == (
        None,
        [],
        [],
        None,
    )
    assert node["sponsorships"] == [{"active": True}]
    assert await _logged(pool) == []
