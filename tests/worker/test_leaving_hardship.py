"""Leaving hardship (脱困, RULES.md v2): the engine's decisions, decided by a real worker, suggest households
whose decisions have suggested no union category (q at or above relative_hardship_multiple × S, no
accident) for the configured months; marking one OUT_OF_HARDSHIP keeps its history and takes it off the
list."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from arq.worker import Worker

from lianxin.core.config import Settings
from lianxin.core.ids import parse_global_id, to_global_id
from lianxin.eligibility import DEMO_PARAMETERS
from lianxin.trade_union.models import UnionKind
from lianxin_worker.main import worker_settings

from factories import make_union, member_input, row_counts

PUBLISH = (
    """mutation($input: PublishDibaoPolicyInput!) { publishDibaoPolicy(input: $input) { errors { code } } }"""
)
CREATE = """mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) { household { id } errors { code } } }"""
UPDATE = """mutation($input: UpdateHouseholdInput!) { updateHousehold(input: $input) {
  household { status statusChangedOn statusReason decisions { outcome } } errors { field code } } }"""
SUGGEST = """query($asOf: Date, $first: Int, $after: String) {
  leavingHardshipSuggestions(asOf: $asOf, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { aboveSince perCapitaIncome categoryIncome threshold household { archiveNo } } } } }"""


async def drain(settings: Settings) -> None:
    worker = Worker(**{**worker_settings(settings, burst=True), "cron_jobs": []})
    await worker.main()
    await worker.close()
    assert worker.jobs_failed == 0


def household(union_id: str, archive_no: str, wage: str) -> dict[str, Any]:
    # q = (wage + 300) / 2 (no rigid expenditure); S = 850, RELATIVE below 2.0 × S = 1700
    return {
        "unionId": union_id,
        "archiveNo": archive_no,
        "level": "MUNICIPAL",
        "category": "RELATIVE",
        "hardshipReasons": ["ILLNESS"],
        "regionCode": "371002",
        "members": [
            member_input("HEAD", "19770101", employment="FLEXIBLE"),
            member_input("CHILD", "20120101", employment="STUDENT"),
        ],
        "incomes": [
            {"kind": "WAGE", "monthlyAmount": wage, "memberIndex": 0},
            {"kind": "TRANSFER", "monthlyAmount": "300"},
        ],
    }


def wage(amount: str) -> list[dict[str, Any]]:
    return [
        {"kind": "WAGE", "monthlyAmount": amount, "memberIndex": 0},
        {"kind": "TRANSFER", "monthlyAmount": "300"},
    ]


@pytest.fixture
async def scene(gql: Any, pool: Any, settings: Settings) -> dict[str, str]:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    policy = {"regionCode": "371000", "effectiveFrom": "2020-01-01", "parameters": DEMO_PARAMETERS}
    assert (await gql(PUBLISH, {"input": policy}))["publishDibaoPolicy"]["errors"] == []
    union_id = to_global_id("TradeUnion", district.id)
    ids = {}
    for archive_no, amount in [("RICH", "9000"), ("NEAR", "2000"), ("POOR", "600")]:
        data = await gql(CREATE, {"input": household(union_id, archive_no, amount)})
        ids[archive_no] = data["createHousehold"]["household"]["id"]
    await drain(settings)
    return ids


async def backdate(pool: Any, household_id: str, *days: date) -> None:
    """Give the household's decisions, oldest first, these evaluation dates."""
    pk = parse_global_id(household_id)[1]  # type: ignore[index]
    async with pool.acquire() as conn:
        ids = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM eligibility_decision WHERE household_id = $1 ORDER BY id", pk
            )
        ]
        assert len(ids) == len(days)
        for decision_id, day in zip(ids, days, strict=True):
            await conn.execute(
                "UPDATE eligibility_decision SET evaluated_on = $2 WHERE id = $1", decision_id, day
            )


