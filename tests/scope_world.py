"""Two sides of the federation, for scope tests: everything a caller may or may not see, twice.

Side A: district union 环翠区总工会 (371002) under 威海市总工会 ("root"), a household in 371002 sponsored by SA,
its agency 环翠区民政局. Side B: 青岛市总工会, a root of its own with 市南区总工会 ("below B") under it, a household in 370202 sponsored by SB, its
agency 市南区民政局. Each household has a pairing, a survey visit, a disbursement, a mutual-aid enrollment
and claim, an eligibility decision and a referral; each union a cooperative, an aid batch and an
eligibility run. Shared by both sides: the policy (370000), the mutual-aid plan and a simulation.

Built once per test module through the API as ADMIN (unions and organizations through the factories,
the worker drained once for decisions, referrals and runs): a module imports `scope_world_fixture` and
`api_fixture` (fixtures `scope_world` and `api`) and marks its tests `no_db`, so the per-test cleanup
does not empty the world between them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from arq.worker import Worker

from lianxin.core.clock import today_in
from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin.core.ids import parse_global_id, to_global_id
from lianxin.core.tokens import Role
from lianxin.eligibility import DEMO_PARAMETERS
from lianxin.organization.models import OrganizationKind
from lianxin.trade_union.models import UnionKind
from lianxin_worker.main import worker_settings

from conftest import GraphQLClient, make_token, reset_state
from factories import make_organization, make_union, member_input, resident_id

SIDES = ("A", "B")
REGION = {"A": "371002", "B": "370202"}

HOUSEHOLD = """mutation($input: CreateHouseholdInput!) {
  createHousehold(input: $input) { household { id members { id } } errors { code field message } } }"""
SPONSOR = """mutation($input: CreateSponsorshipInput!) {
  createSponsorship(input: $input) { sponsorship { id } errors { code field } } }"""
RUN = """mutation($input: EligibilityRunInput!) {
  requestEligibilityRun(input: $input) { run { id } errors { code field } } }"""
VISIT = """mutation($input: RecordVisitInput!) { recordVisit(input: $input) { visit { id } errors { code field } } }"""
PAY = """mutation($input: PayDisbursementInput!) {
  payDisbursement(input: $input) { disbursement { id } errors { code field } } }"""
PLAN = """mutation($input: CreateMutualAidPlanInput!) {
  createMutualAidPlan(input: $input) { plan { id } errors { code field } } }"""
ENROLL = """mutation($input: EnrollHouseholdInput!) {
  enrollHousehold(input: $input) { enrollments { id } errors { code field } } }"""
CLAIM = """mutation($input: FileClaimInput!) { fileClaim(input: $input) { claim { id } errors { code field } } }"""
COOPERATIVE = """mutation($input: CreateCooperativeInput!) {
  createCooperative(input: $input) { cooperative { id } errors { code field } } }"""
BATCH = """mutation($input: PayQuarterlyCondolenceInput!) {
  payQuarterlyCondolence(input: $input) { batch { id } errors { code field } } }"""
DECIDED = (
    """query($id: ID!) { node(id: $id) { ... on Household { latestDecision { id } referrals { id } } } }"""
)


@dataclass
class World:
    """Global ids by kind and side ("A" or "B"; the same record on both sides for shared kinds), and
    a token per role whose scope is side A."""

    ids: dict[str, dict[str, str]] = field(default_factory=dict)
    members: dict[str, str] = field(default_factory=dict)  # each household's head member
    unions: dict[str, str] = field(default_factory=dict)  # A, B, "root" (A's parent), "below B" (B's child)
    tokens: dict[Role, str] = field(default_factory=dict)
    year: int = 0

    def add(self, kind: str, side: str, global_id: str) -> None:
        self.ids.setdefault(kind, {})[side] = global_id

    def shared(self, kind: str, global_id: str) -> None:
        for side in SIDES:
            self.add(kind, side, global_id)

    def pk(self, kind: str, side: str) -> int:
        parsed = parse_global_id(self.ids[kind][side])
        assert parsed is not None
        return parsed[1]


async def drain(settings: Settings) -> None:
    worker = Worker(**{**worker_settings(settings, burst=True), "cron_jobs": []})
    await worker.main()
    await worker.close()
    assert worker.jobs_failed == 0


async def _ok(gql: GraphQLClient, query: str, payload: dict[str, Any], name: str) -> dict[str, Any]:
    data: dict[str, Any] = (await gql(query, {"input": payload}))[name]
    assert data["errors"] == [], (name, data["errors"])
    return data


def _household_input(side: str, union_id: str) -> dict[str, Any]:
    region = REGION[side]
    return {
        "unionId": union_id,
        "archiveNo": f"SCOPE-{side}",
        "level": "MUNICIPAL",
        "category": "DEEP",
        "hardshipReasons": ["ILLNESS"],
        "regionCode": region,
        "contactName": f"联系人{side}",
        "contactPhone": "13812345678",
        "members": [
            member_input(
                "HEAD",
                "19770101",
                idNumber=resident_id("19770101", region=region),
                health="CRITICAL_ILLNESS",
                employment="FLEXIBLE",
            ),
            member_input(
                "CHILD", "20120101", idNumber=resident_id("20120101", region=region), employment="STUDENT"
            ),
        ],
        "incomes": [{"kind": "WAGE", "monthlyAmount": "600.00", "memberIndex": 0}],
    }


async def _unions_and_organizations(pool: Pool, world: World) -> dict[str, int]:
    root = await make_union(pool, name="威海市总工会", region_code="371000")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    other = await make_union(pool, name="青岛市总工会", region_code="370200")
    below = await make_union(
        pool,
        name="市南区总工会",
        kind=UnionKind.DISTRICT_FEDERATION,
        region_code="370202",
        parent_id=other.id,
    )
    unions = {"root": root.id, "A": district.id, "B": other.id, "below B": below.id}
    world.unions = {k: to_global_id("TradeUnion", v) for k, v in unions.items()}
    world.ids["TradeUnion"] = dict(world.unions)
    for side in SIDES:
        sponsor = await make_organization(
            pool, name=f"结对单位{side}", kind=OrganizationKind.SPONSOR, union_id=unions[side]
        )
        world.add("Organization", side, to_global_id("Organization", sponsor.id))
    return unions


async def _reference_data(gql: GraphQLClient, world: World) -> None:
    published = await _ok(
        gql,
        "mutation($input: PublishDibaoPolicyInput!) { publishDibaoPolicy(input: $input) "
        "{ policy { id } errors { code field } } }",
        {"regionCode": "370000", "effectiveFrom": "2020-01-01", "parameters": DEMO_PARAMETERS},
        "publishDibaoPolicy",
    )
    world.shared("DibaoPolicy", published["policy"]["id"])
    for side, name in (("A", "环翠区民政局"), ("B", "市南区民政局")):
        agency = await _ok(
            gql,
            "mutation($input: CreateAgencyInput!) { createAgency(input: $input) "
            "{ agency { id } errors { code field } } }",
            {"name": name, "regionCode": REGION[side]},
            "createAgency",
        )
        world.add("Agency", side, agency["agency"]["id"])
    simulated = await _ok(
        gql,
        "mutation($input: SimulateDibaoPolicyInput!) { simulateDibaoPolicy(input: $input) "
        "{ simulation { id } errors { code field } } }",
        {"regionCode": "371000", "parameters": DEMO_PARAMETERS},
        "simulateDibaoPolicy",
    )
    world.shared("DibaoSimulation", simulated["simulation"]["id"])


async def _households(gql: GraphQLClient, world: World) -> None:
    for side in SIDES:
        created = await _ok(gql, HOUSEHOLD, _household_input(side, world.unions[side]), "createHousehold")
        world.add("Household", side, created["household"]["id"])
        world.members[side] = created["household"]["members"][0]["id"]
        paired = await _ok(
            gql,
            SPONSOR,
            {
                "householdId": created["household"]["id"],
                "sponsorId": world.ids["Organization"][side],
                "startedOn": "2020-03-01",
            },
            "createSponsorship",
        )
        world.add("Sponsorship", side, paired["sponsorship"]["id"])
        run = await _ok(gql, RUN, {"unionId": world.unions[side]}, "requestEligibilityRun")
        world.add("EligibilityRun", side, run["run"]["id"])


async def _casework(gql: GraphQLClient, world: World, today: str) -> None:
    plan = await _ok(
        gql,
        PLAN,
        {
            "year": world.year,
            "name": "职工医疗互助",
            "coverages": [{"coverage": "HOSPITAL_ALLOWANCE", "cap": "3000.00"}],
        },
        "createMutualAidPlan",
    )
    world.shared("MutualAidPlan", plan["plan"]["id"])
    for side in SIDES:
        household = world.ids["Household"][side]
        visit = await _ok(
            gql,
            VISIT,
            {
                "householdId": household,
                "visitedOn": today,
                "visitors": ["王老师"],
                "findings": {
                    "familySituation": "夫妻二人，孩子上学",
                    "hardshipCauses": "户主重病",
                    "skills": "电焊",
                    "employmentWishes": "就近灵活就业",
                    "stateOfMind": "积极",
                },
                "plan": [{"action": "申请医疗救助", "owner": "王老师", "dueOn": today}],
            },
            "recordVisit",
        )
        world.add("Visit", side, visit["visit"]["id"])
        paid = await _ok(
            gql,
            PAY,
            {
                "householdId": household,
                "program": "GIFT_PACK",
                "period": str(world.year),
                "amount": "200",
                "note": "春节礼包",
            },
            "payDisbursement",
        )
        world.add("AidDisbursement", side, paid["disbursement"]["id"])
        await _ok(gql, ENROLL, {"planId": plan["plan"]["id"], "householdId": household}, "enrollHousehold")
        claim = await _ok(
            gql,
            CLAIM,
            {
                "planId": plan["plan"]["id"],
                "memberId": world.members[side],
                "coverage": "HOSPITAL_ALLOWANCE",
                "amount": "500",
                "incurredOn": today,
            },
            "fileClaim",
        )
        world.add("MutualAidClaim", side, claim["claim"]["id"])


async def _union_work(gql: GraphQLClient, world: World, quarter: str) -> None:
    for side in SIDES:
        cooperative = await _ok(
            gql,
            COOPERATIVE,
            {
                "name": f"合作社{side}",
                "village": f"村{side}",
                "regionCode": REGION[side],
                "landMu": "100",
                "chairName": f"理事长{side}",
                "foundedOn": "2019-05-01",
                "unionId": world.unions[side],
            },
            "createCooperative",
        )
        world.add("Cooperative", side, cooperative["cooperative"]["id"])
        # left QUEUED (the worker is not drained again): the batch itself is what is seen or not
        batch = await _ok(
            gql,
            BATCH,
            {"unionId": world.unions[side], "period": quarter, "amount": "300"},
            "payQuarterlyCondolence",
        )
        world.add("AidBatch", side, batch["batch"]["id"])


async def _reminders(pool: Pool, world: World) -> None:
    """A festival-visit reminder per side, as the worker's scan writes them (inserted directly: the scan
    decides by today's date, which a test cannot fix)."""
    async with pool.acquire() as conn:
        for side in SIDES:
            pk = await conn.fetchval(
                """INSERT INTO reminder (kind, household_id, sponsorship_id, period, due_on)
                   VALUES ('FESTIVAL_VISIT_DUE', $1, $2, $3, $4) RETURNING id""",
                world.pk("Household", side),
                world.pk("Sponsorship", side),
                f"{world.year}-SPRING_FESTIVAL",
                date(world.year, 1, 20),
            )
            world.add("Reminder", side, to_global_id("Reminder", pk))


