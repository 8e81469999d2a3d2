"""Eligibility end to end: publish a policy, archive and change households, let a real arq worker
decide, follow referrals, re-match runs; unchanged inputs are never re-decided."""

from __future__ import annotations

from typing import Any

import pytest
from arq.worker import Worker

from lianxin.core.config import Settings
from lianxin.core.ids import to_global_id
from lianxin.eligibility import DEMO_PARAMETERS
from lianxin.trade_union.models import UnionKind
from lianxin_worker.main import worker_settings

from factories import make_union, member_input, row_counts

PUBLISH = """mutation($input: PublishDibaoPolicyInput!) {
  publishDibaoPolicy(input: $input) { policy { id regionCode effectiveFrom parameters } run { id status }
    errors { field code message } } }"""
CREATE = """mutation($input: CreateHouseholdInput!) {
  createHousehold(input: $input) { household { id } errors { code field message } } }"""
UPDATE = """mutation($input: UpdateHouseholdInput!) {
  updateHousehold(input: $input) { household { id version } errors { code } } }"""
DECISION = """query($id: ID!) { node(id: $id) { ... on Household {
  latestDecision { outcome perCapitaIncome standard monthlyBenefit suggestedCategory policy { regionCode }
                   trace { rule passed value explanation } }
  decisions { outcome } referrals { status reason agency { name } } } } }"""


async def drain(settings: Settings) -> Worker:
    worker = Worker(**{**worker_settings(settings, burst=True), "cron_jobs": []})
    await worker.main()
    await worker.close()
    assert worker.jobs_failed == 0
    return worker


@pytest.fixture
async def scene(gql: Any, pool: Any) -> dict[str, str]:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    published = await gql(
        PUBLISH,
        {"input": {"regionCode": "371000", "effectiveFrom": "2020-01-01", "parameters": DEMO_PARAMETERS}},
    )
    assert published["publishDibaoPolicy"]["errors"] == []
    agency = await gql(
        'mutation { createAgency(input: {name: "环翠区民政局", regionCode: "371002"}) { agency { id } errors { code } } }'
    )
    return {
        "union": to_global_id("TradeUnion", district.id),
        "agency": agency["createAgency"]["agency"]["id"],
    }


def poor_household(union_id: str, archive_no: str = "WH0001", wage: str = "600.00") -> dict[str, Any]:
    return {
        "unionId": union_id,
        "archiveNo": archive_no,
        "level": "MUNICIPAL",
        "category": "DEEP",
        "hardshipReasons": ["ILLNESS"],
        "regionCode": "371002",
        "members": [
            member_input("HEAD", "19770101", health="CRITICAL_ILLNESS", employment="FLEXIBLE"),
            member_input("CHILD", "20120101", employment="STUDENT"),
        ],
        "incomes": [
            {"kind": "WAGE", "monthlyAmount": wage, "memberIndex": 0},
            {"kind": "TRANSFER", "monthlyAmount": "300"},
        ],
        "expenditures": [{"kind": "MEDICAL", "annualAmount": "18000"}],
        "assets": [{"kind": "DEPOSIT", "value": "5000"}],
    }


async def test_a_change_is_decided_explained_and_referred(
    gql: Any, pool: Any, settings: Settings, scene: dict[str, str]
) -> None:
    created = await gql(CREATE, {"input": poor_household(scene["union"])})
    hid = created["createHousehold"]["household"]["id"]
    await drain(settings)
    node = (await gql(DECISION, {"id": hid}))["node"]
    decision = node["latestDecision"]
    # I = 600 − min(20% × 600, 200) + 300 = 780; p = 390 < 850 → DIBAO
    assert (decision["outcome"], decision["perCapitaIncome"], decision["standard"]) == (
        "DIBAO",
        "390.00",
        "850.00",
    )
    # benefit = (850 − 390) × 2 + supplements (critical illness 30%, minor 10%) × 850
    assert decision["monthlyBenefit"] == "1260.00"
    assert decision["suggestedCategory"] == "DEEP"
    assert decision["policy"] == {"regionCode": "371000"}
    assert [s["rule"] for s in decision["trace"]][:1] == ["R1_MEMBERS"]
    assert all(" / " in s["explanation"] for s in decision["trace"])
    assert node["referrals"] == [{"status": "SENT", "reason": None, "agency": {"name": "环翠区民政局"}}]
    async with pool.acquire() as conn:
        types = [r["type"] for r in await conn.fetch("SELECT type FROM event ORDER BY id")]
        payload = await conn.fetchval(
            "SELECT payload FROM event WHERE type = 'eligibility.decided' ORDER BY id DESC LIMIT 1"
        )
        q = await conn.fetchval(
            "SELECT category_income_fen FROM eligibility_decision ORDER BY id DESC LIMIT 1"
        )
    assert types[-2:] == ["eligibility.decided", "referral.created"]
    # the event carries the union classification next to the outcome (RULES.md v2)
    assert sorted(payload) == [
        "categoryIncomeFen",
        "decisionId",
        "monthlyBenefitFen",
        "outcome",
        "policyId",
        "suggestedCategory",
    ]
    assert (payload["outcome"], payload["suggestedCategory"]) == ("DIBAO", "DEEP")
    assert isinstance(q, int)
    assert payload["categoryIncomeFen"] == q


