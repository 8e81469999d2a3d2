"""Issue 12: list pages read only the columns their selection needs (households, their members), as
partial models. Every field a page can select answers what the same field answers through `node`
(which reads whole rows), for each role that sees it differently; a partial model refuses to answer for
a column it was not read with."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lianxin.core.db import Pool
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.eligibility import DEMO_PARAMETERS
from lianxin.household import repository as repo
from lianxin.matching.service import decide_households
from lianxin.organization.models import OrganizationKind
from lianxin.trade_union.models import UnionKind
from lianxin_api.graphql.household.prefetch import HOUSEHOLD_FIELD_COLUMNS, MEMBER_FIELD_COLUMNS

from conftest import make_token
from factories import make_organization, make_sponsorship, make_union, member_input

# a selection for each field of the maps (objects and lists need one of their own)
SUB = {
    "statusHistory": "{ changedOn from to reason }",
    "contactPerson": "{ name phone }",
    "union": "{ id name }",
    "members": "{ id name }",
    "incomes": "{ kind monthlyAmount memberId }",
    "expenditures": "{ kind annualAmount }",
    "assets": "{ kind value count }",
    "sponsorships": "{ startedOn active sponsor { name } }",
    "latestDecision": "{ id outcome perCapitaIncome monthlyBenefit trace { rule passed value explanation } }",
    "decisions": "{ outcome }",
    "referrals": "{ id }",
    "visits": "{ id }",
}
CREATE = """mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) {
  household { id } errors { code message } } }"""


@pytest.fixture
async def world(gql: Any, pool: Pool) -> dict[str, Any]:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    sponsor = await make_organization(pool, kind=OrganizationKind.SPONSOR)
    ids = []
    for k in range(3):
        fields: dict[str, Any] = {
            "unionId": to_global_id("TradeUnion", district.id),
            "archiveNo": f"COL{k:04d}",
            "level": "NATIONAL",
            "category": "DEEP",
            "hardshipReasons": ["ILLNESS", "EDUCATION"],
            "regionCode": "371002",
            "members": [
                member_input("HEAD", "19770315", health="CRITICAL_ILLNESS", birthDate="1977-03-15"),
                member_input("CHILD", "20110901", employment="STUDENT"),
            ],
            "incomes": [{"kind": "WAGE", "monthlyAmount": "600.00", "memberIndex": 1}],
            "expenditures": [{"kind": "MEDICAL", "annualAmount": "18000.00"}],
            "assets": [{"kind": "DEPOSIT", "value": "5000.00"}],
        }
        if k:
            fields.update(contactName="王芳", contactPhone="13800000000", majorEventCasualty=k == 2)
        data = await gql(CREATE, {"input": fields})
        assert data["createHousehold"]["errors"] == [], data
        ids.append(data["createHousehold"]["household"]["id"])
        async with pool.acquire() as conn:
            hid = await conn.fetchval("SELECT id FROM household WHERE archive_no = $1", f"COL{k:04d}")
        await make_sponsorship(pool, hid, sponsor.id, date(2024, 3, 1))
    async with pool.acquire() as conn:  # decided as the worker would: latestDecision is no null
        await conn.execute(
            "INSERT INTO dibao_policy (region_code, effective_from, parameters) VALUES ('371000', '2020-01-01', $1)",
            dict(DEMO_PARAMETERS),
        )
        hids = [r["id"] for r in await conn.fetch("SELECT id FROM household ORDER BY id")]
        async with conn.transaction():
            await decide_households(conn, hids, as_of=date(2025, 6, 1))
    return {
        "ids": ids,
        "union": to_global_id("TradeUnion", district.id),
        "district": district.id,
        "sponsor": sponsor.id,
    }


def _tokens(world: dict[str, Any]) -> dict[str, str]:
    return {
        "ADMIN": make_token(),
        "SPONSOR": make_token(Role.SPONSOR, sponsor_id=world["sponsor"]),
        "CIVIL_AFFAIRS": make_token(Role.CIVIL_AFFAIRS, region_code="371000"),
        "UNION_STAFF": make_token(Role.UNION_STAFF, union_id=world["district"]),
    }


def _selection(field: str) -> str:
    return f"{field} {SUB.get(field, '')}"


async def _same_as_node(gql: Any, world: dict[str, Any], selection: str) -> None:
    lists = {
        "households": f"{{ households(first: 10) {{ edges {{ node {{ id {selection} }} }} }} }}",
        "union": f"""{{ node(id: "{world["union"]}") {{ ... on TradeUnion {{
          households(first: 10) {{ edges {{ node {{ id {selection} }} }} }} }} }} }}""",
    }
    for role, token in _tokens(world).items():
        by_node = {}
        for household in world["ids"]:
            body = await gql.raw(
                f'{{ node(id: "{household}") {{ ... on Household {{ id {selection} }} }} }}', token=token
            )
            assert "errors" not in body, (role, selection, body)
            if body["data"]["node"] is not None:
                by_node[household] = body["data"]["node"]
        for name, query in lists.items():
            body = await gql.raw(query, token=token)
            if role == "SPONSOR" and name == "households":
                assert body["data"] is None  # sponsors list no households: they read theirs by id
                continue
            assert "errors" not in body, (role, name, selection, body)
            root = body["data"]["households"] if name == "households" else body["data"]["node"]
            if root is None:
                continue
            nodes = (
                {e["node"]["id"]: e["node"] for e in root["households"]["edges"]}
                if name == "union"
                else {e["node"]["id"]: e["node"] for e in root["edges"]}
            )
            assert nodes, (role, name)
            assert nodes == {k: v for k, v in by_node.items() if k in nodes}, (role, name, selection)


async def test_every_household_field_a_page_reads_answers_as_a_whole_row(
    gql: Any, world: dict[str, Any]
) -> None:
    fields = [f for f in HOUSEHOLD_FIELD_COLUMNS if f != "__typename"]
    for field in fields:
        await _same_as_node(gql, world, _selection(field))
    await _same_as_node(gql, world, " ".join(_selection(f) for f in fields))


async def test_every_member_field_a_page_reads_answers_as_a_whole_row(
    gql: Any, world: dict[str, Any]
) -> None:
    for field in MEMBER_FIELD_COLUMNS:
        await _same_as_node(gql, world, f"members {{ {field} }} incomes {{ memberId }}")
    await _same_as_node(gql, world, f"members {{ {' '.join(MEMBER_FIELD_COLUMNS)} }}")


async def test_the_maps_name_fields_of_the_schema() -> None:
    from lianxin_api.schema import schema

    household = schema._schema.get_type("Household")
    member = schema._schema.get_type("Member")
    assert set(HOUSEHOLD_FIELD_COLUMNS) - {"__typename"} <= set(household.fields)  # type: ignore[union-attr]
    assert set(MEMBER_FIELD_COLUMNS) - {"__typename"} <= set(member.fields)  # type: ignore[union-attr]
    for columns in HOUSEHOLD_FIELD_COLUMNS.values():
        assert set(columns) <= set(repo.HOUSEHOLD_COLUMNS)
    for columns in MEMBER_FIELD_COLUMNS.values():
        assert set(columns) <= set(repo.MEMBER_COLUMNS)


async def test_a_narrowed_read_builds_partial_models(pool: Pool, world: dict[str, Any]) -> None:
    async with pool.acquire() as conn:
        full = await repo.list_households_page(conn, None, None, None, 0, 10)
        some = await repo.list_households_page(
            conn, None, None, None, 0, 10, columns=("id", "archive_no", "level")
        )
        members = await repo.list_members_by_household_ids(
            conn, [h.id for h in full], ("id", "household_id", "name")
        )
        with pytest.raises(ValueError, match="not columns"):
            await repo.list_households_page(conn, None, None, None, 0, 10, columns=("id", "1; DROP TABLE x"))
    assert [(h.id, h.archive_no, h.level) for h in some] == [(h.id, h.archive_no, h.level) for h in full]
    with pytest.raises(AttributeError):
        _ = some[0].contact_phone
    assert members
    assert all(m.name for m in members)
    with pytest.raises(AttributeError):
        _ = members[0].id_number
