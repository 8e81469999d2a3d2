"""Batches and aggregates keep to the requesting caller's scope (issue 11, "scope bypass in batch
operations"): a UNION_STAFF caller of one district paid another union's households by naming their
`regionCode`, and could re-match them. The batch row records the caller's scope and the worker pays or
decides only households inside both the requested region and that scope; a region out of reach gives an
empty batch, exactly like a region without ACTIVE households."""

from __future__ import annotations

from typing import Any

import pytest
from arq.worker import Worker

from lianxin.core.config import Settings
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.eligibility import DEMO_PARAMETERS
from lianxin.trade_union.models import UnionKind
from lianxin_worker.main import worker_settings

from conftest import make_token
from factories import make_household, make_union

BATCH = """mutation($input: PayQuarterlyCondolenceInput!) { payQuarterlyCondolence(input: $input) {
  batch { id status total } errors { code } } }"""
RUN = """mutation($input: EligibilityRunInput!) { requestEligibilityRun(input: $input) {
  run { id } errors { code } } }"""
PROGRESS = """query($id: ID!) { node(id: $id) { ... on AidBatch { status total done paid }
  ... on EligibilityRun { runStatus: status total done } } }"""


async def drain(settings: Settings) -> None:
    """Run every queued job through the real worker tasks, as production does."""
    worker = Worker(**{**worker_settings(settings, burst=True), "cron_jobs": []})
    await worker.main()
    await worker.close()
    assert worker.jobs_failed == 0


@pytest.fixture
async def world(pool: Any) -> dict[str, Any]:
    """威海 (root) with two districts: 环翠 (371002, A) with two households, 文登 (371003, B) with three."""
    root = await make_union(pool, name="威海市总工会", region_code="371000")
    a = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    b = await make_union(
        pool, name="文登区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371003", parent_id=root.id
    )
    households = {
        "A": [await make_household(pool, a.id, region_code="371002") for _ in range(2)],
        "B": [await make_household(pool, b.id, region_code="371003") for _ in range(3)],
    }
    return {
        "a": a,
        "b": b,
        "households": households,
        "staff_a": make_token(Role.UNION_STAFF, union_id=a.id),
    }


async def paid(pool: Any, period: str) -> set[int]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT household_id FROM aid_disbursement WHERE program = 'QUARTERLY_CONDOLENCE' AND period = $1",
            period,
        )
    return {r["household_id"] for r in rows}


async def test_a_district_staff_naming_another_districts_region_pays_none_of_it(
    gql: Any, pool: Any, settings: Settings, world: dict[str, Any]
) -> None:
    request = {"regionCode": "371003", "period": "2026Q4", "amount": "500"}
    data = (await gql(BATCH, {"input": request}, token=world["staff_a"]))["payQuarterlyCondolence"]
    assert data["errors"] == []
    await drain(settings)
    progress = (await gql(PROGRESS, {"id": data["batch"]["id"]}))["node"]
    # an empty batch, like a region without ACTIVE households: it says nothing about who lives there
    assert progress == {"status": "DONE", "total": 0, "done": 0, "paid": 0}
    assert await paid(pool, "2026Q4") == set()
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM event WHERE type = 'aid.paid'") == 0


async def test_a_whole_city_batch_of_district_staff_pays_its_own_district_only(
    gql: Any, pool: Any, settings: Settings, world: dict[str, Any]
) -> None:
    request = {"regionCode": "371000", "period": "2026Q4", "amount": "500"}
    data = (await gql(BATCH, {"input": request}, token=world["staff_a"]))["payQuarterlyCondolence"]
    await drain(settings)
    progress = (await gql(PROGRESS, {"id": data["batch"]["id"]}))["node"]
    assert (progress["total"], progress["paid"]) == (2, 2)
    assert await paid(pool, "2026Q4") == set(world["households"]["A"])


async def test_admin_still_pays_every_household_of_the_region(
    gql: Any, pool: Any, settings: Settings, world: dict[str, Any]
) -> None:
    request = {"regionCode": "371000", "period": "2026Q4", "amount": "500"}
    data = (await gql(BATCH, {"input": request}))["payQuarterlyCondolence"]
    await drain(settings)
    assert (await gql(PROGRESS, {"id": data["batch"]["id"]}))["node"]["paid"] == 5
    assert await paid(pool, "2026Q4") == set(world["households"]["A"]) | set(world["households"]["B"])


