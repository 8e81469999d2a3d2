"""The quarterly condolence batch (季度慰问金) in a real arq worker: every ACTIVE household of the
scope paid once, a second run pays nobody, progress is visible chunk by chunk, bad requests write nothing."""

from __future__ import annotations

from typing import Any

import pytest
from arq.worker import Worker

from lianxin.aid import service as aid_service
from lianxin.core.config import Settings
from lianxin.core.ids import parse_global_id, to_global_id
from lianxin.trade_union.models import UnionKind
from lianxin_worker.main import worker_settings

from factories import make_union, member_input, row_counts

CREATE = """mutation($input: CreateHouseholdInput!) {
  createHousehold(input: $input) { household { id } errors { code } } }"""
BATCH = """mutation($input: PayQuarterlyCondolenceInput!) { payQuarterlyCondolence(input: $input) {
  batch { id status period amount regionCode total done paid } errors { field code message } } }"""
PROGRESS = """query($id: ID!) { aidBatch(id: $id) { status total done paid finishedAt } }"""
PAY = """mutation($input: PayDisbursementInput!) { payDisbursement(input: $input) { errors { code } } }"""


async def drain(settings: Settings) -> None:
    worker = Worker(**{**worker_settings(settings, burst=True), "cron_jobs": []})
    await worker.main()
    await worker.close()
    assert worker.jobs_failed == 0


@pytest.fixture
async def scene(gql: Any, pool: Any, settings: Settings) -> dict[str, Any]:
    """Three ACTIVE households in 环翠区 (371002), one OUT_OF_HARDSHIP there, one in 文登区 (371003)."""
    root = await make_union(pool, name="威海市总工会")
    huancui = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    ids: dict[str, str] = {}
    for archive_no, union, region in [
        ("HC1", huancui.id, "371002"),
        ("HC2", huancui.id, "371002"),
        ("HC3", huancui.id, "371002"),
        ("HC4", huancui.id, "371002"),
        ("WD1", root.id, "371003"),
    ]:
        data = await gql(
            CREATE,
            {
                "input": {
                    "unionId": to_global_id("TradeUnion", union),
                    "archiveNo": archive_no,
                    "level": "MUNICIPAL",
                    "category": "RELATIVE",
                    "hardshipReasons": ["ILLNESS"],
                    "regionCode": region,
                    "members": [member_input("HEAD", "19700101")],
                }
            },
        )
        ids[archive_no] = data["createHousehold"]["household"]["id"]
    await gql(
        "mutation($input: UpdateHouseholdInput!) { updateHousehold(input: $input) { errors { code } } }",
        {"input": {"id": ids["HC4"], "status": "OUT_OF_HARDSHIP", "statusReason": "子女工作"}},
    )
    await drain(settings)  # the households' own eligibility jobs, out of the way
    return {"households": ids, "root": to_global_id("TradeUnion", root.id)}


async def paid_by_household(pool: Any, period: str) -> dict[str, int]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            """SELECT h.archive_no, d.amount_fen FROM aid_disbursement d JOIN household h ON h.id = d.household_id
               WHERE d.program = 'QUARTERLY_CONDOLENCE' AND d.period = $1""",
            period,
        )
    return {r["archive_no"]: r["amount_fen"] for r in rows}


