"""Issue 11, *sponsors over-read*: a SPONSOR read `Household.statusReason` (caseworkers write illness and
income there), health-related `hardshipReasons` and members' birth dates (with region and sex, ~500
candidate ID numbers). The registry's field rules (`lianxin.access.fields`) now hide them from sponsors,
through every path a sponsor reaches its paired household by; union staff still read them whole."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.organization.models import OrganizationKind
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_organization, make_union, member_input

REASON = "户主肝癌晚期，化疗中；妻子失业，月收入不足800元"
FIELDS = (
    "statusReason hardshipReasons contactPhone incomes { kind } expenditures { kind } "
    "members { birthDate birthYear health idNumber }"
)


@pytest.fixture
async def paired(gql: Any, pool: Any) -> dict[str, Any]:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    sponsor = await make_organization(pool, name="威海城建集团有限公司", kind=OrganizationKind.SPONSOR)
    created = await gql(
        "mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) { household { id } } }",
        {
            "input": {
                "unionId": to_global_id("TradeUnion", district.id),
                "archiveNo": "WH2018000001",
                "level": "NATIONAL",
                "category": "DEEP",
                "hardshipReasons": ["ILLNESS", "EDUCATION", "DISABILITY", "UNEMPLOYMENT", "ACCIDENT"],
                "regionCode": "371002",
                "contactName": "王敏",
                "contactPhone": "13812345678",
                "members": [
                    member_input("HEAD", "19770315", birthDate="1977-03-15", health="CRITICAL_ILLNESS")
                ],
            }
        },
    )
    household = created["createHousehold"]["household"]["id"]
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE household SET status_reason = $1 WHERE archive_no = 'WH2018000001'", REASON
        )
    await gql(
        "mutation($input: CreateSponsorshipInput!) { createSponsorship(input: $input) { errors { code } } }",
        {
            "input": {
                "householdId": household,
                "sponsorId": to_global_id("Organization", sponsor.id),
                "startedOn": "2018-03-01",
            }
        },
    )
    return {
        "household": household,
        "sponsor": make_token(Role.SPONSOR, sponsor_id=sponsor.id),
        "staff": make_token(Role.UNION_STAFF, union_id=district.id),
    }


async def _through(gql: Any, path: str, household: str, token: str) -> dict[str, Any]:
    if path == "node":
        data = await gql(f'{{ node(id: "{household}") {{ ... on Household {{ {FIELDS} }} }} }}', token=token)
        return dict(data["node"])
    data = await gql(
        f"{{ sponsorships(first: 5) {{ edges {{ node {{ household {{ {FIELDS} }} }} }} }} }}", token=token
    )
    [edge] = data["sponsorships"]["edges"]
    return dict(edge["node"]["household"])


@pytest.mark.parametrize("path", ["node", "sponsorships"])
async def test_a_sponsor_reads_no_health_income_or_identity_of_its_paired_household(
    gql: Any, paired: dict[str, Any], path: str
) -> None:
    seen = await _through(gql, path, paired["household"], paired["sponsor"])
    assert seen == {
        "statusReason": None,
        # ILLNESS, DISABILITY and ACCIDENT are health detail; schooling and unemployment are not
        "hardshipReasons": ["EDUCATION", "UNEMPLOYMENT"],
        "contactPhone": None,
        "incomes": [],
        "expenditures": [],
        "members": [{"birthDate": None, "birthYear": 1977, "health": None, "idNumber": None}],
    }


async def test_union_staff_still_read_the_case_whole(gql: Any, paired: dict[str, Any]) -> None:
    seen = await _through(gql, "node", paired["household"], paired["staff"])
    assert seen["statusReason"] == REASON
    assert seen["hardshipReasons"] == ["ILLNESS", "EDUCATION", "DISABILITY", "UNEMPLOYMENT", "ACCIDENT"]
    [member] = seen["members"]
    assert (member["birthDate"], member["birthYear"], member["health"]) == (
        "1977-03-15",
        1977,
        "CRITICAL_ILLNESS",
    )
    assert member["idNumber"] is not None
