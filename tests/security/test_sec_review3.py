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
