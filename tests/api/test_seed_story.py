"""The casework issue's "done when", end to end through real GraphQL over HTTP and a real arq worker:
the seed story (于秀梅, 43, in treatment for a critical illness, raising her son, 13, alone; paired with
威海城建集团 since 2018-03-01) walked by a 环翠区 caseworker, step by step as README's walkthrough shows.

Reference data comes first, as ADMIN (in `make run` the demo data holds it): the union tree, the
sponsor and this year's mutual-aid plan. Dates that the code checks against "now" come from LIANXIN_TZ.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import httpx
from arq.worker import Worker
from pypdf import PdfReader

from lianxin.core.clock import today_in
from lianxin.core.config import Settings
from lianxin.core.ids import parse_global_id
from lianxin.core.tokens import Role
from lianxin.demo.loader import demo_credit_code
from lianxin.household.resident_id import compute_check_char
from lianxin_worker.main import worker_settings

from conftest import make_token
from factories import row_counts

ARCHIVE_NO = "WH2018000101"  # the demo data already holds her as WH2018000001

CREATE_UNION = """mutation($input: CreateUnionInput!) {
  createUnion(input: $input) { union { id } errors { field code message } } }"""
CREATE_ORGANIZATION = """mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { id } errors { field code message } } }"""
CREATE_PLAN = """mutation($input: CreateMutualAidPlanInput!) { createMutualAidPlan(input: $input) {
  plan { id year name coverages { coverage cap } } errors { field code message } } }"""

LOOKUP = """query($year: Int) {
  unions(first: 10) { edges { node { id name } } }
  organizations(kind: SPONSOR, first: 10) { edges { node { id name } } }
  mutualAidPlans(year: $year) { id name coverages { coverage cap } } }"""
ARCHIVE = """mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) {
  household { id archiveNo status archivedOn union { name } contactPerson { name phone } contactCardUrl
              members { id name relation sex birthDate health employment } }
  errors { field code message } } }"""
RECORD_VISIT = """mutation($input: RecordVisitInput!) { recordVisit(input: $input) {
  visit { id year round visitedOn visitors findings { familySituation hardshipCauses employmentWishes }
          plan { action owner dueOn } }
  errors { field code message } } }"""
PAIR = """mutation($input: CreateSponsorshipInput!) { createSponsorship(input: $input) {
  sponsorship { id active startedOn sponsor { name } household { archiveNo } }
  errors { field code message } } }"""
PAY_BATCH = """mutation($input: PayQuarterlyCondolenceInput!) { payQuarterlyCondolence(input: $input) {
  batch { id status period amount total done paid } errors { field code message } } }"""
BATCH = """query($id: ID!) { aidBatch(id: $id) { status period total done paid finishedAt } }"""
PAID = """query($household: ID!, $period: String!) {
  aidDisbursements(householdId: $household, program: QUARTERLY_CONDOLENCE, period: $period) {
    totalCount edges { node { period amount paidOn batchId } } }
  aidTotals(program: QUARTERLY_CONDOLENCE, period: $period) { program period households amount } }"""
ENROLL = """mutation($input: EnrollHouseholdInput!) { enrollHousehold(input: $input) {
  enrollments { memberId householdId enrolledOn } errors { field code message } } }"""
ENROLLED = """query($plan: ID!, $household: ID!) {
  mutualAidEnrollments(planId: $plan, householdId: $household) { memberId enrolledOn } }"""
FILE_CLAIM = """mutation($input: FileClaimInput!) { fileClaim(input: $input) {
  claim { id coverage amount status incurredOn } errors { field code message } } }"""
EXPORT = "{ ledgerExport }"
IMPORT = """mutation($content: String!) { importLedger(input: {content: $content}) {
  created updated unchanged failed rowErrors { sheet row column code message } errors { field code message } } }"""
MARK_OUT = """mutation($input: UpdateHouseholdInput!) { updateHousehold(input: $input) {
  household { id status statusChangedOn statusReason version } errors { field code message } } }"""
HOUSEHOLD = """query($id: ID!) { node(id: $id) { ... on Household {
  archiveNo status statusChangedOn statusReason version contactCardUrl
  visits { round visitedOn plan { action owner dueOn } }
  sponsorships { active startedOn sponsor { name } } } } }"""
STATISTICS = """query($year: Int!) {
  yearlyHouseholdFigures(fromYear: $year, toYear: $year) { year archived onFile outOfHardship }
  householdStatistics(regionCode: "371002") { byStatus { key households } } }"""
HISTORY = """query($id: ID!) { auditLog(filter: {entityId: $id, operation: "updateHousehold"}) {
  edges { node { actorRole outcome changes { table operation before after } } } } }"""

CLAIM_TABLES = ("mutual_aid_claim", "event", "job_outbox")
LEDGER_TABLES = ("household", "member", "income", "expenditure", "asset", "event", "job_outbox")


async def drain(settings: Settings) -> None:
    worker = Worker(**{**worker_settings(settings, burst=True), "cron_jobs": []})
    await worker.main()
    await worker.close()
    assert worker.jobs_failed == 0


def born(today: date, age: int, month: int, day: int) -> date:
    """The birth date, on (month, day), of someone exactly `age` years old on `today`."""
    return date(today.year - age - ((today.month, today.day) < (month, day)), month, day)


def id_number(birth: date, order: str) -> str:
    """A 环翠区 resident ID number; the order code's last digit is odd for men, even for women."""
    first17 = f"371002{birth:%Y%m%d}{order}"
    return first17 + compute_check_char(first17)