async def build_world(gql: GraphQLClient, pool: Pool, settings: Settings) -> World:
    world = World()
    day = today_in(settings.timezone)
    world.year = day.year
    unions = await _unions_and_organizations(pool, world)
    await _reference_data(gql, world)
    await _households(gql, world)
    await drain(settings)  # decisions, referrals, runs, the simulation
    for side in SIDES:
        node = (await gql(DECIDED, {"id": world.ids["Household"][side]}))["node"]
        world.add("EligibilityDecision", side, node["latestDecision"]["id"])
        [referral] = node["referrals"]
        world.add("Referral", side, referral["id"])
    await _casework(gql, world, day.isoformat())
    await _union_work(gql, world, f"{day.year}Q{(day.month - 1) // 3 + 1}")
    await _reminders(pool, world)
    world.tokens = {
        Role.ADMIN: make_token(),
        Role.AUDITOR: make_token(Role.AUDITOR),
        Role.UNION_STAFF: make_token(Role.UNION_STAFF, union_id=unions["A"]),
        Role.CIVIL_AFFAIRS: make_token(
            Role.CIVIL_AFFAIRS, region_code=REGION["A"], agency_id=world.pk("Agency", "A")
        ),
        Role.SPONSOR: make_token(Role.SPONSOR, sponsor_id=world.pk("Organization", "A")),
    }
    return world


@pytest.fixture(scope="module", name="api")
async def api_fixture(app: Any) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield GraphQLClient(client)


@pytest.fixture(scope="module", name="scope_world")
async def scope_world_fixture(
    api: GraphQLClient, pool: Pool, redis_client: aioredis.Redis, settings: Settings
) -> World:
    await reset_state(pool, redis_client)
    return await build_world(api, pool, settings)