async def test_households_above_the_relative_threshold_for_six_months_are_suggested(
    gql: Any, pool: Any, scene: dict[str, str]
) -> None:
    for hid in scene.values():
        await backdate(pool, hid, date(2026, 1, 10))
    # five months above: not yet
    assert (await gql(SUGGEST, {"asOf": "2026-07-09"}))["leavingHardshipSuggestions"]["totalCount"] == 0
    data = (await gql(SUGGEST, {"asOf": "2026-07-10"}))["leavingHardshipSuggestions"]
    # q = (9000 + 300) / 2 = 4650 ≥ 2.0 × 850: no category; NEAR's q 1150 is RELATIVE, POOR's 450 DEEP
    assert data == {
        "totalCount": 1,
        "pageInfo": {"hasNextPage": False, "endCursor": data["pageInfo"]["endCursor"]},
        "edges": [
            {
                "node": {
                    "aboveSince": "2026-01-10",
                    "perCapitaIncome": "4550.00",
                    "categoryIncome": "4650.00",
                    "threshold": "1700.00",
                    "household": {"archiveNo": "RICH"},
                }
            }
        ],
    }


async def test_a_dip_below_the_threshold_restarts_the_months(
    gql: Any, pool: Any, settings: Settings, scene: dict[str, str]
) -> None:
    rich = scene["RICH"]
    await gql(UPDATE, {"input": {"id": rich, "incomes": wage("1000")}})  # q = 650: DEEP
    await drain(settings)
    await gql(UPDATE, {"input": {"id": rich, "incomes": wage("8000")}})
    await drain(settings)
    await backdate(pool, rich, date(2026, 1, 10), date(2026, 3, 1), date(2026, 4, 1))
    assert (await gql(SUGGEST, {"asOf": "2026-09-30"}))["leavingHardshipSuggestions"]["totalCount"] == 0
    data = (await gql(SUGGEST, {"asOf": "2026-10-01"}))["leavingHardshipSuggestions"]
    assert [(e["node"]["aboveSince"], e["node"]["perCapitaIncome"]) for e in data["edges"]] == [
        ("2026-04-01", "4050.00")
    ]


async def test_marking_out_of_hardship_keeps_the_history_and_ends_the_suggestion(
    gql: Any, pool: Any, scene: dict[str, str]
) -> None:
    rich = scene["RICH"]
    await backdate(pool, rich, date(2026, 1, 10))
    assert (await gql(SUGGEST, {"asOf": "2026-08-01"}))["leavingHardshipSuggestions"]["totalCount"] == 1
    before = await row_counts(pool, "household", "event", "eligibility_decision")
    refused = (await gql(UPDATE, {"input": {"id": rich, "status": "OUT_OF_HARDSHIP"}}))["updateHousehold"]
    assert refused["errors"] == [{"field": ["statusReason"], "code": "STATUS_REASON_REQUIRED"}]
    assert await row_counts(pool, "household", "event", "eligibility_decision") == before
    marked = await gql(
        UPDATE,
        {"input": {"id": rich, "status": "OUT_OF_HARDSHIP", "statusReason": "稳定就业，收入超过相对困难线"}},
    )
    h = marked["updateHousehold"]["household"]
    assert (h["status"], h["statusReason"]) == ("OUT_OF_HARDSHIP", "稳定就业，收入超过相对困难线")
    assert date.fromisoformat(h["statusChangedOn"]) >= date(2026, 11, 29)
    assert h["decisions"] == [{"outcome": "NOT_ELIGIBLE"}]  # the history stays
    assert (await gql(SUGGEST, {"asOf": "2026-08-01"}))["leavingHardshipSuggestions"]["totalCount"] == 0


async def test_the_union_category_not_the_income_decides_v2(
    gql: Any, pool: Any, settings: Settings, scene: dict[str, str]
) -> None:
    # RULES.md v2: a major-event casualty keeps RICH in hardship (ACCIDENT) whatever its income; an
    # exclusion gives POOR no category, so it starts a streak although its q is DEEP.
    await gql(UPDATE, {"input": {"id": scene["RICH"], "majorEventCasualty": True}})
    await gql(UPDATE, {"input": {"id": scene["POOR"], "exclusions": ["SELF_FUNDED_STUDY_ABROAD"]}})
    await drain(settings)
    await backdate(pool, scene["RICH"], date(2026, 1, 10), date(2026, 2, 1))
    await backdate(pool, scene["POOR"], date(2026, 1, 10), date(2026, 2, 1))
    data = (await gql(SUGGEST, {"asOf": "2026-08-01"}))["leavingHardshipSuggestions"]
    assert [(e["node"]["household"]["archiveNo"], e["node"]["aboveSince"]) for e in data["edges"]] == [
        ("POOR", "2026-02-01")
    ]
