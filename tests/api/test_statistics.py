"""Statistics through real HTTP: households by level, category, reason, status and region in a scope,
and the archive year by year (archived, on file at year end, out of hardship)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lianxin.core.ids import parse_global_id, to_global_id
from lianxin.core.tokens import Role
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_union, member_input

CREATE = """mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) { household { id } errors { code } } }"""
UPDATE = """mutation($input: UpdateHouseholdInput!) { updateHousehold(input: $input) { errors { code } } }"""
STATS = """query($region: String, $union: ID, $status: HouseholdStatus) {
  householdStatistics(regionCode: $region, unionId: $union, status: $status) {
    byLevel { key households } byCategory { key households } byReason { key households }
    byStatus { key households } byRegion { key households } } }"""
YEARS = """query($from: Int!, $to: Int!, $level: ArchiveLevel, $region: String) {
  yearlyHouseholdFigures(fromYear: $from, toYear: $to, level: $level, regionCode: $region) {
    year archived onFile outOfHardship } }"""


@pytest.fixture
async def scene(gql: Any, pool: Any) -> dict[str, str]:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    rows = [
        ("N1", district.id, "NATIONAL", "DEEP", ["ILLNESS", "EDUCATION"], "371002", date(2018, 3, 1), None),
        (
            "N2",
            district.id,
            "NATIONAL",
            "RELATIVE",
            ["ILLNESS"],
            "371002",
            date(2018, 5, 1),
            ("OUT_OF_HARDSHIP", date(2020, 6, 1)),
        ),
        ("M1", root.id, "MUNICIPAL", "DEEP", ["UNEMPLOYMENT"], "371003", date(2019, 1, 1), None),
        (
            "N3",
            district.id,
            "NATIONAL",
            "ACCIDENT",
            ["ACCIDENT"],
            "371002",
            date(2020, 2, 2),
            ("CLOSED", date(2021, 1, 5)),
        ),
    ]
    for archive_no, union, level, category, reasons, region, archived_on, moved in rows:
        data = await gql(
            CREATE,
            {
                "input": {
                    "unionId": to_global_id("TradeUnion", union),
                    "archiveNo": archive_no,
                    "level": level,
                    "category": category,
                    "hardshipReasons": reasons,
                    "regionCode": region,
                    "members": [member_input("HEAD", "19700101")],
                }
            },
        )
        hid = data["createHousehold"]["household"]["id"]
        if moved:
            await gql(UPDATE, {"input": {"id": hid, "status": moved[0], "statusReason": "收入稳定"}})
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE household SET archived_on = $2, status_changed_on = $3 WHERE id = $1",
                parse_global_id(hid)[1],  # type: ignore[index]
                archived_on,
                moved[1] if moved else None,
            )
    return {"district": to_global_id("TradeUnion", district.id)}


def counts(items: list[dict[str, Any]]) -> dict[str, int]:
    return {i["key"]: i["households"] for i in items}


async def test_households_by_each_dimension(gql: Any, scene: dict[str, str]) -> None:
    stats = (await gql(STATS, {"region": "371000"}))["householdStatistics"]
    assert counts(stats["byLevel"]) == {"MUNICIPAL": 1, "NATIONAL": 3}
    assert counts(stats["byCategory"]) == {"ACCIDENT": 1, "DEEP": 2, "RELATIVE": 1}
    assert counts(stats["byReason"]) == {"ACCIDENT": 1, "EDUCATION": 1, "ILLNESS": 2, "UNEMPLOYMENT": 1}
    assert counts(stats["byStatus"]) == {"ACTIVE": 2, "CLOSED": 1, "OUT_OF_HARDSHIP": 1}
    assert counts(stats["byRegion"]) == {"371002": 3, "371003": 1}
    district = (await gql(STATS, {"union": scene["district"], "status": "ACTIVE"}))["householdStatistics"]
    assert counts(district["byLevel"]) == {"NATIONAL": 1}
    assert counts((await gql(STATS, {"region": "371003"}))["householdStatistics"]["byLevel"]) == {
        "MUNICIPAL": 1
    }


async def test_the_archive_year_by_year(gql: Any, scene: dict[str, str]) -> None:
    national = (await gql(YEARS, {"from": 2017, "to": 2021, "level": "NATIONAL"}))["yearlyHouseholdFigures"]
    assert national == [
        {"year": 2017, "archived": 0, "onFile": 0, "outOfHardship": 0},
        {"year": 2018, "archived": 2, "onFile": 2, "outOfHardship": 0},
        {"year": 2019, "archived": 0, "onFile": 2, "outOfHardship": 0},
        {"year": 2020, "archived": 1, "onFile": 2, "outOfHardship": 1},
        {"year": 2021, "archived": 0, "onFile": 1, "outOfHardship": 0},
    ]
    everyone = (await gql(YEARS, {"from": 2019, "to": 2019}))["yearlyHouseholdFigures"]
    assert everyone == [{"year": 2019, "archived": 1, "onFile": 3, "outOfHardship": 0}]


BAD = [
    (STATS, {"region": "3710"}, "INVALID_REGION_CODE"),
    (STATS, {"region": "371000", "union": "district"}, "ONE_SCOPE_ONLY"),
    (STATS, {"union": to_global_id("TradeUnion", 9999)}, "UNION_NOT_FOUND"),
    (YEARS, {"from": 2020, "to": 2019}, "INVALID_YEAR_RANGE"),
    (YEARS, {"from": 1900, "to": 2026}, "YEAR_RANGE_TOO_LONG"),
]


@pytest.mark.parametrize(("query", "variables", "code"), BAD)
async def test_bad_requests_are_refused_with_a_code(
    gql: Any, scene: dict[str, str], query: str, variables: dict[str, Any], code: str
) -> None:
    if variables.get("union") == "district":
        variables = {**variables, "union": scene["district"]}
    body = await gql.raw(query, variables)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == code


async def test_sponsors_cannot_read_statistics(gql: Any) -> None:
    body = await gql.raw(STATS, {}, token=make_token(Role.SPONSOR, sponsor_id=1))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_yearly_trend_as_an_svg_chart(gql: Any, scene: dict[str, str]) -> None:
    import xml.etree.ElementTree as ET

    svg = (await gql("{ yearlyHouseholdChart(fromYear: 2018, toYear: 2021, level: NATIONAL) }"))[
        "yearlyHouseholdChart"
    ]
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    bars = root.findall("s:rect[@class='bar']", ns)
    assert [(b.get("data-year"), b.get("data-value")) for b in bars] == [
        ("2018", "2"),
        ("2019", "2"),
        ("2020", "2"),
        ("2021", "1"),
    ]
    heights = [int(b.get("height", "0")) for b in bars]
    assert heights[0] == 2 * heights[3] > 0
    assert root.find("s:title", ns) is not None
    title = "2018—2021年 全国级困难职工家庭年末在档户数"
    assert root.find("s:title", ns).text == title  # type: ignore[union-attr]
    # printed as a union office would: the title on the page, both axes named, ticks at round steps
    assert root.find("s:text[@class='title']", ns).text == title  # type: ignore[union-attr]
    assert len(root.findall("s:line[@class='axis']", ns)) == 2
    texts = {t.text for t in root.findall("s:text", ns)}
    assert {"户数（户）", "年份（年末）", "2018", "2021"} <= texts
    assert [t.text for t in root.findall("s:text[@class='tick']", ns)] == ["0", "1", "2"]
    from lianxin.contact_card.fonts import cjk_font

    assert root.get("font-family", "").startswith(f"'{cjk_font().family}'")  # the contact cards' font
