"""Loose money (issue 11): amounts are ASCII decimal text with at most 2 places and an optional '-';
a payment is above 0 and at most the program's bound; every refusal is a typed user error with its
field path, nothing is written, and a refused zero no longer uses up the household's period."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.aid.models import AidProgram
from lianxin.aid.service import DEFAULT_MAX_YUAN, aid_limits
from lianxin.core.ids import to_global_id
from lianxin.trade_union.models import UnionKind

from factories import make_union, member_input, row_counts

CREATE = """mutation($input: CreateHouseholdInput!) {
  createHousehold(input: $input) { household { id } errors { code } } }"""
PAY = """mutation($input: PayDisbursementInput!) { payDisbursement(input: $input) {
  disbursement { id amount } errors { field code } } }"""
BATCH = """mutation($input: PayQuarterlyCondolenceInput!) { payQuarterlyCondolence(input: $input) {
  batch { id } errors { field code } } }"""


@pytest.fixture
async def household(gql: Any, pool: Any) -> str:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    data = await gql(
        CREATE,
        {
            "input": {
                "unionId": to_global_id("TradeUnion", district.id),
                "archiveNo": "WH0001",
                "level": "MUNICIPAL",
                "category": "DEEP",
                "hardshipReasons": ["UNEMPLOYMENT"],
                "regionCode": "371002",
                "members": [member_input("HEAD", "19770101")],
            }
        },
    )
    household_id: str = data["createHousehold"]["household"]["id"]
    return household_id


def condolence(household: str, amount: Any) -> dict[str, Any]:
    return {
        "householdId": household,
        "program": "QUARTERLY_CONDOLENCE",
        "period": "2026Q1",
        "amount": amount,
        "paidOn": "2026-01-20",
    }


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("0", "AMOUNT_NOT_POSITIVE"),
        ("0.00", "AMOUNT_NOT_POSITIVE"),
        ("-0", "NEGATIVE_AMOUNT"),
        ("-5", "NEGATIVE_AMOUNT"),
        ("1e7", "INVALID_AMOUNT"),
        ("1E2", "INVALID_AMOUNT"),
        ("１００", "INVALID_AMOUNT"),
        ("1_000", "INVALID_AMOUNT"),
        (" 1 ", "INVALID_AMOUNT"),
        ("+1", "INVALID_AMOUNT"),
        ("--1", "INVALID_AMOUNT"),
        ("NaN", "INVALID_AMOUNT"),
        ("Infinity", "INVALID_AMOUNT"),
        ("1,000", "INVALID_AMOUNT"),
        (".5", "INVALID_AMOUNT"),
        ("", "INVALID_AMOUNT"),
        ("9" * 100, "INVALID_AMOUNT"),
        ("1.005", "TOO_MANY_DECIMALS"),
        ("1.0001", "TOO_MANY_DECIMALS"),
        (1.5, "INVALID_AMOUNT"),
        (True, "INVALID_AMOUNT"),
        ("5000.01", "AMOUNT_ABOVE_LIMIT"),
        ("1000000000000", "AMOUNT_ABOVE_LIMIT"),
        ("99999999999999", "AMOUNT_TOO_LARGE"),
    ],
)
async def test_a_loose_amount_is_a_typed_error_and_nothing_is_written(
    gql: Any, pool: Any, household: str, amount: Any, code: str
) -> None:
    before = await row_counts(pool, "aid_disbursement", "event")
    data = await gql(PAY, {"input": condolence(household, amount)})
    assert data["payDisbursement"] == {"disbursement": None, "errors": [{"field": ["amount"], "code": code}]}
    assert await row_counts(pool, "aid_disbursement", "event") == before
    outcome = await pool.fetchval("SELECT outcome FROM audit_entry ORDER BY id DESC LIMIT 1")
    assert outcome == [code]  # audited like any refused mutation


async def test_a_refused_zero_leaves_the_period_for_the_real_payment(gql: Any, household: str) -> None:
    zero = await gql(PAY, {"input": condolence(household, "0")})
    assert zero["payDisbursement"]["errors"] == [{"field": ["amount"], "code": "AMOUNT_NOT_POSITIVE"}]
    paid = await gql(PAY, {"input": condolence(household, "500.00")})
    assert paid["payDisbursement"]["errors"] == []
    assert paid["payDisbursement"]["disbursement"]["amount"] == "500.00"


async def test_an_amount_literal_in_the_document_is_read_the_same_way(gql: Any, household: str) -> None:
    for literal, code in (
        ("1e7", "INVALID_AMOUNT"),
        ("0", "AMOUNT_NOT_POSITIVE"),
        ('"１００"', "INVALID_AMOUNT"),
    ):
        body = await gql(
            "mutation { payDisbursement(input: {householdId: "
            f'"{household}", program: QUARTERLY_CONDOLENCE, period: "2026Q1", amount: {literal}, '
            'paidOn: "2026-01-20"}) { errors { field code } } }'
        )
        assert body["payDisbursement"]["errors"] == [{"field": ["amount"], "code": code}], literal
    ok = await gql(
        "mutation { payDisbursement(input: {householdId: "
        f'"{household}", program: QUARTERLY_CONDOLENCE, period: "2026Q1", amount: 300, '
        'paidOn: "2026-01-20"}) { disbursement { amount } errors { code } } }'
    )
    assert ok["payDisbursement"] == {"disbursement": {"amount": "300.00"}, "errors": []}


async def test_aid_in_kind_may_still_be_recorded_at_zero(gql: Any, household: str) -> None:
    data = await gql(
        PAY,
        {"input": {"householdId": household, "program": "COUNSELING", "period": "2026-01", "amount": "0"}},
    )
    assert data["payDisbursement"]["errors"] == []


@pytest.mark.parametrize(
    ("amount", "code"),
    [("0", "AMOUNT_NOT_POSITIVE"), ("1e3", "INVALID_AMOUNT"), ("5000.01", "AMOUNT_ABOVE_LIMIT")],
)
async def test_a_batch_amount_is_checked_alike(
    gql: Any, pool: Any, household: str, amount: str, code: str
) -> None:
    data = await gql(BATCH, {"input": {"regionCode": "371002", "period": "2026Q1", "amount": amount}})
    assert data["payQuarterlyCondolence"] == {"batch": None, "errors": [{"field": ["amount"], "code": code}]}
    assert await row_counts(pool, "aid_batch") == {"aid_batch": 0}


async def test_household_income_refuses_loose_text(gql: Any, pool: Any) -> None:
    union = await make_union(pool, name="总工会")
    for amount, code in (("1e3", "INVALID_AMOUNT"), ("-0", "NEGATIVE_AMOUNT"), ("１", "INVALID_AMOUNT")):
        data = await gql(
            CREATE,
            {
                "input": {
                    "unionId": to_global_id("TradeUnion", union.id),
                    "archiveNo": "WH0009",
                    "level": "MUNICIPAL",
                    "category": "DEEP",
                    "hardshipReasons": ["UNEMPLOYMENT"],
                    "regionCode": "371002",
                    "members": [member_input("HEAD", "19770101")],
                    "incomes": [{"kind": "WAGE", "monthlyAmount": amount}],
                }
            },
        )
        assert data["createHousehold"]["errors"] == [{"code": code}], amount
    assert await row_counts(pool, "household") == {"household": 0}


@pytest.mark.no_db
def test_the_bound_per_program_is_a_setting() -> None:
    assert aid_limits("")[AidProgram.EMERGENCY] == DEFAULT_MAX_YUAN[AidProgram.EMERGENCY] * 100
    limits = aid_limits("EMERGENCY=80000, BUS_CARD=1500.50")
    assert limits[AidProgram.EMERGENCY] == 8_000_000
    assert limits[AidProgram.BUS_CARD] == 150_050
    assert aid_limits('{"TRAINING": "100"}')[AidProgram.TRAINING] == 10_000
    for bad in ("NOPE=1", "EMERGENCY=0", "EMERGENCY=1e3", "EMERGENCY"):
        with pytest.raises(ValueError, match="LIANXIN_AID_MAX_YUAN"):
            aid_limits(bad)
