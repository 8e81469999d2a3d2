"""Issue 15: a household's archive date can be entered (createHousehold, ledger import) and its status
changes are kept (`Household.statusHistory`, the reason hidden from sponsors as `statusReason` is), so the
yearly figures show a trend such as the seed's 2018–2020 one."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.organization.models import OrganizationKind
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_organization, make_union, member_input

CREATE = """mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) {
  household { id archivedOn statusHistory { changedOn } } errors { code field } } }"""
UPDATE = """mutation($input: UpdateHouseholdInput!) { updateHousehold(input: $input) {
  household { status } errors { code } } }"""
HISTORY = """query($id: ID!) { node(id: $id) { ... on Household { statusReason
  statusHistory { changedOn from to reason } } } }"""
REASON = "户主再就业，月收入3200元"


@pytest.fixture
async def district(pool: Any) -> str:
    root = await make_union(pool, name="威海市总工会")
    union = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    return to_global_id("TradeUnion", union.id)


def household(union: str, archive_no: str, **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "unionId": union,
            "archiveNo": archive_no,
            "level": "NATIONAL",
            "category": "DEEP",
            "hardshipReasons": ["ILLNESS"],
            "regionCode": "371002",
            "members": [member_input("HEAD", "19770315")],
            **extra,
        }
    }


async def test_archived_on_is_given_or_today_and_checked(gql: Any, district: str) -> None:
    dated = (await gql(CREATE, household(district, "WH2018000001", archivedOn="2018-03-01")))[
        "createHousehold"
    ]
    assert dated["errors"] == []
    assert dated["household"]["archivedOn"] == "2018-03-01"
    assert dated["household"]["statusHistory"] == []
    today = (await gql(CREATE, household(district, "WH2026000001")))["createHousehold"]
    assert today["household"]["archivedOn"] >= "2026-01-01"
    for day, code in (("2099-01-01", "ARCHIVED_IN_FUTURE"), ("1980-01-01", "ARCHIVED_TOO_EARLY")):
        refused = (await gql(CREATE, household(district, "WH-X", archivedOn=day)))["createHousehold"]
        assert refused == {"household": None, "errors": [{"code": code, "field": ["archivedOn"]}]}


async def test_each_status_change_is_kept_and_the_reason_hidden_from_sponsors(
    gql: Any, pool: Any, district: str
) -> None:
    created = await gql(CREATE, household(district, "WH2018000002", archivedOn="2018-03-01"))
    hid = created["createHousehold"]["household"]["id"]
    out = {"input": {"id": hid, "status": "OUT_OF_HARDSHIP", "statusReason": REASON}}
    assert (await gql(UPDATE, out))["updateHousehold"] == {
        "household": {"status": "OUT_OF_HARDSHIP"},
        "errors": [],
    }
    back = {"input": {"id": hid, "status": "ACTIVE", "statusReason": "再次失业"}}
    assert (await gql(UPDATE, back))["updateHousehold"]["errors"] == []
    # an update that does not move the status adds nothing
    assert (await gql(UPDATE, {"input": {"id": hid, "category": "RELATIVE"}}))["updateHousehold"][
        "errors"
    ] == []
    seen = (await gql(HISTORY, {"id": hid}))["node"]
    history = seen["statusHistory"]
    assert [(c["from"], c["to"], c["reason"]) for c in history] == [
        ("ACTIVE", "OUT_OF_HARDSHIP", REASON),
        ("OUT_OF_HARDSHIP", "ACTIVE", "再次失业"),
    ]
    assert all(c["changedOn"] >= "2026-01-01" for c in history)
    # a sponsor paired with the household sees the changes, not the caseworker's reasons
    sponsor = await make_organization(pool, name="威海城建集团有限公司", kind=OrganizationKind.SPONSOR)
    paired = await gql(
        "mutation($input: CreateSponsorshipInput!) { createSponsorship(input: $input) { errors { code } } }",
        {
            "input": {
                "householdId": hid,
                "sponsorId": to_global_id("Organization", sponsor.id),
                "startedOn": "2018-03-01",
            }
        },
    )
    assert paired["createSponsorship"]["errors"] == []
    token = make_token(Role.SPONSOR, sponsor_id=sponsor.id)
    as_sponsor = (await gql(HISTORY, {"id": hid}, token=token))["node"]
    assert as_sponsor["statusReason"] is None
    assert [(c["from"], c["to"], c["reason"]) for c in as_sponsor["statusHistory"]] == [
        ("ACTIVE", "OUT_OF_HARDSHIP", None),
        ("OUT_OF_HARDSHIP", "ACTIVE", None),
    ]


async def test_the_yearly_figures_count_households_by_their_archive_date(
    gql: Any, pool: Any, district: str
) -> None:
    for i, day in enumerate(["2018-03-01", "2018-07-01", "2020-05-01"]):
        result = await gql(CREATE, household(district, f"WH20180000{i}", archivedOn=day))
        assert result["createHousehold"]["errors"] == []
    figures = await gql(
        "{ yearlyHouseholdFigures(fromYear: 2018, toYear: 2020, level: NATIONAL) { year archived onFile } }"
    )
    assert figures["yearlyHouseholdFigures"] == [
        {"year": 2018, "archived": 2, "onFile": 2},
        {"year": 2019, "archived": 0, "onFile": 2},
        {"year": 2020, "archived": 1, "onFile": 3},
    ]


async def test_the_ledger_import_takes_an_optional_archive_date(gql: Any, district: str) -> None:
    import base64
    import io
    from datetime import datetime

    from openpyxl import Workbook

    from factories import resident_id

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "households"
    sheet.append(
        [
            "archiveNo",
            "unionId",
            "level",
            "category",
            "hardshipReasons",
            "regionCode",
            "contactName",
            "contactPhone",
            "archivedOn",
        ]
    )
    row = [district, "NATIONAL", "DEEP", "ILLNESS", "371002", None, None]
    sheet.append(["WH-L1", *row, "2018-03-01"])
    sheet.append(["WH-L2", *row, datetime(2019, 6, 1)])  # noqa: DTZ001 - a date cell, as Excel stores one
    sheet.append(["WH-L3", *row, None])
    sheet.append(["WH-L4", *row, "去年"])
    members = book.create_sheet("members")
    members.append(["archiveNo", "name", "relation", "idNumber", "health", "employment"])
    for i in range(1, 5):
        members.append([f"WH-L{i}", "张三", "HEAD", resident_id(f"197{i}0101"), "HEALTHY", "EMPLOYED"])
    out = io.BytesIO()
    book.save(out)
    content = base64.b64encode(out.getvalue()).decode()
    mutation = """mutation($content: String!) { importLedger(input: {content: $content}) {
      created failed rowErrors { row column code } } }"""
    result = (await gql(mutation, {"content": content}))["importLedger"]
    assert result == {
        "created": 3,
        "failed": 1,
        "rowErrors": [{"row": 5, "column": "archivedOn", "code": "INVALID_VALUE"}],
    }
    listed = await gql("{ households(first: 10) { edges { node { archiveNo archivedOn } } } }")
    dates = {e["node"]["archiveNo"]: e["node"]["archivedOn"] for e in listed["households"]["edges"]}
    assert dates["WH-L1"] == "2018-03-01"
    assert dates["WH-L2"] == "2019-06-01"
    assert dates["WH-L3"] >= "2026-01-01"
    # an existing household's date is fixed, like its level
    again = Workbook()
    s2 = again.active
    assert s2 is not None
    s2.title = "households"
    s2.append(
        [
            "archiveNo",
            "unionId",
            "level",
            "category",
            "hardshipReasons",
            "regionCode",
            "contactName",
            "contactPhone",
            "archivedOn",
        ]
    )
    s2.append(["WH-L1", *row, "2018-04-01"])
    m2 = again.create_sheet("members")
    m2.append(["archiveNo", "name", "relation", "idNumber", "health", "employment"])
    m2.append(["WH-L1", "张三", "HEAD", resident_id("19710101"), "HEALTHY", "EMPLOYED"])
    out = io.BytesIO()
    again.save(out)
    moved = (await gql(mutation, {"content": base64.b64encode(out.getvalue()).decode()}))["importLedger"]
    assert moved["rowErrors"] == [{"row": 2, "column": "archivedOn", "code": "CANNOT_CHANGE"}]
