"""The ledger (台账) in Excel through real HTTP: export, re-import with no change, import edits and new
households idempotently, and every bad row reported by sheet, row and column with nothing else lost."""

from __future__ import annotations

import base64
import io
from datetime import date
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from lianxin.core.ids import parse_global_id, to_global_id
from lianxin.core.tokens import Principal, Role
from lianxin.ledger import service as ledger_service
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_union, member_input, resident_id, row_counts

CREATE = """mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) { household { id } errors { code } } }"""
IMPORT = """mutation($content: String!) { importLedger(input: {content: $content}) {
  created updated unchanged failed rowErrors { sheet row column code message } errorReport errors { code field } } }"""
HOUSEHOLDS = """{ households(first: 50) { edges { node { archiveNo category version members { name relation } } } } }"""
TABLES = ("household", "member", "event")


@pytest.fixture
async def union_id(gql: Any, pool: Any) -> str:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    union = to_global_id("TradeUnion", district.id)
    for archive_no, reasons in [("WH0001", ["ILLNESS", "EDUCATION"]), ("WH0002", ["UNEMPLOYMENT"])]:
        data = await gql(
            CREATE,
            {
                "input": {
                    "unionId": union,
                    "archiveNo": archive_no,
                    "level": "NATIONAL",
                    "category": "DEEP",
                    "hardshipReasons": reasons,
                    "regionCode": "371002",
                    "members": [member_input("HEAD", "19770101"), member_input("CHILD", "20100101")],
                }
            },
        )
        assert data["createHousehold"]["errors"] == []
    return union


async def export(gql: Any) -> Workbook:
    data = (await gql("{ ledgerExport }"))["ledgerExport"]
    return load_workbook(io.BytesIO(base64.b64decode(data)))


def encode(book: Workbook) -> str:
    out = io.BytesIO()
    book.save(out)
    return base64.b64encode(out.getvalue()).decode()


async def test_export_then_reimport_changes_nothing(gql: Any, pool: Any, union_id: str) -> None:
    book = await export(gql)
    assert book.sheetnames == ["households", "members"]
    households = [[c.value for c in row] for row in book["households"].iter_rows()]
    assert households[0] == [
        "archiveNo",
        "unionId",
        "level",
        "category",
        "hardshipReasons",
        "regionCode",
        "contactName",
        "contactPhone",
        "majorEventCasualty",  # RULES.md v2
        "exclusions",
        "archivedOn",
    ]
    __import__("datetime").date.fromisoformat(households[1].pop())  # archivedOn: the day it was created
    assert households[1] == [
        "WH0001",
        union_id,
        "NATIONAL",
        "DEEP",
        "ILLNESS,EDUCATION",
        "371002",
        None,
        None,
        "false",
        None,
    ]
    members = [[c.value for c in row] for row in book["members"].iter_rows()]
    assert [(m[0], m[2]) for m in members[1:]] == [
        ("WH0001", "HEAD"),
        ("WH0001", "CHILD"),
        ("WH0002", "HEAD"),
        ("WH0002", "CHILD"),
    ]
    before = await row_counts(pool, *TABLES)
    result = (await gql(IMPORT, {"content": encode(book)}))["importLedger"]
    assert result == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
        "failed": 0,
        "rowErrors": [],
        "errorReport": None,
        "errors": [],
    }
    assert await row_counts(pool, *TABLES) == before
    assert {e["node"]["version"] for e in (await gql(HOUSEHOLDS))["households"]["edges"]} == {1}


async def test_an_edited_ledger_updates_creates_and_reports_bad_rows(
    gql: Any, pool: Any, union_id: str
) -> None:
    book = await export(gql)
    book["households"]["D2"] = "RELATIVE"  # WH0001 changes category
    book["households"].append(
        ["WH0003", union_id, "MUNICIPAL", "ACCIDENT", "ACCIDENT", "371002", "王老师", "0631-5201234"]
    )
    book["households"].append(["WH0004", union_id, "MUNICIPAL", "DEEP", "ILLNESS", "371002", None, None])
    book["households"].append(["WH0005", union_id, "PROVINCIAL", "DEEP", "ILLNESS", "371002", None, None])
    book["members"].append(["WH0003", "张三", "HEAD", resident_id("19800101"), "HEALTHY", "UNEMPLOYED"])
    book["members"].append(
        ["WH0004", "李四", "BOSS", resident_id("19800101"), "HEALTHY", "EMPLOYED"]
    )  # row 7
    book["members"].append(
        ["WH0005", "赵六", "HEAD", "371002198001010011", "HEALTHY", "EMPLOYED"]
    )  # row 8: bad check digit
    book["members"].append(
        ["WH9999", "孙七", "HEAD", resident_id("19800101"), "HEALTHY", "EMPLOYED"]
    )  # row 9
    content = encode(book)
    result = (await gql(IMPORT, {"content": content}))["importLedger"]
    assert (result["created"], result["updated"], result["unchanged"], result["failed"]) == (1, 1, 1, 2)
    errors = [(e["sheet"], e["row"], e["column"], e["code"]) for e in result["rowErrors"]]
    assert ("members", 7, "relation", "INVALID_VALUE") in errors
    assert ("members", 9, "archiveNo", "UNKNOWN_HOUSEHOLD") in errors
    assert any(sheet == "members" and row == 8 and column == "idNumber" for sheet, row, column, _ in errors)
    report = load_workbook(io.BytesIO(base64.b64decode(result["errorReport"])))
    assert [c.value for c in next(report["errors"].iter_rows())] == [
        "sheet",
        "row",
        "column",
        "code",
        "message",
    ]
    assert report["errors"].max_row == len(result["rowErrors"]) + 1
    listed = {e["node"]["archiveNo"]: e["node"] for e in (await gql(HOUSEHOLDS))["households"]["edges"]}
    assert sorted(listed) == ["WH0001", "WH0002", "WH0003"]
    assert (listed["WH0001"]["category"], listed["WH0001"]["version"]) == ("RELATIVE", 2)
    assert listed["WH0003"]["members"] == [{"name": "张三", "relation": "HEAD"}]
    # the same file again: nothing is duplicated, nothing changes
    before = await row_counts(pool, *TABLES)
    again = (await gql(IMPORT, {"content": content}))["importLedger"]
    assert (again["created"], again["updated"], again["unchanged"], again["failed"]) == (0, 0, 3, 2)
    assert await row_counts(pool, *TABLES) == before