async def test_unchanged_inputs_are_not_redecided_and_a_change_is_decided_once(
    gql: Any, pool: Any, settings: Settings, scene: dict[str, str]
) -> None:
    hid = (await gql(CREATE, {"input": poor_household(scene["union"])}))["createHousehold"]["household"]["id"]
    await drain(settings)
    # an update that changes nothing the rules read: a job runs, no new decision
    await gql(UPDATE, {"input": {"id": hid, "contactName": "王老师"}})
    await drain(settings)
    assert (await row_counts(pool, "eligibility_decision"))["eligibility_decision"] == 1
    # the same job delivered twice after a real change: exactly one new decision
    await gql(
        UPDATE,
        {"input": {"id": hid, "incomes": [{"kind": "WAGE", "monthlyAmount": "5000", "memberIndex": 0}]}},
    )
    async with pool.acquire() as conn:
        outbox_id = await conn.fetchval("SELECT max(id) FROM job_outbox WHERE job = 'household_changed'")
    from lianxin_worker.tasks.household import household_changed

    ctx: Any = {"pool": pool, "settings": settings}
    assert await household_changed(ctx, outbox_id) == "done"
    assert await household_changed(ctx, outbox_id) == "skipped: already done or running elsewhere"
    await drain(settings)
    node = (await gql(DECISION, {"id": hid}))["node"]
    assert [d["outcome"] for d in node["decisions"]] == ["NOT_ELIGIBLE", "DIBAO"]
    # no longer eligible: the open referral is withdrawn with a reason
    assert node["referrals"][0]["status"] == "WITHDRAWN"
    assert node["referrals"][0]["reason"]


async def test_publishing_a_new_standard_rematches_the_region(
    gql: Any, pool: Any, settings: Settings, scene: dict[str, str]
) -> None:
    # p = (1500 − 200 + 300) / 2 = 800 < 850: DIBAO now; under a standard of 700 it is not
    hid = (await gql(CREATE, {"input": poor_household(scene["union"], wage="1500.00")}))["createHousehold"][
        "household"
    ]["id"]
    await drain(settings)
    assert (await gql(DECISION, {"id": hid}))["node"]["latestDecision"]["outcome"] == "DIBAO"
    lower = {**DEMO_PARAMETERS, "standard_monthly": "700.00"}
    published = await gql(
        PUBLISH, {"input": {"regionCode": "371002", "effectiveFrom": "2021-01-01", "parameters": lower}}
    )
    run_id = published["publishDibaoPolicy"]["run"]["id"]
    await drain(settings)
    run = await gql(
        "query($id: ID!) { node(id: $id) { ... on EligibilityRun { status total done changed } } }",
        {"id": run_id},
    )
    assert run["node"] == {"status": "DONE", "total": 1, "done": 1, "changed": 1}
    decision = (await gql(DECISION, {"id": hid}))["node"]["latestDecision"]
    assert decision["standard"] == "700.00"
    assert decision["policy"] == {"regionCode": "371002"}
    # requesting a run again changes nothing: same inputs, same policy
    again = await gql(
        'mutation { requestEligibilityRun(input: {regionCode: "371000"}) { run { id } errors { code } } }'
    )
    await drain(settings)
    rerun = await gql(
        "query($id: ID!) { node(id: $id) { ... on EligibilityRun { status done changed } } }",
        {"id": again["requestEligibilityRun"]["run"]["id"]},
    )
    assert rerun["node"] == {"status": "DONE", "done": 1, "changed": 0}


