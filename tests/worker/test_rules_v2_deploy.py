"""RULES.md v2 end to end with a real worker: deploying a new rules version re-decides every household
once (and not again), changing any v2 fact re-decides a household exactly once, a DIBAO household that
becomes MARGINAL loses its referral, civil affairs finds its region's low-income tiers with the outcome
filter, statistics count by outcome and suggested category, and simulations report category changes."""

from __future__ import annotations

from typing import Any

from lianxin.core.config import Settings
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.eligibility import DEMO_PARAMETERS, RULES_VERSION
from lianxin_cli.tasks import migrate_database

from conftest import make_token
from factories import member_input, resident_id, row_counts
from test_eligibility import CREATE, UPDATE, drain, scene  # noqa: F401 - fixture re-used

HOUSEHOLD = """query($id: ID!) { node(id: $id) { ... on Household {
  latestDecision { outcome perCapitaIncome suggestedCategory categoryIncome rulesVersion monthlyBenefit
    trace { rule } }
  decisions { outcome } referrals { status } } } }"""
LIST = """query($outcome: EligibilityOutcome) { households(first: 20, filter: {outcome: $outcome}) {
  totalCount edges { node { archiveNo latestDecision { outcome } } } } }"""
STATISTICS = """{ householdStatistics(regionCode: "371002") {
  byOutcome { key households } bySuggestedCategory { key households } } }"""
SIMULATE = """mutation($input: SimulateDibaoPolicyInput!) {
  simulateDibaoPolicy(input: $input) { simulation { id } errors { code } } }"""
RESULT = """query($id: ID!) { node(id: $id) { ... on DibaoSimulation {
  status changedOutcome changedCategory categories { category households }
  outcomeChanges { before after households } categoryChanges { before after households } } } }"""


def single(union_id: str, archive_no: str, region: str = "371002", **rest: Any) -> dict[str, Any]:
    """One unemployed member with OTHER income `other` (yuan a month), or as `rest` says."""
    given: dict[str, Any] = {
        "unionId": union_id,
        "archiveNo": archive_no,
        "level": "MUNICIPAL",
        "category": "RELATIVE",
        "hardshipReasons": ["UNEMPLOYMENT"],
        "regionCode": region,
        "members": [
            member_input(
                "HEAD", "19800101", idNumber=resident_id("19800101", region=region), employment="UNEMPLOYED"
            )
        ],
        "incomes": [{"kind": "OTHER", "monthlyAmount": "1000"}],
    }
    given.update(rest)
    return given


RIGID = {
    "members": [member_input("HEAD", "19750101", employment="EMPLOYED")],
    "incomes": [{"kind": "WAGE", "monthlyAmount": "4000", "memberIndex": 0}],
    "expenditures": [{"kind": "MEDICAL", "annualAmount": "50000"}],
}


async def create(gql: Any, given: dict[str, Any]) -> str:
    data = (await gql(CREATE, {"input": given}))["createHousehold"]
    assert data["errors"] == [], data
    hid: str = data["household"]["id"]
    return hid


async def decisions(pool: Any) -> int:
    count: int = (await row_counts(pool, "eligibility_decision"))["eligibility_decision"]
    return count


async def test_a_new_rules_version_re_decides_every_household_once(
    gql: Any,
    pool: Any,
    settings: Settings,
    scene: dict[str, str],  # noqa: F811
) -> None:
    ids = [await create(gql, single(scene["union"], f"RV{i}")) for i in range(3)]
    await drain(settings)
    assert await decisions(pool) == 3
    # as if decided by the previous rules version: older decisions, other fingerprints
    async with pool.acquire() as conn:
        await conn.execute("UPDATE eligibility_decision SET rules_version = $1", RULES_VERSION - 1)
        await conn.execute("UPDATE household_eligibility SET fingerprint = 'v1:' || fingerprint")

    await drain(settings)  # the worker's start queues one run over every household; it runs
    assert await decisions(pool) == 6
    async with pool.acquire() as conn:
        runs = await conn.fetch(
            "SELECT reason, status, done, changed, region_code, union_id FROM eligibility_run"
        )
    upgrade = [dict(r) for r in runs if r["reason"] == f"rules.v{RULES_VERSION}"]
    assert upgrade == [
        {
            "reason": f"rules.v{RULES_VERSION}",
            "status": "DONE",
            "done": 3,
            "changed": 3,
            "region_code": None,
            "union_id": None,
        }
    ]
    for hid in ids:
        node = (await gql(HOUSEHOLD, {"id": hid}))["node"]
        assert node["latestDecision"]["rulesVersion"] == RULES_VERSION
        assert len(node["decisions"]) == 2

    await drain(settings)  # the next start: nothing left to re-decide, no second run
    assert await decisions(pool) == 6
    assert (await row_counts(pool, "eligibility_run"))["eligibility_run"] == len(runs)