async def test_a_ledger_cannot_move_a_household(gql: Any, union_id: str) -> None:
    book = await export(gql)
    book["households"]["C2"] = "PROVINCIAL"
    result = (await gql(IMPORT, {"content": encode(book)}))["importLedger"]
    assert result["failed"] == 1
    assert [(e["row"], e["column"], e["code"]) for e in result["rowErrors"]] == [
        (2, "level", "CANNOT_CHANGE")
    ]


def _book_without_members() -> str:
    book = Workbook()
    assert book.active is not None
    book.active.title = "households"
    book.active.append(
        [
            "archiveNo",
            "unionId",
            "level",
            "category",
            "hardshipReasons",
            "regionCode",
            "contactName",
            "contactPhone",
        ]
    )
    return encode(book)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("not base64!", "INVALID_CONTENT"),
        (base64.b64encode(b"plain text").decode(), "INVALID_WORKBOOK"),
        (_book_without_members(), "MISSING_SHEET"),
    ],
)
async def test_unusable_files_are_refused_and_nothing_is_written(
    gql: Any, pool: Any, union_id: str, content: str, code: str
) -> None:
    before = await row_counts(pool, *TABLES)
    result = (await gql(IMPORT, {"content": content}))["importLedger"]
    assert result["errors"] == [{"code": code, "field": ["content"]}]
    assert await row_counts(pool, *TABLES) == before


async def test_the_import_reports_progress(gql: Any, pool: Any, union_id: str) -> None:
    book = await export(gql)
    book["households"]["D3"] = "RELATIVE"
    out = io.BytesIO()
    book.save(out)
    seen: list[tuple[int, int]] = []
    report = await ledger_service.import_ledger(
        pool,
        out.getvalue(),
        today=date(2026, 11, 29),
        dispatcher=None,
        who=ledger_service.ImportContext(caller=Principal("test:admin", Role.ADMIN)),
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen == [(1, 2), (2, 2)]
    assert (report.updated, report.unchanged) == (1, 1)


async def test_each_household_written_by_an_import_is_audited_with_its_changes(
    gql: Any, pool: Any, union_id: str
) -> None:
    book = await export(gql)
    book["households"]["D3"] = "RELATIVE"
    async with pool.acquire() as conn:
        before = await conn.fetchval("SELECT max(id) FROM audit_entry")
    result = (await gql(IMPORT, {"content": encode(book)}))["importLedger"]
    assert (result["updated"], result["unchanged"]) == (1, 1)
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM audit_entry WHERE id > $1 ORDER BY id", before)
    [row] = rows  # the unchanged household wrote nothing, so it leaves no row
    assert (row["operation"], row["actor_subject"], row["outcome"]) == ("importLedger", "test:admin", ["OK"])
    assert row["input"] == {"archiveNo": "WH0002", "sheet": "households", "row": 3}
    [change] = [c for c in row["changes"] if c["table"] == "household"]
    assert (change["before"]["category"], change["after"]["category"]) == ("DEEP", "RELATIVE")


async def test_union_staff_cannot_import_into_another_subtree(gql: Any, pool: Any, union_id: str) -> None:
    book = await export(gql)
    other = await make_union(pool, name="青岛市总工会", region_code="370200")
    staff = make_token(Role.UNION_STAFF, union_id=other.id)
    before = await row_counts(pool, *TABLES)
    result = (await gql(IMPORT, {"content": encode(book)}, token=staff))["importLedger"]
    assert (result["created"], result["updated"], result["unchanged"], result["failed"]) == (0, 0, 0, 2)
    assert {(e["row"], e["column"], e["code"]) for e in result["rowErrors"]} == {
        (2, "unionId", "UNION_NOT_FOUND"),
        (3, "unionId", "UNION_NOT_FOUND"),
    }
    assert await row_counts(pool, *TABLES) == before
    # staff of the households' own union re-import them unchanged
    parsed = parse_global_id(union_id)
    assert parsed is not None
    own = make_token(Role.UNION_STAFF, union_id=parsed[1])
    mine = (await gql(IMPORT, {"content": encode(book)}, token=own))["importLedger"]
    assert (mine["unchanged"], mine["failed"]) == (2, 0)
