"""Pairing households with sponsors (结对帮扶): create, list, end; refusals write nothing."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.organization.models import OrganizationKind
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_organization, make_union, member_input, row_counts

PAIR = """mutation($input: CreateSponsorshipInput!) {
  createSponsorship(input: $input) { sponsorship { id active startedOn sponsor { name } household { archiveNo } }
    errors { code field message } } }"""
END = """mutation($input: EndSponsorshipInput!) {
  endSponsorship(input: $input) { sponsorship { active endedOn endReason } errors { code field } } }"""


@pytest.fixture
async def scene(gql: Any, pool: Any) -> dict[str, str]:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    sponsor = await make_organization(pool, name="威海城建集团有限公司", kind=OrganizationKind.SPONSOR)
    member_unit = await make_organization(pool, name="某会员单位", kind=OrganizationKind.MEMBER_UNIT)
    created = await gql(
        """mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) { household { id } errors { code } } }""",
        {
            "input": {
                "unionId": to_global_id("TradeUnion", district.id),
                "archiveNo": "WH2018000001",
                "level": "NATIONAL",
                "category": "DEEP",
                "hardshipReasons": ["ILLNESS"],
                "regionCode": "371002",
                "members": [member_input("HEAD")],
            }
        },
    )
    return {
        "household": created["createHousehold"]["household"]["id"],
        "sponsor": to_global_id("Organization", sponsor.id),
        "sponsor_pk": str(sponsor.id),
        "member_unit": to_global_id("Organization", member_unit.id),
    }


async def test_pair_list_and_end(gql: Any, scene: dict[str, str]) -> None:
    data = await gql(
        PAIR,
        {
            "input": {
                "householdId": scene["household"],
                "sponsorId": scene["sponsor"],
                "startedOn": "2018-03-01",
            }
        },
    )
    pairing = data["createSponsorship"]["sponsorship"]
    assert pairing["active"] is True
    assert pairing["sponsor"] == {"name": "威海城建集团有限公司"}
    assert pairing["household"] == {"archiveNo": "WH2018000001"}
    listed = await gql("{ sponsorships(active: true) { totalCount edges { node { startedOn } } } }")
    assert listed["sponsorships"] == {"totalCount": 1, "edges": [{"node": {"startedOn": "2018-03-01"}}]}
    early = await gql(END, {"input": {"id": pairing["id"], "endedOn": "2017-01-01", "reason": "x"}})
    assert early["endSponsorship"]["errors"] == [{"code": "END_BEFORE_START", "field": ["endedOn"]}]
    ended = await gql(END, {"input": {"id": pairing["id"], "endedOn": "2020-12-31", "reason": "脱困"}})
    assert ended["endSponsorship"]["sponsorship"] == {
        "active": False,
        "endedOn": "2020-12-31",
        "endReason": "脱困",
    }
    assert (await gql("{ sponsorships(active: true) { totalCount } }"))["sponsorships"]["totalCount"] == 0
    again = await gql(END, {"input": {"id": pairing["id"], "endedOn": "2021-01-01", "reason": "again"}})
    assert again["endSponsorship"]["errors"] == [{"code": "ALREADY_ENDED", "field": ["id"]}]


async def test_refusals_write_nothing(gql: Any, pool: Any, scene: dict[str, str]) -> None:
    ok = {"householdId": scene["household"], "sponsorId": scene["sponsor"], "startedOn": "2018-03-01"}
    await gql(PAIR, {"input": ok})
    before = await row_counts(pool, "sponsorship", "event")
    cases = [
        ({**ok}, "DUPLICATE_SPONSORSHIP", ["sponsorId"]),
        ({**ok, "sponsorId": scene["member_unit"]}, "NOT_A_SPONSOR", ["sponsorId"]),
        ({**ok, "sponsorId": to_global_id("Organization", 999)}, "SPONSOR_NOT_FOUND", ["sponsorId"]),
        ({**ok, "householdId": to_global_id("Household", 999)}, "HOUSEHOLD_NOT_FOUND", ["householdId"]),
        ({**ok, "startedOn": "2099-01-01"}, "DUPLICATE_SPONSORSHIP", ["sponsorId"]),
        ({**ok, "householdId": "bad"}, "INVALID_ID", ["householdId"]),
    ]
    for input_, code, field in cases:
        errors = (await gql(PAIR, {"input": input_}))["createSponsorship"]["errors"]
        assert (code, field) in [(e["code"], e["field"]) for e in errors], (input_, errors)
    assert await row_counts(pool, "sponsorship", "event") == before


async def test_a_sponsor_sees_its_own_pairings_without_id_numbers(gql: Any, scene: dict[str, str]) -> None:
    await gql(
        PAIR,
        {
            "input": {
                "householdId": scene["household"],
                "sponsorId": scene["sponsor"],
                "startedOn": "2018-03-01",
            }
        },
    )
    mine = make_token(Role.SPONSOR, sponsor_id=int(scene["sponsor_pk"]))
    other = make_token(Role.SPONSOR, sponsor_id=int(scene["sponsor_pk"]) + 100)
    query = (
        "{ sponsorships { totalCount edges { node { household { members { idNumber } contactPhone } } } } }"
    )
    seen = (await gql(query, token=mine))["sponsorships"]
    assert seen["totalCount"] == 1
    assert seen["edges"][0]["node"]["household"] == {"members": [{"idNumber": None}], "contactPhone": None}
    assert (await gql(query, token=other))["sponsorships"]["totalCount"] == 0