async def test_migrate_queues_the_re_decision_run_once(
    gql: Any,
    pool: Any,
    settings: Settings,
    scene: dict[str, str],  # noqa: F811
) -> None:
    await create(gql, single(scene["union"], "RV9"))
    await drain(settings)
    assert await migrate_database(settings.require_database_url()) == []  # up to date: no run
    async with pool.acquire() as conn:
        await conn.execute("UPDATE eligibility_decision SET rules_version = 1")
    await migrate_database(settings.require_database_url())
    await migrate_database(settings.require_database_url())
    async with pool.acquire() as conn:
        queued = await conn.fetch("SELECT status FROM eligibility_run WHERE reason LIKE 'rules.v%'")
        jobs = await conn.fetchval(
            "SELECT count(*) FROM job_outbox WHERE job = 'run_eligibility' AND done_at IS NULL"
        )
    assert [r["status"] for r in queued] == ["QUEUED"]
    assert jobs == 1


async def test_changing_any_v2_fact_re_decides_the_household_exactly_once(
    gql: Any,
    pool: Any,
    settings: Settings,
    scene: dict[str, str],  # noqa: F811
) -> None:
    # example 5 of RULES.md: WAGE 3000, p 2800, q 3000: NOT_ELIGIBLE, no category
    wage = [{"kind": "WAGE", "monthlyAmount": "3000", "memberIndex": 0}]
    members = [member_input("HEAD", "19850101", employment="EMPLOYED")]
    hid = await create(gql, single(scene["union"], "RV10", members=members, incomes=wage))
    await drain(settings)

    async def latest() -> tuple[str, str | None, str, int]:
        node = (await gql(HOUSEHOLD, {"id": hid}))["node"]
        d = node["latestDecision"]
        return d["outcome"], d["suggestedCategory"], d["categoryIncome"], len(node["decisions"])

    assert await latest() == ("NOT_ELIGIBLE", None, "3000.00", 1)
    steps: list[tuple[dict[str, Any], tuple[str, str | None, str, int]]] = [
        ({"majorEventCasualty": True}, ("NOT_ELIGIBLE", "ACCIDENT", "3000.00", 2)),
        ({"exclusions": ["HIGH_FEE_PRIVATE_SCHOOL"]}, ("NOT_ELIGIBLE", None, "3000.00", 3)),
        ({"exclusions": [], "majorEventCasualty": False}, ("NOT_ELIGIBLE", None, "3000.00", 4)),
        # an accident loss above 80% of the year's income 36000: ACCIDENT, p and q unchanged
        (
            {"expenditures": [{"kind": "ACCIDENT_LOSS", "annualAmount": "30000"}]},
            ("NOT_ELIGIBLE", "ACCIDENT", "3000.00", 5),
        ),
        # the same facts again: no new decision
        (
            {"expenditures": [{"kind": "ACCIDENT_LOSS", "annualAmount": "30000"}]},
            ("NOT_ELIGIBLE", "ACCIDENT", "3000.00", 5),
        ),
        ({"majorEventCasualty": False}, ("NOT_ELIGIBLE", "ACCIDENT", "3000.00", 5)),
    ]
    for change, expected in steps:
        assert (await gql(UPDATE, {"input": {"id": hid, **change}}))["updateHousehold"]["errors"] == []
        await drain(settings)
        await drain(settings)  # a second worker pass decides nothing more
        assert await latest() == expected, change
    trace = (await gql(HOUSEHOLD, {"id": hid}))["node"]["latestDecision"]["trace"]
    assert "C4_ACCIDENT" in [s["rule"] for s in trace]


async def test_a_dibao_household_that_becomes_marginal_loses_its_referral(
    gql: Any,
    pool: Any,
    settings: Settings,
    scene: dict[str, str],  # noqa: F811
) -> None:
    hid = await create(
        gql, single(scene["union"], "RV20", incomes=[{"kind": "OTHER", "monthlyAmount": "500"}])
    )
    await drain(settings)
    node = (await gql(HOUSEHOLD, {"id": hid}))["node"]
    assert (node["latestDecision"]["outcome"], node["referrals"]) == ("DIBAO", [{"status": "SENT"}])
    await gql(UPDATE, {"input": {"id": hid, "incomes": [{"kind": "OTHER", "monthlyAmount": "1000"}]}})
    await drain(settings)
    node = (await gql(HOUSEHOLD, {"id": hid}))["node"]
    d = node["latestDecision"]
    assert (d["outcome"], d["monthlyBenefit"], d["suggestedCategory"]) == ("MARGINAL", "0.00", "RELATIVE")
    assert node["referrals"] == [{"status": "WITHDRAWN"}]


