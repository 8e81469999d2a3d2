"""`reminders` through real HTTP: what each role sees (ADMIN/AUDITOR all, UNION_STAFF its subtree,
a SPONSOR the festival visits of its own pairings, CIVIL_AFFAIRS nothing), filters, keyset pages,
nested household and pairing, and a page costs the same statements whatever its size."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lianxin.core.db import Pool
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.organization.models import OrganizationKind
from lianxin.reminder import service
from lianxin.reminder.service import ReminderSchedule
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_household, make_organization, make_sponsorship, make_union

REMINDERS = """query($kind: ReminderKind, $period: String, $householdId: ID, $first: Int, $after: String) {
  reminders(kind: $kind, period: $period, householdId: $householdId, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id kind period dueOn household { archiveNo } sponsorship { sponsor { name } } } } } }"""
DAY = date(2026, 9, 20)  # Q3 ends in 10 days, Mid-Autumn in 5 days, round 3 within 120 days


@pytest.fixture
async def scene(pool: Pool) -> dict[str, Any]:
    """Three households (district, its parent root, another city's union), each paired with a sponsor
    and each with the three kinds of reminder raised on DAY."""
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    other = await make_union(pool, name="青岛市总工会", region_code="370200")
    first = await make_organization(pool, name="威海城建集团", kind=OrganizationKind.SPONSOR)
    second = await make_organization(pool, name="威海商业银行", kind=OrganizationKind.SPONSOR)
    households = {
        "HD": await make_household(pool, district.id, archive_no="HD", archived_on=date(2025, 1, 1)),
        "HR": await make_household(pool, root.id, archive_no="HR", archived_on=date(2025, 1, 1)),
        "HO": await make_household(
            pool, other.id, archive_no="HO", region_code="370202", archived_on=date(2025, 1, 1)
        ),
    }
    pairings = {
        "HD": await make_sponsorship(pool, households["HD"], first.id, date(2025, 1, 1)),
        "HR": await make_sponsorship(pool, households["HR"], second.id, date(2025, 1, 1)),
        "HO": await make_sponsorship(pool, households["HO"], first.id, date(2025, 1, 1)),
    }
    async with pool.acquire() as conn:
        result = await service.scan_reminders(conn, ReminderSchedule(visit_lead_days=120), DAY)
    assert result.total == 9
    return {
        "unions": {"root": root.id, "district": district.id, "other": other.id},
        "sponsors": {"first": first.id, "second": second.id},
        "households": households,
        "pairings": pairings,
    }


def _seen(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted(
        (
            e["node"]["household"]["archiveNo"] if e["node"]["household"] else "-",
            e["node"]["kind"],
            e["node"]["period"],
        )
        for e in data["reminders"]["edges"]
    )


async def test_admin_and_auditor_see_every_reminder_and_filter_them(gql: Any, scene: dict[str, Any]) -> None:
    for token in (make_token(Role.ADMIN), make_token(Role.AUDITOR)):
        data = await gql(REMINDERS, {}, token=token)
        assert data["reminders"]["totalCount"] == 9
        assert _seen(data) == sorted(
            (h, kind, period)
            for h in ("HD", "HR", "HO")
            for kind, period in [
                ("CONDOLENCE_DUE", "2026Q3"),
                ("SURVEY_VISIT_DUE", "2026-R3"),
                ("FESTIVAL_VISIT_DUE", "2026-MID_AUTUMN"),
            ]
        )
    festival = await gql(REMINDERS, {"kind": "FESTIVAL_VISIT_DUE"})
    assert [e["node"]["sponsorship"]["sponsor"]["name"] for e in festival["reminders"]["edges"]] == [
        "威海城建集团",
        "威海商业银行",
        "威海城建集团",
    ]
    assert [e["node"]["dueOn"] for e in festival["reminders"]["edges"]] == ["2026-09-25"] * 3
    by_period = await gql(REMINDERS, {"period": "2026Q3"})
    assert _seen(by_period) == [
        ("HD", "CONDOLENCE_DUE", "2026Q3"),
        ("HO", "CONDOLENCE_DUE", "2026Q3"),
        ("HR", "CONDOLENCE_DUE", "2026Q3"),
    ]
    assert all(e["node"]["sponsorship"] is None for e in by_period["reminders"]["edges"])
    one = await gql(REMINDERS, {"householdId": to_global_id("Household", scene["households"]["HR"])})
    assert {k for _, k, _ in _seen(one)} == {"CONDOLENCE_DUE", "SURVEY_VISIT_DUE", "FESTIVAL_VISIT_DUE"}
    assert (await gql(REMINDERS, {"period": "2025Q3"}))["reminders"]["totalCount"] == 0


async def test_union_staff_see_their_subtree_only(gql: Any, scene: dict[str, Any]) -> None:
    unions = scene["unions"]
    root = await gql(REMINDERS, {}, token=make_token(Role.UNION_STAFF, union_id=unions["root"]))
    assert {h for h, _, _ in _seen(root)} == {"HD", "HR"}
    assert root["reminders"]["totalCount"] == 6
    district_token = make_token(Role.UNION_STAFF, union_id=unions["district"])
    district = await gql(REMINDERS, {}, token=district_token)
    assert {h for h, _, _ in _seen(district)} == {"HD"}
    assert district["reminders"]["totalCount"] == 3
    # naming a household outside the subtree finds nothing
    outside = {"householdId": to_global_id("Household", scene["households"]["HO"])}
    peek = await gql(REMINDERS, outside, token=district_token)
    assert (peek["reminders"]["totalCount"], peek["reminders"]["edges"]) == (0, [])
    no_union = await gql.raw(REMINDERS, {}, token=make_token(Role.UNION_STAFF))
    assert no_union["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_sponsor_sees_the_festival_visits_of_its_own_pairings(
    gql: Any, pool: Pool, scene: dict[str, Any]
) -> None:
    first = make_token(Role.SPONSOR, sponsor_id=scene["sponsors"]["first"])
    data = await gql(REMINDERS, {}, token=first)
    assert _seen(data) == [
        ("HD", "FESTIVAL_VISIT_DUE", "2026-MID_AUTUMN"),
        ("HO", "FESTIVAL_VISIT_DUE", "2026-MID_AUTUMN"),
    ]
    assert data["reminders"]["totalCount"] == 2
    assert (await gql(REMINDERS, {"kind": "CONDOLENCE_DUE"}, token=first))["reminders"]["totalCount"] == 0
    second = await gql(REMINDERS, {}, token=make_token(Role.SPONSOR, sponsor_id=scene["sponsors"]["second"]))
    assert _seen(second) == [("HR", "FESTIVAL_VISIT_DUE", "2026-MID_AUTUMN")]
    # once the pairing has ended, the sponsor keeps its reminder but no longer sees the household
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE sponsorship SET ended_on = '2026-10-01', end_reason = '脱困' WHERE id = $1",
            scene["pairings"]["HO"],
        )
    after = await gql(REMINDERS, {}, token=first)
    assert _seen(after) == [
        ("-", "FESTIVAL_VISIT_DUE", "2026-MID_AUTUMN"),
        ("HD", "FESTIVAL_VISIT_DUE", "2026-MID_AUTUMN"),
    ]
    no_sponsor = await gql.raw(REMINDERS, {}, token=make_token(Role.SPONSOR))
    assert no_sponsor["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_civil_affairs_may_not_read_reminders(gql: Any, scene: dict[str, Any]) -> None:
    denied = await gql.raw(
        REMINDERS, {}, token=make_token(Role.CIVIL_AFFAIRS, region_code="371002", agency_id=1)
    )
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert denied["data"] is None


async def test_keyset_pages_and_bad_arguments(gql: Any, scene: dict[str, Any]) -> None:
    ids: list[str] = []
    after = None
    pages = []
    while True:
        data = (await gql(REMINDERS, {"first": 4, "after": after}))["reminders"]
        pages.append(len(data["edges"]))
        ids += [e["node"]["id"] for e in data["edges"]]
        assert data["totalCount"] == 9
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
        assert after == data["edges"][-1]["cursor"]
    assert pages == [4, 4, 1]
    assert len(set(ids)) == 9
    bad_id = await gql.raw(REMINDERS, {"householdId": to_global_id("TradeUnion", 1)})
    assert bad_id["errors"][0]["extensions"]["code"] == "INVALID_ID"
    too_many = await gql.raw(REMINDERS, {"first": 101})
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"
    bad_cursor = await gql.raw(REMINDERS, {"after": "nope"})
    assert bad_cursor["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_statements_do_not_grow_with_the_page(client: Any, scene: dict[str, Any]) -> None:
    async def statements(first: int) -> tuple[int, int]:
        response = await client.post(
            "/graphql",
            json={"query": REMINDERS, "variables": {"first": first}},
            headers={"Authorization": f"Bearer {make_token()}"},
        )
        body = response.json()
        assert "errors" not in body, body
        return int(response.headers["x-sql-statements"]), len(body["data"]["reminders"]["edges"])

    # reminders are raised kind by kind: a page of 7 holds one festival visit (with pairing and sponsor
    # to load), a page of 9 three
    small, large = await statements(7), await statements(9)
    assert (small[1], large[1]) == (7, 9)
    assert small[0] == large[0]