async def decided(pool: Any, run_id: str) -> set[int]:
    from lianxin.core.ids import parse_global_id

    parsed = parse_global_id(run_id)
    assert parsed is not None
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT household_id FROM eligibility_decision WHERE run_id = $1", parsed[1])
    return {r["household_id"] for r in rows}


async def test_a_district_staff_cannot_rematch_another_districts_households(
    gql: Any, pool: Any, settings: Settings, world: dict[str, Any]
) -> None:
    published = await gql(
        """mutation($input: PublishDibaoPolicyInput!) { publishDibaoPolicy(input: $input) {
             errors { code } } }""",
        {"input": {"regionCode": "371000", "effectiveFrom": "2020-01-01", "parameters": DEMO_PARAMETERS}},
    )
    assert published["publishDibaoPolicy"]["errors"] == []
    async with pool.acquire() as conn:  # the policy's own (ADMIN) run must not be the one that decides
        await conn.execute("DELETE FROM job_outbox")
        await conn.execute("UPDATE eligibility_run SET status = 'DONE'")
    await drain(settings)
    data = await gql(RUN, {"input": {"regionCode": "371003"}}, token=world["staff_a"])
    run = data["requestEligibilityRun"]
    assert run["errors"] == []
    await drain(settings)
    assert (await gql(PROGRESS, {"id": run["run"]["id"]}))["node"] == {
        "runStatus": "DONE",
        "total": 0,
        "done": 0,
    }
    assert await decided(pool, run["run"]["id"]) == set()
    async with pool.acquire() as conn:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM eligibility_decision WHERE household_id = ANY($1::bigint[])",
                world["households"]["B"],
            )
            == 0
        )
    # ADMIN's run of the same region decides them
    admin = (await gql(RUN, {"input": {"regionCode": "371003"}}))["requestEligibilityRun"]
    await drain(settings)
    assert await decided(pool, admin["run"]["id"]) == set(world["households"]["B"])


async def test_statistics_of_district_staff_count_its_own_households_only(
    gql: Any, world: dict[str, Any]
) -> None:
    query = """query($r: String) { householdStatistics(regionCode: $r) { byRegion { key households } } }"""
    mine = await gql(query, {"r": "371000"}, token=world["staff_a"])
    assert mine["householdStatistics"]["byRegion"] == [{"key": "371002", "households": 2}]
    everyone = await gql(query, {"r": "371000"})
    assert everyone["householdStatistics"]["byRegion"] == [
        {"key": "371002", "households": 2},
        {"key": "371003", "households": 3},
    ]


async def test_cooperative_member_counts_leave_out_households_outside_the_callers_scope(
    gql: Any, world: dict[str, Any]
) -> None:
    created = await gql(
        """mutation($input: CreateCooperativeInput!) { createCooperative(input: $input) {
             cooperative { id } errors { code } } }""",
        {
            "input": {
                "name": "环翠大棚合作社",
                "village": "东山村",
                "regionCode": "371002",
                "landMu": "100",
                "unionId": to_global_id("TradeUnion", world["a"].id),
            }
        },
    )
    coop = created["createCooperative"]["cooperative"]["id"]
    for household, share in ((world["households"]["A"][0], "10.5"), (world["households"]["B"][0], "20")):
        added = await gql(
            """mutation($input: AddCooperativeMemberInput!) { addCooperativeMember(input: $input) {
                 errors { code } } }""",
            {
                "input": {
                    "cooperativeId": coop,
                    "householdId": to_global_id("Household", household),
                    "landShareMu": share,
                }
            },
        )
        assert added["addCooperativeMember"]["errors"] == []
    query = """query($id: ID!) { node(id: $id) { ... on Cooperative { memberCount totalShareMu
      members { landShareMu } } } }"""
    staff = (await gql(query, {"id": coop}, token=world["staff_a"]))["node"]
    assert staff == {"memberCount": 1, "totalShareMu": "10.50", "members": [{"landShareMu": "10.50"}]}
    admin = (await gql(query, {"id": coop}))["node"]
    assert (admin["memberCount"], admin["totalShareMu"]) == (2, "30.50")