async def test_civil_affairs_finds_its_regions_low_income_tiers(
    gql: Any,
    pool: Any,
    settings: Settings,
    scene: dict[str, str],  # noqa: F811
) -> None:
    await create(gql, single(scene["union"], "RV30"))  # p 1000: MARGINAL
    await create(gql, single(scene["union"], "RV31", **RIGID))  # example 11: RIGID_EXPENDITURE
    await create(gql, single(scene["union"], "RV32", incomes=[]))  # DIBAO
    async with pool.acquire() as conn:  # a MARGINAL household of another county of the city
        union = await conn.fetchval("SELECT id FROM trade_union WHERE name = '威海市总工会'")
    await create(gql, single(to_global_id("TradeUnion", union), "RV33", region="371003"))
    await drain(settings)
    agency = make_token(Role.CIVIL_AFFAIRS, region_code="371002")

    async def listed(outcome: str, token: str) -> list[str]:
        found = (await gql(LIST, {"outcome": outcome}, token=token))["households"]
        assert found["totalCount"] == len(found["edges"])
        return sorted(e["node"]["archiveNo"] for e in found["edges"])

    assert await listed("MARGINAL", agency) == ["RV30"]
    assert await listed("RIGID_EXPENDITURE", agency) == ["RV31"]
    assert await listed("MARGINAL", "admin") == ["RV30", "RV33"]
    city = make_token(Role.CIVIL_AFFAIRS, region_code="371000")
    assert await listed("MARGINAL", city) == ["RV30", "RV33"]


async def test_statistics_count_households_by_outcome_and_suggested_category(
    gql: Any,
    pool: Any,
    settings: Settings,
    scene: dict[str, str],  # noqa: F811
) -> None:
    await create(gql, single(scene["union"], "RV40"))  # MARGINAL, q 1000: RELATIVE
    await create(gql, single(scene["union"], "RV41", **RIGID))  # RIGID_EXPENDITURE, q −166.67: DEEP
    await create(gql, single(scene["union"], "RV42", incomes=[]))  # DIBAO, q 0: DEEP
    await create(gql, single(scene["union"], "RV43", members=[]))  # INSUFFICIENT_DATA, none
    excluded = single(scene["union"], "RV44", incomes=[], exclusions=["SELF_FUNDED_STUDY_ABROAD"])
    await create(gql, excluded)  # DIBAO, none
    before = (await gql(STATISTICS))["householdStatistics"]
    assert before["byOutcome"] == [{"key": "UNDECIDED", "households": 5}]
    await drain(settings)
    stats = (await gql(STATISTICS))["householdStatistics"]
    assert stats["byOutcome"] == [
        {"key": "DIBAO", "households": 2},
        {"key": "INSUFFICIENT_DATA", "households": 1},
        {"key": "MARGINAL", "households": 1},
        {"key": "RIGID_EXPENDITURE", "households": 1},
    ]
    assert stats["bySuggestedCategory"] == [
        {"key": "DEEP", "households": 2},
        {"key": "NONE", "households": 2},
        {"key": "RELATIVE", "households": 1},
    ]


async def test_a_simulation_reports_categories_and_their_changes(
    gql: Any,
    pool: Any,
    settings: Settings,
    scene: dict[str, str],  # noqa: F811
) -> None:
    await create(gql, single(scene["union"], "RV50"))  # p = q = 1000: MARGINAL, RELATIVE
    await create(gql, single(scene["union"], "RV51", incomes=[{"kind": "OTHER", "monthlyAmount": "2000"}]))
    await create(gql, single(scene["union"], "RV52", incomes=[{"kind": "OTHER", "monthlyAmount": "1500"}]))
    await drain(
        settings
    )  # RV51: p = q = 2000: NOT_ELIGIBLE, none; RV52: p = q = 1500: NOT_ELIGIBLE, RELATIVE
    raised = {**DEMO_PARAMETERS, "standard_monthly": "1100.00"}  # 1.5 S = 1650, 2 S = 2200
    sim = (await gql(SIMULATE, {"input": {"regionCode": "371000", "parameters": raised}}))[
        "simulateDibaoPolicy"
    ]
    await drain(settings)
    result = (await gql(RESULT, {"id": sim["simulation"]["id"]}))["node"]
    assert result["status"] == "DONE"
    assert result["categories"] == [
        {"category": "DEEP", "households": 1},
        {"category": "RELATIVE", "households": 2},
    ]
    assert (result["changedOutcome"], result["changedCategory"]) == (2, 2)
    assert result["outcomeChanges"] == [
        {"before": "MARGINAL", "after": "DIBAO", "households": 1},
        {"before": "NOT_ELIGIBLE", "after": "MARGINAL", "households": 1},
    ]
    assert result["categoryChanges"] == [
        {"before": "RELATIVE", "after": "DEEP", "households": 1},
        {"before": None, "after": "RELATIVE", "households": 1},
    ]