BAD_POLICIES = [
    ({"regionCode": "3710"}, "INVALID_REGION_CODE", ["regionCode"]),
    ({"parameters": {**DEMO_PARAMETERS, "bonus": "1"}}, "PARAMETER_UNKNOWN_KEY", ["parameters", "bonus"]),
    (
        {"parameters": {**DEMO_PARAMETERS, "standard_monthly": "abc"}},
        "PARAMETER_INVALID_DECIMAL",
        ["parameters", "standard_monthly"],
    ),
    (
        {"parameters": {k: v for k, v in DEMO_PARAMETERS.items() if k != "max_houses"}},
        "PARAMETER_MISSING",
        ["parameters", "max_houses"],
    ),
    ({"effectiveFrom": "2020-01-01"}, "DUPLICATE_POLICY", ["effectiveFrom"]),
]


@pytest.mark.parametrize(("overrides", "code", "field"), BAD_POLICIES)
async def test_bad_policies_are_refused_and_nothing_is_written(
    gql: Any, pool: Any, scene: dict[str, str], overrides: dict[str, Any], code: str, field: list[str]
) -> None:
    before = await row_counts(pool, "dibao_policy", "eligibility_run", "event", "job_outbox")
    input_ = {
        "regionCode": "371000",
        "effectiveFrom": "2024-01-01",
        "parameters": DEMO_PARAMETERS,
        **overrides,
    }
    data = (await gql(PUBLISH, {"input": input_}))["publishDibaoPolicy"]
    assert data["policy"] is None
    assert (data["errors"][0]["code"], data["errors"][0]["field"]) == (code, field)
    assert await row_counts(pool, "dibao_policy", "eligibility_run", "event", "job_outbox") == before


async def test_policies_are_never_edited_in_place(pool: Any, scene: dict[str, str]) -> None:
    import asyncpg

    async with pool.acquire() as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("UPDATE dibao_policy SET parameters = '{}'::jsonb")


async def test_agencies_move_referrals_through_the_investigation(
    gql: Any, pool: Any, settings: Settings, scene: dict[str, str]
) -> None:
    from lianxin.core.ids import parse_global_id
    from lianxin.core.tokens import Role

    from conftest import make_token

    await gql(CREATE, {"input": poor_household(scene["union"])})
    await drain(settings)
    agency_pk = parse_global_id(scene["agency"])[1]  # type: ignore[index]
    token = make_token(Role.CIVIL_AFFAIRS, region_code="371002", agency_id=agency_pk)
    listing = await gql("{ referrals(first: 10) { totalCount edges { node { id status } } } }", token=token)
    referral_id = listing["referrals"]["edges"][0]["node"]["id"]
    move = """mutation($input: UpdateReferralInput!) { updateReferral(input: $input) {
      referral { status reason } errors { code field } } }"""

    async def to(status: str, reason: str | None = None) -> dict[str, Any]:
        data = await gql(
            move, {"input": {"id": referral_id, "status": status, "reason": reason}}, token=token
        )
        result: dict[str, Any] = data["updateReferral"]
        return result

    assert (await to("APPROVED"))["errors"] == [{"code": "INVALID_TRANSITION", "field": ["status"]}]
    assert (await to("RECEIVED"))["referral"]["status"] == "RECEIVED"
    assert (await to("INVESTIGATING"))["referral"]["status"] == "INVESTIGATING"
    assert (await to("REJECTED"))["errors"] == [{"code": "REASON_REQUIRED", "field": ["reason"]}]
    assert (await to("REJECTED", "deposits above the limit"))["referral"] == {
        "status": "REJECTED",
        "reason": "deposits above the limit",
    }
    # another agency's token cannot see or move it
    other = make_token(Role.CIVIL_AFFAIRS, region_code="371003", agency_id=agency_pk + 1)
    assert (await gql("{ referrals(first: 10) { totalCount } }", token=other))["referrals"]["totalCount"] == 0
    foreign = await gql(move, {"input": {"id": referral_id, "status": "RECEIVED"}}, token=other)
    assert foreign["updateReferral"]["errors"][0]["code"] == "NOT_FOUND"


async def test_households_filter_by_outcome(gql: Any, settings: Settings, scene: dict[str, str]) -> None:
    await gql(CREATE, {"input": poor_household(scene["union"], "WH0001")})
    rich = poor_household(scene["union"], "WH0002", wage="9000.00")
    await gql(CREATE, {"input": rich})
    await drain(settings)
    query = "query($o: EligibilityOutcome) { households(filter: {outcome: $o}) { totalCount edges { node { archiveNo } } } }"
    dibao = (await gql(query, {"o": "DIBAO"}))["households"]
    assert dibao == {"totalCount": 1, "edges": [{"node": {"archiveNo": "WH0001"}}]}
    assert (await gql(query, {"o": "NOT_ELIGIBLE"}))["households"]["edges"] == [
        {"node": {"archiveNo": "WH0002"}}
    ]