async def test_a_batch_run_twice_pays_each_active_household_once(
    gql: Any, pool: Any, settings: Settings, scene: dict[str, Any]
) -> None:
    # HC1 was paid by hand earlier this quarter: the batch leaves it alone
    manual = {
        "householdId": scene["households"]["HC1"],
        "program": "QUARTERLY_CONDOLENCE",
        "period": "2026Q4",
        "amount": "300",
    }
    assert (await gql(PAY, {"input": manual}))["payDisbursement"]["errors"] == []
    request = {"regionCode": "371002", "period": "2026Q4", "amount": "500.00"}
    first = (await gql(BATCH, {"input": request}))["payQuarterlyCondolence"]
    assert first["errors"] == []
    assert first["batch"]["status"] == "QUEUED"
    await drain(settings)
    progress = (await gql(PROGRESS, {"id": first["batch"]["id"]}))["aidBatch"]
    assert (progress["status"], progress["total"], progress["done"], progress["paid"]) == ("DONE", 3, 3, 2)
    assert progress["finishedAt"] is not None
    second = (await gql(BATCH, {"input": request}))["payQuarterlyCondolence"]
    await drain(settings)
    again = (await gql(PROGRESS, {"id": second["batch"]["id"]}))["aidBatch"]
    assert (again["status"], again["total"], again["done"], again["paid"]) == ("DONE", 3, 3, 0)
    assert await paid_by_household(pool, "2026Q4") == {"HC1": 30000, "HC2": 50000, "HC3": 50000}
    async with pool.acquire() as conn:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM job_outbox WHERE job = 'pay_aid_batch' AND done_at IS NULL"
            )
            == 0
        )
        regions = await conn.fetch("SELECT region_code FROM event WHERE type = 'aid.paid'")
    assert [r["region_code"] for r in regions] == ["371002"] * 3
    listing = await gql(
        """query($h: ID) { aidDisbursements(householdId: $h, program: QUARTERLY_CONDOLENCE, first: 5) {
             totalCount edges { node { period amount batchId } } } }""",
        {"h": scene["households"]["HC1"]},
    )
    assert listing["aidDisbursements"] == {
        "totalCount": 1,
        "edges": [{"node": {"period": "2026Q4", "amount": "300.00", "batchId": None}}],
    }
    paged = (
        await gql('{ aidDisbursements(period: "2026Q4", first: 2) { totalCount pageInfo { hasNextPage } } }')
    )["aidDisbursements"]
    assert paged == {"totalCount": 3, "pageInfo": {"hasNextPage": True}}
    totals = await gql('{ aidTotals(period: "2026Q4") { program period households amount } }')
    assert totals["aidTotals"] == [
        {"program": "QUARTERLY_CONDOLENCE", "period": "2026Q4", "households": 3, "amount": "1300.00"}
    ]


async def test_a_union_scope_covers_its_subtree_and_progress_shows_chunk_by_chunk(
    gql: Any, pool: Any, scene: dict[str, Any]
) -> None:
    data = await gql(BATCH, {"input": {"unionId": scene["root"], "period": "2026Q3", "amount": "200"}})
    batch_id = data["payQuarterlyCondolence"]["batch"]["id"]
    pk = parse_global_id(batch_id)[1]  # type: ignore[index]
    seen = []
    more = True
    while more:
        async with pool.acquire() as conn, conn.transaction():
            more = await aid_service.run_batch_chunk(conn, pk, chunk_size=2)
        progress = (await gql(PROGRESS, {"id": batch_id}))["aidBatch"]
        seen.append((progress["status"], progress["done"], progress["total"]))
    assert seen == [("RUNNING", 2, 4), ("RUNNING", 4, 4), ("DONE", 4, 4)]
    assert set(await paid_by_household(pool, "2026Q3")) == {"HC1", "HC2", "HC3", "WD1"}


BAD = [
    ({"regionCode": None}, "SCOPE_REQUIRED", ["regionCode"]),
    ({"unionId": "placeholder"}, "SCOPE_REQUIRED", ["regionCode"]),
    ({"regionCode": "3710"}, "INVALID_REGION_CODE", ["regionCode"]),
    ({"period": "2026"}, "INVALID_PERIOD", ["period"]),
    ({"period": "2100Q1"}, "PERIOD_IN_FUTURE", ["period"]),
    ({"amount": "0"}, "AMOUNT_NOT_POSITIVE", ["amount"]),
    ({"amount": "-5"}, "NEGATIVE_AMOUNT", ["amount"]),
    ({"regionCode": None, "unionId": to_global_id("TradeUnion", 999999)}, "UNION_NOT_FOUND", ["unionId"]),
]


@pytest.mark.parametrize(("overrides", "code", "field"), BAD)
async def test_bad_batches_are_refused_and_nothing_is_written(
    gql: Any, pool: Any, scene: dict[str, Any], overrides: dict[str, Any], code: str, field: list[str]
) -> None:
    request = {"regionCode": "371002", "period": "2026Q4", "amount": "500", **overrides}
    if request.get("unionId") == "placeholder":
        request["unionId"] = scene["root"]
    before = await row_counts(pool, "aid_batch", "aid_disbursement", "job_outbox", "event")
    data = (await gql(BATCH, {"input": request}))["payQuarterlyCondolence"]
    assert data["batch"] is None
    assert (data["errors"][0]["code"], data["errors"][0]["field"]) == (code, field)
    assert await row_counts(pool, "aid_batch", "aid_disbursement", "job_outbox", "event") == before