def quarter(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


async def ok(gql: Any, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    """The payload of a single mutation that must succeed (errors: [])."""
    data: dict[str, Any] = await gql(query, variables, token=token)
    [payload] = data.values()
    assert payload["errors"] == [], payload["errors"]
    return payload  # type: ignore[no-any-return]


async def reference_data(gql: Any, today: date) -> int:
    """What the demo data holds: the union tree and the sponsor; plus this year's mutual-aid plan.
    Returns the primary key of 环翠区总工会, the caseworker's union."""
    root = await ok(
        gql,
        CREATE_UNION,
        {"input": {"name": "威海市总工会", "kind": "FEDERATION", "regionCode": "371000"}},
        "admin",
    )
    district = await ok(
        gql,
        CREATE_UNION,
        {
            "input": {
                "name": "环翠区总工会",
                "kind": "DISTRICT_FEDERATION",
                "regionCode": "371002",
                "parentId": root["union"]["id"],
            }
        },
        "admin",
    )
    sponsor = {"name": "威海城建集团有限公司", "creditCode": demo_credit_code("371002", "MA3C00001")}
    await ok(gql, CREATE_ORGANIZATION, {"input": {**sponsor, "kind": "SPONSOR"}}, "admin")
    plan = {
        "year": today.year,
        "name": "职工医疗互助",
        "coverages": [
            {"coverage": "HOSPITAL_ALLOWANCE", "cap": "3000.00"},
            {"coverage": "CRITICAL_ILLNESS", "cap": "20000.00"},
        ],
    }
    # only ADMIN publishes a plan
    await ok(gql, CREATE_PLAN, {"input": plan}, "admin")
    pk = parse_global_id(district["union"]["id"])[1]  # type: ignore[index]
    return int(pk)


async def test_the_seed_story_walked_by_a_caseworker(
    gql: Any, client: httpx.AsyncClient, pool: Any, settings: Settings
) -> None:
    today = today_in(settings.timezone)
    staff = make_token(Role.UNION_STAFF, union_id=await reference_data(gql, today))

    # 0. The caseworker finds her union, the sponsor and this year's plan.
    found = await gql(LOOKUP, {"year": today.year}, token=staff)
    union_id = next(e["node"]["id"] for e in found["unions"]["edges"] if e["node"]["name"] == "环翠区总工会")
    [sponsor] = [e["node"] for e in found["organizations"]["edges"]]
    [plan] = found["mutualAidPlans"]
    assert (sponsor["name"], plan["name"]) == ("威海城建集团有限公司", "职工医疗互助")

    # 1. Archive (建档) the household, with a contact person (联系人).
    mother, son = born(today, 43, 3, 12), born(today, 13, 9, 8)
    archived = await ok(
        gql,
        ARCHIVE,
        {
            "input": {
                "unionId": union_id,
                "archiveNo": ARCHIVE_NO,
                "level": "NATIONAL",
                "category": "DEEP",
                "hardshipReasons": ["ILLNESS", "EDUCATION"],
                "regionCode": "371002",
                "members": [
                    {
                        "name": "于秀梅",
                        "relation": "HEAD",
                        "idNumber": id_number(mother, "026"),
                        "health": "CRITICAL_ILLNESS",
                        "employment": "FLEXIBLE",
                    },
                    {
                        "name": "于浩然",
                        "relation": "CHILD",
                        "idNumber": id_number(son, "015"),
                        "health": "HEALTHY",
                        "employment": "STUDENT",
                    },
                ],
                "incomes": [
                    {"kind": "WAGE", "monthlyAmount": "600.00", "memberIndex": 0},
                    {"kind": "TRANSFER", "monthlyAmount": "300.00"},
                ],
                "expenditures": [{"kind": "MEDICAL", "annualAmount": "18000.00"}],
                "assets": [{"kind": "DEPOSIT", "value": "5000.00"}],
                "contactName": "王丽",
                "contactPhone": "0631-5200018",
            }
        },
        staff,
    )
    household = archived["household"]
    hid = household["id"]
    assert (household["archiveNo"], household["status"], household["archivedOn"]) == (
        ARCHIVE_NO,
        "ACTIVE",
        today.isoformat(),
    )
    assert household["union"] == {"name": "环翠区总工会"}
    assert household["contactPerson"] == {"name": "王丽", "phone": "0631-5200018"}
    assert [(m["name"], m["relation"], m["sex"], m["birthDate"]) for m in household["members"]] == [
        ("于秀梅", "HEAD", "FEMALE", mother.isoformat()),
        ("于浩然", "CHILD", "MALE", son.isoformat()),
    ]
    head = household["members"][0]["id"]

    # 2. A survey visit (入户调研) with findings and a plan (因户施策): actions with owners.
    plan_actions = [
        {
            "action": "申请大病医疗互助补助",
            "owner": "王丽",
            "dueOn": (today + timedelta(days=14)).isoformat(),
        },
        {
            "action": "联系威海城建集团提供就近灵活岗位",
            "owner": "环翠区总工会帮扶中心",
            "dueOn": (today + timedelta(days=60)).isoformat(),
        },
    ]
    visit = (
        await ok(
            gql,
            RECORD_VISIT,
            {
                "input": {
                    "householdId": hid,
                    "visitedOn": today.isoformat(),
                    "visitors": ["王丽", "威海城建集团工会 张主席"],
                    "findings": {
                        "familySituation": "单亲，本人癌症治疗中仍灵活就业，儿子读初中",
                        "hardshipCauses": "大病医疗支出，子女教育",
                        "employmentWishes": "希望治疗期间有就近的灵活岗位",
                    },
                    "plan": plan_actions,
                }
            },
            staff,
        )
    )["visit"]
    assert (visit["year"], visit["round"], visit["visitedOn"]) == (today.year, 1, today.isoformat())
    assert visit["plan"] == plan_actions

    # 3. Pair the sponsor (结对帮扶) since 2018-03-01.
    pairing = (
        await ok(
            gql,
            PAIR,
            {"input": {"householdId": hid, "sponsorId": sponsor["id"], "startedOn": "2018-03-01"}},
            staff,
        )
    )["sponsorship"]
    assert pairing == {
        "id": pairing["id"],
        "active": True,
        "startedOn": "2018-03-01",
        "sponsor": {"name": "威海城建集团有限公司"},
        "household": {"archiveNo": ARCHIVE_NO},
    }
    await drain(settings)  # the household's own eligibility job, out of the way

    # 4. The quarter's condolence batch (季度慰问金), run twice: one payment.
    period = quarter(today)
    batches = []
    for _ in range(2):
        request = {"unionId": union_id, "period": period, "amount": "500.00"}
        batch = (await ok(gql, PAY_BATCH, {"input": request}, staff))["batch"]
        assert (batch["status"], batch["period"], batch["amount"]) == ("QUEUED", period, "500.00")
        await drain(settings)
        batches.append((await gql(BATCH, {"id": batch["id"]}, token=staff))["aidBatch"])
    assert [(b["status"], b["total"], b["done"], b["paid"]) for b in batches] == [
        ("DONE", 1, 1, 1),
        ("DONE", 1, 1, 0),
    ]
    paid = await gql(PAID, {"household": hid, "period": period}, token=staff)
    assert paid["aidDisbursements"]["totalCount"] == 1
    assert paid["aidDisbursements"]["edges"][0]["node"]["amount"] == "500.00"
    assert paid["aidTotals"] == [
        {"program": "QUARTERLY_CONDOLENCE", "period": period, "households": 1, "amount": "500.00"}
    ]

    # 5. Enroll in this year's mutual aid (医疗互助): both members, free.
    enrolled = (await ok(gql, ENROLL, {"input": {"planId": plan["id"], "householdId": hid}}, staff))[
        "enrollments"
    ]
    assert sorted((e["memberId"], e["householdId"], e["enrolledOn"]) for e in enrolled) == sorted(
        (m["id"], hid, today.isoformat()) for m in household["members"]
    )

    listed = await gql(ENROLLED, {"plan": plan["id"], "household": hid}, token=staff)
    assert listed["mutualAidEnrollments"] == [
        {"memberId": m["id"], "enrolledOn": today.isoformat()} for m in household["members"]
    ]

    # 6. A claim over the coverage's cap is refused with a clear error and writes nothing; one within it is filed.
    claim = {
        "planId": plan["id"],
        "memberId": head,
        "coverage": "CRITICAL_ILLNESS",
        "amount": "25000.00",
        "incurredOn": today.isoformat(),
    }
    before = await row_counts(pool, *CLAIM_TABLES)
    over = (await gql(FILE_CLAIM, {"input": claim}, token=staff))["fileClaim"]
    assert over["claim"] is None
    assert over["errors"] == [
        {
            "field": ["amount"],
            "code": "CLAIM_OVER_CAP",
            "message": "CRITICAL_ILLNESS pays at most 20000.00 yuan per member this year; "
            "0.00 is already claimed, 20000.00 remains",
        }
    ]
    assert await row_counts(pool, *CLAIM_TABLES) == before
    filed = (await ok(gql, FILE_CLAIM, {"input": {**claim, "amount": "18000.00"}}, staff))["claim"]
    assert (filed["coverage"], filed["amount"], filed["status"]) == (
        "CRITICAL_ILLNESS",
        "18000.00",
        "SUBMITTED",
    )

    # 7. Export the ledger (台账) and import it again: nothing changes.
    content = (await gql(EXPORT, token=staff))["ledgerExport"]
    before = await row_counts(pool, *LEDGER_TABLES)
    reimported = (await gql(IMPORT, {"content": content}, token=staff))["importLedger"]
    assert reimported == {
        "created": 0,
        "updated": 0,
        "unchanged": 1,
        "failed": 0,
        "rowErrors": [],
        "errors": [],
    }
    assert await row_counts(pool, *LEDGER_TABLES) == before

    # 8. The contact card (连心牌) downloads and names the household.
    seen = (await gql(HOUSEHOLD, {"id": hid}, token=staff))["node"]
    assert seen["version"] == 1
    assert seen["contactCardUrl"] == f"/households/{hid}/contact-card.pdf"
    card = await client.get(seen["contactCardUrl"], headers={"Authorization": f"Bearer {staff}"})
    assert (card.status_code, card.headers["content-type"]) == (200, "application/pdf")
    text = PdfReader(io.BytesIO(card.content)).pages[0].extract_text()
    for expected in (ARCHIVE_NO, "于秀梅", "环翠区总工会", "王丽", "0631-5200018"):
        assert expected in text, expected
    assert [v["plan"] for v in seen["visits"]] == [plan_actions]
    assert seen["sponsorships"] == [
        {"active": True, "startedOn": "2018-03-01", "sponsor": {"name": "威海城建集团有限公司"}}
    ]

    # 9. Out of hardship (脱困): the date and the reason are kept.
    reason = "儿子考入技校享受资助，本人病情稳定后在城建集团物业稳定就业"
    marked = (
        await ok(
            gql,
            MARK_OUT,
            {"input": {"id": hid, "status": "OUT_OF_HARDSHIP", "statusReason": reason, "expectedVersion": 1}},
            staff,
        )
    )["household"]
    assert (marked["status"], marked["statusChangedOn"], marked["statusReason"], marked["version"]) == (
        "OUT_OF_HARDSHIP",
        today.isoformat(),
        reason,
        2,
    )
    [entry] = [e["node"] for e in (await gql(HISTORY, {"id": hid}))["auditLog"]["edges"]]
    assert (entry["actorRole"], entry["outcome"]) == ("UNION_STAFF", ["OK"])
    [change] = [c for c in entry["changes"] if c["table"] == "household"]
    assert change["before"]["status"] == "ACTIVE"
    assert change["after"]["status"] == "OUT_OF_HARDSHIP"
    assert change["after"]["status_reason"] == reason

    # 10. This year's statistics count her: archived this year, out of hardship this year.
    stats = await gql(STATISTICS, {"year": today.year}, token=staff)
    assert stats["yearlyHouseholdFigures"] == [
        {"year": today.year, "archived": 1, "onFile": 0, "outOfHardship": 1}
    ]
    assert stats["householdStatistics"]["byStatus"] == [{"key": "OUT_OF_HARDSHIP", "households": 1}]


def test_the_readme_walkthrough_is_valid_against_the_schema() -> None:
    """README's walkthrough is copied into GraphiQL as it stands: every block must validate."""
    from pathlib import Path

    from graphql import parse, validate

    from lianxin_api.schema import schema

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### Walkthrough: the seed story", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```graphql\n")[1:]]
    assert len(blocks) == 3  # the walkthrough, its casework, and the yearly chart (anonymous)
    operations = []
    for block in blocks:
        document = parse(block)
        assert validate(schema._schema, document) == []
        operations += [d.name.value for d in document.definitions if d.name]  # type: ignore[attr-defined]
    assert operations == [
        *["Lookup", "Archive", "Visit", "Pair", "Condolence", "Paid", "Enroll", "Enrolled", "Claim"],
        *["Export", "Reimport", "Card", "OutOfHardship", "Statistics"],
    ]
