"""RULES.md v2 facts through the API: majorEventCasualty and exclusions on create, update and read, in
the audit log's before/after, and in the ledger workbook (export → import, with row errors)."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from lianxin.core.ids import to_global_id
from lianxin.trade_union.models import UnionKind

from factories import make_union, member_input, row_counts

CREATE = """mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) {
  household { id majorEventCasualty exclusions } errors { code field } } }"""
UPDATE = """mutation($input: UpdateHouseholdInput!) { updateHousehold(input: $input) {
  household { id version majorEventCasualty exclusions } errors { code field } } }"""
READ = """query($id: ID!) { node(id: $id) { ... on Household { majorEventCasualty exclusions
  expenditures { kind annualAmount } } } }"""
AUDIT = (
    """{ auditLog(first: 50) { edges { node { operation changes { table operation before after } } } } }"""
)
IMPORT = """mutation($content: String!) { importLedger(input: {content: $content}) {
  created updated unchanged failed rowErrors { sheet row column code message } errors { code } } }"""


@pytest.fixture
async def union_id(pool: Any) -> str:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    return to_global_id("TradeUnion", district.id)


def household(union_id: str, archive_no: str, **v2: Any) -> dict[str, Any]:
    return {
        "unionId": union_id,
        "archiveNo": archive_no,
        "level": "MUNICIPAL",
        "category": "ACCIDENT",
        "hardshipReasons": ["ACCIDENT"],
        "regionCode": "371002",
        "members": [member_input("HEAD", "19750101", employment="EMPLOYED")],
        "incomes": [{"kind": "WAGE", "monthlyAmount": "6000", "memberIndex": 0}],
        "expenditures": [{"kind": "ACCIDENT_LOSS", "annualAmount": "60000"}],
        **v2,
    }


async def test_the_v2_facts_round_trip_through_create_update_and_read(gql: Any, union_id: str) -> None:
    plain = (await gql(CREATE, {"input": household(union_id, "V2-0001")}))["createHousehold"]
    assert plain["errors"] == []
    assert (plain["household"]["majorEventCasualty"], plain["household"]["exclusions"]) == (False, [])

    given = household(
        union_id,
        "V2-0002",
        majorEventCasualty=True,
        # a value given twice is kept once, in the enum's order
        exclusions=["SELF_FUNDED_STUDY_ABROAD", "HIGH_FEE_PRIVATE_SCHOOL", "SELF_FUNDED_STUDY_ABROAD"],
    )
    created = (await gql(CREATE, {"input": given}))["createHousehold"]
    hid = created["household"]["id"]
    both = ["HIGH_FEE_PRIVATE_SCHOOL", "SELF_FUNDED_STUDY_ABROAD"]
    assert (created["household"]["majorEventCasualty"], created["household"]["exclusions"]) == (True, both)
    read = (await gql(READ, {"id": hid}))["node"]
    assert read == {
        "majorEventCasualty": True,
        "exclusions": both,
        "expenditures": [{"kind": "ACCIDENT_LOSS", "annualAmount": "60000.00"}],
    }

    # leaving them out keeps them; giving them replaces them ([] clears the exclusions)
    kept = (await gql(UPDATE, {"input": {"id": hid, "contactName": "王丽"}}))["updateHousehold"]["household"]
    assert (kept["majorEventCasualty"], kept["exclusions"]) == (True, both)
    cleared = (await gql(UPDATE, {"input": {"id": hid, "majorEventCasualty": False, "exclusions": []}}))[
        "updateHousehold"
    ]["household"]
    assert (cleared["majorEventCasualty"], cleared["exclusions"]) == (False, [])
    assert (await gql(READ, {"id": hid}))["node"]["exclusions"] == []


async def test_an_unknown_exclusion_is_refused_by_the_schema(gql: Any, union_id: str) -> None:
    body = await gql.raw(CREATE, {"input": household(union_id, "V2-0003", exclusions=["RICH_UNCLE"])})
    assert body.get("data") is None
    assert "RICH_UNCLE" in body["errors"][0]["message"]


async def test_the_audit_log_captures_the_v2_facts_before_and_after(gql: Any, union_id: str) -> None:
    hid = (await gql(CREATE, {"input": household(union_id, "V2-0004")}))["createHousehold"]["household"]["id"]
    await gql(
        UPDATE,
        {"input": {"id": hid, "majorEventCasualty": True, "exclusions": ["HIGH_FEE_PRIVATE_SCHOOL"]}},
    )
    entries = [e["node"] for e in (await gql(AUDIT))["auditLog"]["edges"]]
    [update] = [e for e in entries if e["operation"] == "updateHousehold"]
    [change] = [c for c in update["changes"] if c["table"] == "household"]
    assert change["before"] == {"major_event_casualty": False, "exclusions": []}
    assert change["after"] == {"major_event_casualty": True, "exclusions": ["HIGH_FEE_PRIVATE_SCHOOL"]}
    [create] = [e for e in entries if e["operation"] == "createHousehold"]
    [insert] = [c for c in create["changes"] if c["table"] == "household"]
    assert (insert["after"]["major_event_casualty"], insert["after"]["exclusions"]) == (False, [])


async def _export(gql: Any) -> Workbook:
    data = (await gql("{ ledgerExport }"))["ledgerExport"]
    return load_workbook(io.BytesIO(base64.b64decode(data)))


def _encode(book: Workbook) -> str:
    out = io.BytesIO()
    book.save(out)
    return base64.b64encode(out.getvalue()).decode()


async def test_the_v2_facts_round_trip_through_the_workbook_with_row_errors(
    gql: Any, pool: Any, union_id: str
) -> None:
    plain = (await gql(CREATE, {"input": household(union_id, "V2-0005")}))["createHousehold"]["household"]
    flagged = household(union_id, "V2-0006", majorEventCasualty=True, exclusions=["SELF_FUNDED_STUDY_ABROAD"])
    marked = (await gql(CREATE, {"input": flagged}))["createHousehold"]["household"]
    book = await _export(gql)
    sheet = book["households"]
    header = [c.value for c in next(sheet.iter_rows())]
    assert header[-3:] == ["majorEventCasualty", "exclusions", "archivedOn"]
    rows = {r[0]: r for r in ([c.value for c in row] for row in sheet.iter_rows(min_row=2))}
    assert rows["V2-0005"][-3:-1] == ["false", None]
    assert rows["V2-0006"][-3:-1] == ["true", "SELF_FUNDED_STUDY_ABROAD"]

    # exported as is: nothing changes
    before = await row_counts(pool, "household", "event")
    same = (await gql(IMPORT, {"content": _encode(book)}))["importLedger"]
    assert (same["unchanged"], same["updated"], same["failed"], same["rowErrors"]) == (2, 0, 0, [])
    assert await row_counts(pool, "household", "event") == before

    # edited: one row swaps its facts, the other has two bad cells, reported by row and column
    # 1-based columns of the v2 cells (archivedOn follows them)
    casualty, exclusions = header.index("majorEventCasualty") + 1, header.index("exclusions") + 1
    by_archive = {sheet.cell(row=r, column=1).value: r for r in range(2, sheet.max_row + 1)}
    sheet.cell(row=by_archive["V2-0005"], column=casualty, value=True)  # an Excel boolean
    sheet.cell(row=by_archive["V2-0005"], column=exclusions, value="HIGH_FEE_PRIVATE_SCHOOL")
    sheet.cell(row=by_archive["V2-0006"], column=casualty, value="maybe")
    sheet.cell(row=by_archive["V2-0006"], column=exclusions, value="RICH_UNCLE")
    result = (await gql(IMPORT, {"content": _encode(book)}))["importLedger"]
    assert (result["updated"], result["failed"]) == (1, 1), result["rowErrors"]
    row = by_archive["V2-0006"]
    assert [(e["sheet"], e["row"], e["column"], e["code"]) for e in result["rowErrors"]] == [
        ("households", row, "majorEventCasualty", "INVALID_VALUE"),
        ("households", row, "exclusions", "INVALID_VALUE"),
    ]
    assert (await gql(READ, {"id": plain["id"]}))["node"]["exclusions"] == ["HIGH_FEE_PRIVATE_SCHOOL"]
    assert (await gql(READ, {"id": plain["id"]}))["node"]["majorEventCasualty"] is True
    assert (await gql(READ, {"id": marked["id"]}))["node"]["exclusions"] == ["SELF_FUNDED_STUDY_ABROAD"]

    # a workbook from before v2 (no such columns) leaves the stored facts alone
    sheet.delete_cols(casualty, 2)
    sheet.cell(row=by_archive["V2-0006"], column=4, value="RELATIVE")
    old = (await gql(IMPORT, {"content": _encode(book)}))["importLedger"]
    assert (old["updated"], old["failed"], old["rowErrors"]) == (1, 0, [])
    read = (await gql(READ, {"id": marked["id"]}))["node"]
    assert (read["majorEventCasualty"], read["exclusions"]) == (True, ["SELF_FUNDED_STUDY_ABROAD"])
