"""A generated role × field matrix for households and members: every leaf field of `Household` and
`Member`, for every role, is allowed (same value as ADMIN), masked, null, or denied, as DESIGN.md §7 says.
A SPONSOR reaches its paired household only through `sponsorships` and `node`, and never sees an ID
number, phone, birth date, health detail or the caseworker's free text there."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLObjectType, get_named_type, is_leaf_type

from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.household.resident_id import mask_resident_id
from lianxin.organization.models import OrganizationKind
from lianxin.trade_union.models import UnionKind
from lianxin_api.schema import schema

from conftest import make_token
from factories import make_organization, make_union, member_input


def _leaf_fields(type_name: str) -> list[str]:
    graphql_type = schema._schema.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    return sorted(
        name for name, f in graphql_type.fields.items() if not f.args and is_leaf_type(get_named_type(f.type))
    )


HOUSEHOLD_FIELDS = _leaf_fields("Household")
MEMBER_FIELDS = _leaf_fields("Member")

# (type, field) → what each role gets; any field not listed is ALLOW for every role that may read
FULL, MASK, NULL, NO_HEALTH = "full", "mask", "null", "no health reasons"
HEALTH_REASONS = {"ILLNESS", "DISABILITY", "ACCIDENT"}
SENSITIVE: dict[tuple[str, str], dict[Role, str]] = {
    ("Member", "idNumber"): {
        Role.ADMIN: FULL,
        Role.UNION_STAFF: FULL,
        Role.CIVIL_AFFAIRS: FULL,
        Role.AUDITOR: MASK,
        Role.SPONSOR: NULL,
    },
    ("Member", "health"): {r: (NULL if r is Role.SPONSOR else FULL) for r in Role},
    # with the region and sex, a birth date leaves ~500 candidate ID numbers; the year is enough
    ("Member", "birthDate"): {r: (NULL if r is Role.SPONSOR else FULL) for r in Role},
    # caseworkers write illness and income into the reason of a status change
    ("Household", "statusReason"): {r: (NULL if r is Role.SPONSOR else FULL) for r in Role},
    ("Household", "hardshipReasons"): {r: (NO_HEALTH if r is Role.SPONSOR else FULL) for r in Role},
    ("Household", "contactPhone"): {r: (NULL if r is Role.SPONSOR else FULL) for r in Role},
    # RULES.md v2: a member's injury in a major event is health detail
    ("Household", "majorEventCasualty"): {r: (NULL if r is Role.SPONSOR else FULL) for r in Role},
    # the contact card (连心牌) is printed by union staff only
    ("Household", "contactCardUrl"): {
        r: (FULL if r in (Role.ADMIN, Role.UNION_STAFF) else NULL) for r in Role
    },
}
LIST_READERS = {Role.ADMIN, Role.UNION_STAFF, Role.CIVIL_AFFAIRS, Role.AUDITOR}
CELLS = [("Household", f) for f in HOUSEHOLD_FIELDS] + [("Member", f) for f in MEMBER_FIELDS]


def _expected(role: Role, type_name: str, field: str) -> str:
    return SENSITIVE.get((type_name, field), {}).get(role, FULL)


def _selection(type_name: str, field: str) -> str:
    return field if type_name == "Household" else f"members {{ {field} }}"


def _values(type_name: str, field: str, household: dict[str, Any]) -> list[Any]:
    if type_name == "Household":
        return [household[field]]
    return [m[field] for m in household["members"]]


@pytest.fixture
async def scene(gql: Any, pool: Any) -> dict[str, Any]:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    sponsor = await make_organization(pool, name="威海城建集团有限公司", kind=OrganizationKind.SPONSOR)
    given = {
        "unionId": to_global_id("TradeUnion", district.id),
        "archiveNo": "WH2018000001",
        "level": "NATIONAL",
        "category": "DEEP",
        "hardshipReasons": ["ILLNESS", "EDUCATION"],
        "regionCode": "371002",
        "contactName": "王敏",
        "contactPhone": "13812345678",
        "members": [
            member_input("HEAD", "19770315", birthDate="1977-03-15", health="CRITICAL_ILLNESS"),
            member_input("CHILD", "20110901", health="CHRONIC_ILLNESS"),
        ],
    }
    created = await gql(
        "mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) { household { id } } }",
        {"input": given},
    )
    household_id = created["createHousehold"]["household"]["id"]
    async with pool.acquire() as conn:  # what a caseworker writes when the status changes
        await conn.execute(
            "UPDATE household SET status_reason = '户主肝癌晚期，月收入不足800元' WHERE archive_no = 'WH2018000001'"
        )
    await gql(
        "mutation($input: CreateSponsorshipInput!) { createSponsorship(input: $input) { errors { code } } }",
        {
            "input": {
                "householdId": household_id,
                "sponsorId": to_global_id("Organization", sponsor.id),
                "startedOn": "2018-03-01",
            }
        },
    )
    return {
        "household": household_id,
        "tokens": {
            Role.ADMIN: make_token(),
            Role.UNION_STAFF: make_token(Role.UNION_STAFF, union_id=district.id),
            Role.CIVIL_AFFAIRS: make_token(Role.CIVIL_AFFAIRS, region_code="371002", agency_id=1),
            Role.AUDITOR: make_token(Role.AUDITOR),
            Role.SPONSOR: make_token(Role.SPONSOR, sponsor_id=sponsor.id),
        },
    }


def _check(role: Role, type_name: str, field: str, got: list[Any], full: list[Any]) -> None:
    expected = _expected(role, type_name, field)
    if expected == FULL:
        assert got == full
    elif expected == NULL:
        assert got == [None] * len(full)
    elif expected == NO_HEALTH:
        assert got == [[r for r in v if r not in HEALTH_REASONS] for v in full]
        assert got != full
    else:
        assert got == [mask_resident_id(v) for v in full]
        assert all(g != v for g, v in zip(got, full, strict=True))


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
async def test_matrix_through_households(gql: Any, scene: dict[str, Any], role: Role) -> None:
    """One request per role with every leaf field; then every cell is checked against ADMIN's values."""
    fields = " ".join([*HOUSEHOLD_FIELDS, f"members {{ {' '.join(MEMBER_FIELDS)} }}"])
    query = f"{{ households(first: 10) {{ edges {{ node {{ {fields} }} }} }} }}"
    full = (await gql(query))["households"]["edges"][0]["node"]
    body = await gql.raw(query, token=scene["tokens"][role])
    if role not in LIST_READERS:
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
        return
    assert "errors" not in body, body["errors"]
    [edge] = body["data"]["households"]["edges"]
    for type_name, field in CELLS:
        _check(
            role, type_name, field, _values(type_name, field, edge["node"]), _values(type_name, field, full)
        )


@pytest.mark.parametrize(("type_name", "field"), CELLS, ids=[f"{t}.{f}" for t, f in CELLS])
@pytest.mark.parametrize("path", ["sponsorships", "node"])
async def test_sponsor_sees_its_pairing_without_sensitive_fields(
    gql: Any, scene: dict[str, Any], path: str, type_name: str, field: str
) -> None:
    selection = _selection(type_name, field)
    if path == "sponsorships":
        query = f"{{ sponsorships(first: 10) {{ edges {{ node {{ household {{ {selection} }} }} }} }} }}"
    else:
        query = f'{{ node(id: "{scene["household"]}") {{ ... on Household {{ {selection} }} }} }}'

    def household(data: dict[str, Any]) -> dict[str, Any]:
        if path == "sponsorships":
            [edge] = data["sponsorships"]["edges"]
            return dict(edge["node"]["household"])
        return dict(data["node"])

    full = _values(type_name, field, household(await gql(query)))
    got = _values(type_name, field, household(await gql(query, token=scene["tokens"][Role.SPONSOR])))
    _check(Role.SPONSOR, type_name, field, got, full)
    if (type_name, field) in SENSITIVE:
        assert all(v is not None for v in full)  # the ADMIN sees it: the scene really holds the data
