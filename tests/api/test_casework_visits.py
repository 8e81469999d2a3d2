"""Survey visits (入户调研) through real HTTP: record with findings and a plan, rounds per year,
refusals with nothing written, and the overdue list under the configured rounds per year."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest

from lianxin.casework import repository as casework_repo
from lianxin.core.ids import parse_global_id, to_global_id
from lianxin.core.tokens import Role
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_union, member_input, row_counts

CREATE = """mutation($input: CreateHouseholdInput!) {
  createHousehold(input: $input) { household { id } errors { code } } }"""
RECORD = """mutation($input: RecordVisitInput!) { recordVisit(input: $input) {
  visit { id year round visitors visitedOn findings { familySituation skills stateOfMind employmentWishes }
          plan { action owner dueOn } household { archiveNo } }
  errors { field code message } } }"""
VISITS = """query($id: ID!) { node(id: $id) { ... on Household { visits { round visitedOn plan { action } } } } }"""
OVERDUE = """query($first: Int, $after: String, $asOf: Date) {
  overdueVisits(first: $first, after: $after, asOf: $asOf) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { roundsDue roundsDone lastVisitedOn household { archiveNo } } } } }"""
TABLES = ("visit", "visit_action", "event")


@pytest.fixture
async def union_id(pool: Any) -> str:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    return to_global_id("TradeUnion", district.id)


async def archive(gql: Any, union_id: str, archive_no: str = "WH0001") -> str:
    data = await gql(
        CREATE,
        {
            "input": {
                "unionId": union_id,
                "archiveNo": archive_no,
                "level": "MUNICIPAL",
                "category": "DEEP",
                "hardshipReasons": ["ILLNESS"],
                "regionCode": "371002",
                "members": [member_input("HEAD", "19770101")],
            }
        },
    )
    assert data["createHousehold"]["errors"] == []
    household_id: str = data["createHousehold"]["household"]["id"]
    return household_id


def visit_input(household_id: str, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "householdId": household_id,
        "visitedOn": "2026-03-10",
        "visitors": ["王老师", " 李主席 "],
        "findings": {
            "familySituation": "丈夫重病住院，妻子灵活就业，孩子读初中",
            "skills": "会电焊",
            "employmentWishes": "希望就近就业",
            "stateOfMind": "乐观",
        },
        "plan": [
            {"action": "联系企业提供电焊岗位", "owner": "王老师", "dueOn": "2026-04-30"},
            {"action": "申请季度慰问金", "owner": "李主席", "dueOn": "2026-03-31"},
        ],
    }
    fields.update(overrides)
    return fields


async def test_a_visit_is_recorded_with_findings_and_plan(gql: Any, pool: Any, union_id: str) -> None:
    hid = await archive(gql, union_id)
    data = (await gql(RECORD, {"input": visit_input(hid)}))["recordVisit"]
    assert data["errors"] == []
    visit = data["visit"]
    assert (visit["year"], visit["round"], visit["visitedOn"]) == (2026, 1, "2026-03-10")
    assert visit["visitors"] == ["王老师", "李主席"]
    assert visit["findings"]["skills"] == "会电焊"
    assert visit["plan"] == [
        {"action": "联系企业提供电焊岗位", "owner": "王老师", "dueOn": "2026-04-30"},
        {"action": "申请季度慰问金", "owner": "李主席", "dueOn": "2026-03-31"},
    ]
    assert visit["household"] == {"archiveNo": "WH0001"}
    second = (await gql(RECORD, {"input": visit_input(hid, visitedOn="2026-07-01", plan=[])}))["recordVisit"]
    assert second["visit"]["round"] == 2
    other_year = (await gql(RECORD, {"input": visit_input(hid, visitedOn="2025-12-01")}))["recordVisit"]
    assert (other_year["visit"]["year"], other_year["visit"]["round"]) == (2025, 1)
    listed = (await gql(VISITS, {"id": hid}))["node"]["visits"]
    assert [(v["visitedOn"], v["round"], len(v["plan"])) for v in listed] == [
        ("2026-07-01", 2, 0),
        ("2026-03-10", 1, 2),
        ("2025-12-01", 1, 2),
    ]
    assert (await gql("query($id: ID!) { node(id: $id) { id } }", {"id": visit["id"]}))["node"]
    async with pool.acquire() as conn:
        events = await conn.fetch("SELECT payload FROM event WHERE type = 'visit.recorded' ORDER BY id")
    assert [(e["payload"]["year"], e["payload"]["round"]) for e in events] == [
        (2026, 1),
        (2026, 2),
        (2025, 1),
    ]


async def test_visits_recorded_at_once_get_distinct_rounds(gql: Any, pool: Any, union_id: str) -> None:
    hid = await archive(gql, union_id)
    results = await asyncio.gather(*(gql(RECORD, {"input": visit_input(hid)}) for _ in range(3)))
    assert sorted(r["recordVisit"]["visit"]["round"] for r in results) == [1, 2, 3]


BAD_INPUT = [
    ({"visitors": []}, "VISITORS_REQUIRED", ["visitors"]),
    ({"visitors": ["王老师", "  "]}, "VISITOR_NAME_REQUIRED", ["visitors", "1"]),
    ({"findings": {"familySituation": "   "}}, "FAMILY_SITUATION_REQUIRED", ["findings", "familySituation"]),
    ({"findings": {"familySituation": "x", "skills": "y" * 2001}}, "TEXT_TOO_LONG", ["findings", "skills"]),
    ({"visitedOn": "2100-01-01", "plan": []}, "VISIT_IN_FUTURE", ["visitedOn"]),
    (
        {"plan": [{"action": "回访", "owner": "王老师", "dueOn": "2026-03-09"}]},
        "DUE_BEFORE_VISIT",
        ["plan", "0", "dueOn"],
    ),
    (
        {"plan": [{"action": " ", "owner": "王老师", "dueOn": "2026-04-01"}]},
        "ACTION_REQUIRED",
        ["plan", "0", "action"],
    ),
    (
        {"plan": [{"action": "回访", "owner": "", "dueOn": "2026-04-01"}]},
        "OWNER_REQUIRED",
        ["plan", "0", "owner"],
    ),
    ({"householdId": to_global_id("Household", 999999)}, "HOUSEHOLD_NOT_FOUND", ["householdId"]),
    ({"householdId": to_global_id("TradeUnion", 1)}, "INVALID_ID", ["householdId"]),
]


@pytest.mark.parametrize(("overrides", "code", "field"), BAD_INPUT)
async def test_bad_visits_are_refused_and_nothing_is_written(
    gql: Any, pool: Any, union_id: str, overrides: dict[str, Any], code: str, field: list[str]
) -> None:
    hid = await archive(gql, union_id)
    before = await row_counts(pool, *TABLES)
    data = (await gql(RECORD, {"input": visit_input(hid, **overrides)}))["recordVisit"]
    assert data["visit"] is None
    assert (data["errors"][0]["code"], data["errors"][0]["field"]) == (code, field)
    assert await row_counts(pool, *TABLES) == before


async def test_visits_to_a_household_out_of_hardship_and_by_readers_are_refused(
    gql: Any, pool: Any, union_id: str
) -> None:
    hid = await archive(gql, union_id)
    await gql(
        """mutation($input: UpdateHouseholdInput!) { updateHousehold(input: $input) { errors { code } } }""",
        {"input": {"id": hid, "status": "OUT_OF_HARDSHIP", "statusReason": "再就业，收入稳定"}},
    )
    before = await row_counts(pool, *TABLES)
    data = (await gql(RECORD, {"input": visit_input(hid)}))["recordVisit"]
    assert data["errors"][0]["code"] == "HOUSEHOLD_NOT_ACTIVE"
    denied = await gql.raw(RECORD, {"input": visit_input(hid)}, token=make_token(Role.AUDITOR))
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await row_counts(pool, *TABLES) == before


async def _set_archived_on(pool: Any, household_id: str, day: date) -> None:
    pk = parse_global_id(household_id)[1]  # type: ignore[index]
    async with pool.acquire() as conn:
        await conn.execute("UPDATE household SET archived_on = $2 WHERE id = $1", pk, day)


async def test_overdue_visits_count_the_rounds_due_so_far(gql: Any, pool: Any, union_id: str) -> None:
    # By 2026-09-01 eight months have ended: with 3 rounds a year, 2 are due (Jan–Apr, May–Aug).
    done = await archive(gql, union_id, "WH0001")
    behind = await archive(gql, union_id, "WH0002")
    never = await archive(gql, union_id, "WH0003")
    new_this_year = await archive(gql, union_id, "WH0004")  # archived in June: 2 months ended, none due
    for hid in (done, behind, never):
        await _set_archived_on(pool, hid, date(2025, 1, 15))
    await _set_archived_on(pool, new_this_year, date(2026, 6, 10))
    for day in ("2026-02-01", "2026-06-20"):
        await gql(RECORD, {"input": visit_input(done, visitedOn=day, plan=[])})
    await gql(RECORD, {"input": visit_input(behind, visitedOn="2025-11-01", plan=[])})
    await gql(RECORD, {"input": visit_input(behind, visitedOn="2026-03-01", plan=[])})

    first = (await gql(OVERDUE, {"first": 1, "asOf": "2026-09-01"}))["overdueVisits"]
    assert first["totalCount"] == 2
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["edges"] == [
        {
            "node": {
                "roundsDue": 2,
                "roundsDone": 1,
                "lastVisitedOn": "2026-03-01",
                "household": {"archiveNo": "WH0002"},
            }
        }
    ]
    rest = await gql(OVERDUE, {"first": 5, "after": first["pageInfo"]["endCursor"], "asOf": "2026-09-01"})
    assert rest["overdueVisits"]["edges"] == [
        {
            "node": {
                "roundsDue": 2,
                "roundsDone": 0,
                "lastVisitedOn": None,
                "household": {"archiveNo": "WH0003"},
            }
        }
    ]
    assert rest["overdueVisits"]["pageInfo"]["hasNextPage"] is False
    # on 2026-04-30 the first span has not ended: nobody is overdue
    assert (await gql(OVERDUE, {"asOf": "2026-04-30"}))["overdueVisits"]["totalCount"] == 0


async def test_rounds_per_year_is_a_setting(gql: Any, pool: Any, union_id: str, settings: Any) -> None:
    assert settings.visits_per_year == 3
    hid = await archive(gql, union_id)
    await _set_archived_on(pool, hid, date(2025, 1, 15))
    await gql(RECORD, {"input": visit_input(hid, visitedOn="2026-02-01", plan=[])})
    as_of = date(2026, 9, 1)
    async with pool.acquire() as conn:
        # 8 months ended: 3 a year → 2 due, 12 a year → 8 due, 1 a year → 0 due
        assert [o.rounds_due for o in await casework_repo.list_overdue_page(conn, as_of, 3, 0, 10)] == [2]
        assert [o.rounds_due for o in await casework_repo.list_overdue_page(conn, as_of, 12, 0, 10)] == [8]
        assert await casework_repo.list_overdue_page(conn, as_of, 1, 0, 10) == []
        assert await casework_repo.count_overdue(conn, as_of, 12) == 1


async def test_overdue_visits_need_a_reader_role(gql: Any) -> None:
    denied = await gql.raw(OVERDUE, {}, token=make_token(Role.SPONSOR, sponsor_id=1))
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("field", ["overdueVisits", "leavingHardshipSuggestions"])
@pytest.mark.parametrize("as_of", [date.min.isoformat(), date.max.isoformat()])
async def test_an_as_of_date_the_database_reads_as_infinity_is_refused(
    gql: Any, union_id: str, field: str, as_of: str
) -> None:
    # found by schemathesis: asyncpg sends these as -infinity/infinity and the rounds arithmetic failed;
    # now the Date scalar refuses dates outside 1900..2100 before any resolver (issue 11)
    body = await gql.raw(f"query($asOf: Date) {{ {field}(asOf: $asOf) {{ totalCount }} }}", {"asOf": as_of})
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


async def _statements(client: Any, query: str, variables: dict[str, Any]) -> tuple[int, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {make_token()}"},
    )
    body = response.json()
    assert "errors" not in body, body
    return int(response.headers["x-sql-statements"]), body["data"]


async def test_statements_do_not_grow_with_the_page(client: Any, gql: Any, pool: Any, union_id: str) -> None:
    for n in range(12):
        hid = await archive(gql, union_id, f"WH{n:04d}")
        await _set_archived_on(pool, hid, date(2025, 1, 1))
        await gql(RECORD, {"input": visit_input(hid)})
    page = """query($first: Int) { households(first: $first) { edges { node {
      visits { round plan { action } household { archiveNo } } } } } }"""
    small, _ = await _statements(client, page, {"first": 2})
    large, data = await _statements(client, page, {"first": 12})
    assert small == large
    assert all(len(e["node"]["visits"]) == 1 for e in data["households"]["edges"])
    overdue = 'query($first: Int) { overdueVisits(first: $first, asOf: "2026-12-31") { edges { node { household { archiveNo } } } } }'
    small, _ = await _statements(client, overdue, {"first": 2})
    large, data = await _statements(client, overdue, {"first": 12})
    assert small == large
    assert len(data["overdueVisits"]["edges"]) == 12


async def test_overdue_visits_within_a_region_or_union(gql: Any, pool: Any, union_id: str) -> None:
    for archive_no in ("WH0001", "WH0002"):
        await _set_archived_on(pool, await archive(gql, union_id, archive_no), date(2025, 1, 1))
    scoped = """query($region: String, $union: ID) {
      overdueVisits(asOf: "2026-09-01", regionCode: $region, unionId: $union) { totalCount edges { cursor } } }"""

    async def total(**variables: Any) -> int:
        data = (await gql(scoped, variables))["overdueVisits"]
        assert len(data["edges"]) == data["totalCount"]
        count: int = data["totalCount"]
        return count

    assert await total(region="371000") == 2
    assert await total(region="371002") == 2
    assert await total(region="371003") == 0
    assert await total(union=union_id) == 2
    assert await total(union=to_global_id("TradeUnion", 999999)) == 0
    bad = await gql.raw(scoped, {"region": "3710"})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_REGION_CODE"
