"""Medical mutual aid (医疗互助) through real HTTP: plans with capped coverages, free and idempotent
enrollment (the women workers' plan takes female members), claims within caps even when filed at
once, the claim review flow, totals; every refusal writes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lianxin.core.ids import parse_global_id, to_global_id
from lianxin.core.tokens import Role
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_union, member_input, resident_id, row_counts

CREATE = """mutation($input: CreateHouseholdInput!) {
  createHousehold(input: $input) { household { id members { id relation } } errors { code } } }"""
PLAN = """mutation($input: CreateMutualAidPlanInput!) { createMutualAidPlan(input: $input) {
  plan { id year name womenOnly coverages { coverage cap } } errors { field code message } } }"""
ENROLL = """mutation($input: EnrollHouseholdInput!) { enrollHousehold(input: $input) {
  enrollments { memberId householdId } errors { field code message } } }"""
CLAIM = """mutation($input: FileClaimInput!) { fileClaim(input: $input) {
  claim { id coverage amount status incurredOn } errors { field code message } } }"""
REVIEW = """mutation($input: ReviewClaimInput!) { reviewClaim(input: $input) {
  claim { status reason } errors { field code message } } }"""
TOTALS = """query { mutualAidTotals(fromYear: 2025, toYear: 2026) { claims paidClaims amountClaimed amountPaid } }"""
TABLES = ("mutual_aid_plan", "mutual_aid_coverage", "mutual_aid_enrollment", "mutual_aid_claim", "event")


@pytest.fixture
async def union_id(pool: Any) -> str:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    return to_global_id("TradeUnion", district.id)


async def archive(gql: Any, union_id: str, archive_no: str, members: list[dict[str, Any]]) -> dict[str, Any]:
    data = await gql(
        CREATE,
        {
            "input": {
                "unionId": union_id,
                "archiveNo": archive_no,
                "level": "MUNICIPAL",
                "category": "DEEP",
                "hardshipReasons": ["ILLNESS"],
                "regionCode": "371002",
                "members": members,
            }
        },
    )
    household: dict[str, Any] = data["createHousehold"]["household"]
    return household


async def create_plan(gql: Any, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "year": 2026,
        "name": "职工医疗互助",
        "coverages": [
            {"coverage": "HOSPITAL_ALLOWANCE", "cap": "3000.00"},
            {"coverage": "CRITICAL_ILLNESS", "cap": "20000"},
        ],
    }
    fields.update(overrides)
    data: dict[str, Any] = (await gql(PLAN, {"input": fields}))["createMutualAidPlan"]
    return data


@pytest.fixture
async def scene(gql: Any, union_id: str) -> dict[str, Any]:
    """A couple (husband HEAD, wife SPOUSE) enrolled in the general plan."""
    wife = member_input("SPOUSE", "19800101", idNumber=resident_id("19800101", sex="F"))
    household = await archive(gql, union_id, "WH0001", [member_input("HEAD", "19780101"), wife])
    plan = (await create_plan(gql))["plan"]
    enrolled = await gql(ENROLL, {"input": {"planId": plan["id"], "householdId": household["id"]}})
    assert enrolled["enrollHousehold"]["errors"] == []
    head, spouse = (m["id"] for m in household["members"])
    return {"household": household["id"], "plan": plan["id"], "head": head, "spouse": spouse}


def claim_input(scene: dict[str, Any], amount: str, **overrides: Any) -> dict[str, Any]:
    fields = {
        "planId": scene["plan"],
        "memberId": scene["head"],
        "coverage": "HOSPITAL_ALLOWANCE",
        "amount": amount,
        "incurredOn": "2026-05-01",
    }
    fields.update(overrides)
    return fields


async def test_a_plan_is_published_with_its_caps(gql: Any, pool: Any) -> None:
    data = await create_plan(gql, womenOnly=True, name=" 女职工特殊疾病互助 ")
    assert data["errors"] == []
    assert data["plan"] == {
        "id": data["plan"]["id"],
        "year": 2026,
        "name": "女职工特殊疾病互助",
        "womenOnly": True,
        "coverages": [
            {"coverage": "CRITICAL_ILLNESS", "cap": "20000.00"},
            {"coverage": "HOSPITAL_ALLOWANCE", "cap": "3000.00"},
        ],
    }
    listed = await gql("{ mutualAidPlans(year: 2026) { name coverages { coverage } } }")
    assert [p["name"] for p in listed["mutualAidPlans"]] == ["女职工特殊疾病互助"]
    async with pool.acquire() as conn:
        assert (
            await conn.fetchval(
                "SELECT cap_fen FROM mutual_aid_coverage WHERE coverage = 'HOSPITAL_ALLOWANCE'"
            )
            == 300000
        )


BAD_PLANS = [
    ({"name": "  "}, "NAME_REQUIRED", ["name"]),
    ({"year": 1999}, "INVALID_YEAR", ["year"]),
    ({"coverages": []}, "COVERAGE_REQUIRED", ["coverages"]),
    (
        {"coverages": [{"coverage": "ACCIDENT", "cap": "1"}, {"coverage": "ACCIDENT", "cap": "2"}]},
        "DUPLICATE_COVERAGE",
        ["coverages", "1"],
    ),
    ({"coverages": [{"coverage": "ACCIDENT", "cap": "0"}]}, "AMOUNT_NOT_POSITIVE", ["coverages", "0", "cap"]),
    (
        {"coverages": [{"coverage": "ACCIDENT", "cap": "1.001"}]},
        "TOO_MANY_DECIMALS",
        ["coverages", "0", "cap"],
    ),
    ({"name": "职工医疗互助"}, "DUPLICATE_PLAN", ["name"]),
]


@pytest.mark.parametrize(("overrides", "code", "field"), BAD_PLANS)
async def test_bad_plans_are_refused_and_nothing_is_written(
    gql: Any, pool: Any, overrides: dict[str, Any], code: str, field: list[str]
) -> None:
    await create_plan(gql)
    before = await row_counts(pool, *TABLES)
    data = await create_plan(gql, **overrides)
    assert data["plan"] is None
    assert (data["errors"][0]["code"], data["errors"][0]["field"]) == (code, field)
    assert await row_counts(pool, *TABLES) == before


async def test_only_admins_publish_plans(gql: Any, pool: Any) -> None:
    staff = make_token(Role.UNION_STAFF, union_id=1)
    denied = await gql.raw(PLAN, {"input": {"year": 2026, "name": "x", "coverages": []}}, token=staff)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await row_counts(pool, "mutual_aid_plan"))["mutual_aid_plan"] == 0


async def test_enrollment_is_free_idempotent_and_the_womens_plan_takes_women(
    gql: Any, pool: Any, union_id: str, scene: dict[str, Any]
) -> None:
    again = await gql(ENROLL, {"input": {"planId": scene["plan"], "householdId": scene["household"]}})
    assert {e["memberId"] for e in again["enrollHousehold"]["enrollments"]} == {
        scene["head"],
        scene["spouse"],
    }
    assert (await row_counts(pool, "mutual_aid_enrollment"))["mutual_aid_enrollment"] == 2
    women = (await create_plan(gql, name="女职工互助", womenOnly=True))["plan"]
    enrolled = await gql(ENROLL, {"input": {"planId": women["id"], "householdId": scene["household"]}})
    assert [e["memberId"] for e in enrolled["enrollHousehold"]["enrollments"]] == [scene["spouse"]]
    men_only = await archive(gql, union_id, "WH0002", [member_input("HEAD", "19700101")])
    empty = await archive(gql, union_id, "WH0003", [])
    before = await row_counts(pool, *TABLES)
    for household, code in [(men_only, "NO_ELIGIBLE_MEMBERS"), (empty, "NO_ELIGIBLE_MEMBERS")]:
        data = await gql(ENROLL, {"input": {"planId": women["id"], "householdId": household["id"]}})
        assert data["enrollHousehold"]["enrollments"] is None
        assert data["enrollHousehold"]["errors"][0]["code"] == code
    missing = await gql(
        ENROLL, {"input": {"planId": to_global_id("MutualAidPlan", 999), "householdId": scene["household"]}}
    )
    assert missing["enrollHousehold"]["errors"][0]["code"] == "PLAN_NOT_FOUND"
    assert await row_counts(pool, *TABLES) == before


async def test_claims_stay_within_the_cap_and_the_error_names_what_remains(
    gql: Any, pool: Any, scene: dict[str, Any]
) -> None:
    first = (await gql(CLAIM, {"input": claim_input(scene, "2000")}))["fileClaim"]
    assert first["claim"]["status"] == "SUBMITTED"
    before = await row_counts(pool, *TABLES)
    over = (await gql(CLAIM, {"input": claim_input(scene, "1000.01")}))["fileClaim"]
    assert over["claim"] is None
    [error] = over["errors"]
    assert (error["code"], error["field"]) == ("CLAIM_OVER_CAP", ["amount"])
    assert "1000.00 remains" in error["message"]
    assert await row_counts(pool, *TABLES) == before
    # the cap is per member and coverage: the wife and another coverage are untouched
    assert (await gql(CLAIM, {"input": claim_input(scene, "3000", memberId=scene["spouse"])}))["fileClaim"][
        "errors"
    ] == []
    assert (await gql(CLAIM, {"input": claim_input(scene, "5000", coverage="CRITICAL_ILLNESS")}))[
        "fileClaim"
    ]["errors"] == []
    # exactly up to the cap is fine; a rejected claim no longer counts
    assert (await gql(CLAIM, {"input": claim_input(scene, "1000.00")}))["fileClaim"]["errors"] == []
    rejected = await gql(
        REVIEW, {"input": {"id": first["claim"]["id"], "status": "REJECTED", "reason": "材料不全"}}
    )
    assert rejected["reviewClaim"]["claim"] == {"status": "REJECTED", "reason": "材料不全"}
    assert (await gql(CLAIM, {"input": claim_input(scene, "2000")}))["fileClaim"]["errors"] == []


async def test_claims_filed_at_once_cannot_pass_the_cap_together(
    gql: Any, pool: Any, scene: dict[str, Any]
) -> None:
    results = await asyncio.gather(*(gql(CLAIM, {"input": claim_input(scene, "1000")}) for _ in range(5)))
    codes = sorted(r["fileClaim"]["errors"][0]["code"] if r["fileClaim"]["errors"] else "OK" for r in results)
    assert codes == ["CLAIM_OVER_CAP", "CLAIM_OVER_CAP", "OK", "OK", "OK"]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT sum(amount_fen) FROM mutual_aid_claim") == 300000


async def test_bad_claims_are_refused_and_nothing_is_written(
    gql: Any, pool: Any, scene: dict[str, Any]
) -> None:
    women = (await create_plan(gql, name="女职工互助", womenOnly=True))["plan"]
    cases = [
        ({"planId": women["id"]}, "NOT_ENROLLED", ["memberId"]),
        ({"planId": to_global_id("MutualAidPlan", 999)}, "PLAN_NOT_FOUND", ["planId"]),
        ({"coverage": "ACCIDENT"}, "COVERAGE_NOT_IN_PLAN", ["coverage"]),
        ({"incurredOn": "2025-12-31"}, "OUTSIDE_PLAN_YEAR", ["incurredOn"]),
        ({"amount": "0"}, "AMOUNT_NOT_POSITIVE", ["amount"]),
        ({"amount": "-3"}, "NEGATIVE_AMOUNT", ["amount"]),
        ({"memberId": scene["household"]}, "INVALID_ID", ["memberId"]),
    ]
    before = await row_counts(pool, *TABLES)
    for overrides, code, field in cases:
        data = (await gql(CLAIM, {"input": {**claim_input(scene, "100"), **overrides}}))["fileClaim"]
        assert data["claim"] is None, overrides
        assert (data["errors"][0]["code"], data["errors"][0]["field"]) == (code, field), overrides
    assert await row_counts(pool, *TABLES) == before


async def test_claims_move_through_review_and_are_totalled(
    gql: Any, pool: Any, scene: dict[str, Any]
) -> None:
    ids = [
        (await gql(CLAIM, {"input": claim_input(scene, amount)}))["fileClaim"]["claim"]["id"]
        for amount in ("800", "700.50")
    ]

    async def review(claim_id: str, status: str, reason: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = (
            await gql(REVIEW, {"input": {"id": claim_id, "status": status, "reason": reason}})
        )["reviewClaim"]
        return result

    assert (await review(ids[0], "PAID"))["errors"][0]["code"] == "INVALID_TRANSITION"
    assert (await review(ids[0], "APPROVED"))["claim"]["status"] == "APPROVED"
    assert (await review(ids[0], "PAID"))["claim"]["status"] == "PAID"
    assert (await review(ids[0], "REJECTED", "late"))["errors"][0]["code"] == "INVALID_TRANSITION"
    assert (await review(ids[1], "REJECTED"))["errors"] == [
        {"field": ["reason"], "code": "REASON_REQUIRED", "message": "say why the claim is rejected"}
    ]
    missing = await review(to_global_id("MutualAidClaim", 9999), "APPROVED")
    assert missing["errors"][0]["code"] == "NOT_FOUND"
    listed = await gql(
        """query($plan: ID, $member: ID) { mutualAidClaims(planId: $plan, memberId: $member, status: PAID) {
             totalCount edges { node { id amount } } } }""",
        {"plan": scene["plan"], "member": scene["head"]},
    )
    assert listed["mutualAidClaims"] == {
        "totalCount": 1,
        "edges": [{"node": {"id": ids[0], "amount": "800.00"}}],
    }
    everyone = await gql("{ mutualAidClaims(first: 1) { totalCount pageInfo { hasNextPage } } }")
    assert everyone["mutualAidClaims"] == {"totalCount": 2, "pageInfo": {"hasNextPage": True}}
    totals = (await gql(TOTALS))["mutualAidTotals"]
    assert totals == {"claims": 2, "paidClaims": 1, "amountClaimed": "1500.50", "amountPaid": "800.00"}
    assert (
        await gql("query($id: ID!) { node(id: $id) { ... on MutualAidClaim { status } } }", {"id": ids[0]})
    )["node"] == {"status": "PAID"}


async def test_a_household_s_enrollments_are_read_back_in_the_caller_s_scope(
    gql: Any, pool: Any, union_id: str, scene: dict[str, Any]
) -> None:
    query = """query($plan: ID!, $household: ID!) {
      mutualAidEnrollments(planId: $plan, householdId: $household) { memberId householdId } }"""
    variables = {"plan": scene["plan"], "household": scene["household"]}
    both = [
        {"memberId": scene["head"], "householdId": scene["household"]},
        {"memberId": scene["spouse"], "householdId": scene["household"]},
    ]
    assert (await gql(query, variables))["mutualAidEnrollments"] == both
    district = parse_global_id(union_id)[1]  # type: ignore[index]
    sibling = await make_union(pool, name="另一市总工会")
    staff, outside = (make_token(Role.UNION_STAFF, union_id=u) for u in (district, sibling.id))
    assert (await gql(query, variables, token=staff))["mutualAidEnrollments"] == both
    assert (await gql(query, variables, token=outside))["mutualAidEnrollments"] == []
    other_plan = (await create_plan(gql, name="女职工互助", womenOnly=True))["plan"]["id"]
    assert (await gql(query, {**variables, "plan": other_plan}))["mutualAidEnrollments"] == []
    bad = await gql.raw(query, {**variables, "household": scene["plan"]})
    assert [e["extensions"]["code"] for e in bad["errors"]] == ["INVALID_ID"]
    denied = await gql.raw(query, variables, token=make_token(Role.SPONSOR, sponsor_id=1))
    assert [e["extensions"]["code"] for e in denied["errors"]] == ["FORBIDDEN"]
