"""The demo data set from the seed story (Weihai), loaded idempotently through the services.

Names follow the story; unified social credit codes, ID numbers and households beyond the seed
household are synthetic (valid check digits, no real people).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import date

from lianxin.core.clock import today_in
from lianxin.core.db import JobDispatcher, Pool, unit_of_work
from lianxin.core.errors import DomainError
from lianxin.demo.cooperative import load_diliyuan_cooperative
from lianxin.demo.generator import generate_households
from lianxin.demo.households import load_seed_household, v2_showcase_households
from lianxin.demo.trend import load_trend
from lianxin.household.service import NewHousehold, archive_household
from lianxin.organization import service as org_service
from lianxin.organization.models import OrganizationKind
from lianxin.policy import repository as policy_repo
from lianxin.policy import service as policy_service
from lianxin.referral import repository as referral_repo
from lianxin.referral import service as referral_service
from lianxin.trade_union import repository as union_repo
from lianxin.trade_union import service as union_service
from lianxin.trade_union.credit_code import compute_credit_check_char
from lianxin.trade_union.models import TradeUnion, UnionKind


@dataclass(frozen=True)
class DemoUnion:
    name: str
    kind: UnionKind
    region_code: str
    parent: str | None


UNIONS: tuple[DemoUnion, ...] = (
    DemoUnion("威海市总工会", UnionKind.FEDERATION, "371000", None),
    DemoUnion("环翠区总工会", UnionKind.DISTRICT_FEDERATION, "371002", "威海市总工会"),
    DemoUnion("文登区总工会", UnionKind.DISTRICT_FEDERATION, "371003", "威海市总工会"),
    DemoUnion("荣成市总工会", UnionKind.DISTRICT_FEDERATION, "371082", "威海市总工会"),
    DemoUnion("乳山市总工会", UnionKind.DISTRICT_FEDERATION, "371083", "威海市总工会"),
    DemoUnion("临港区总工会", UnionKind.DISTRICT_FEDERATION, "371073", "威海市总工会"),
    DemoUnion("临港区农林水产业工会", UnionKind.INDUSTRY, "371073", "临港区总工会"),
    DemoUnion("威海市建设系统工会", UnionKind.INDUSTRY, "371000", "威海市总工会"),
    DemoUnion("威海城建集团工会", UnionKind.GRASSROOTS, "371002", "威海市建设系统工会"),
    DemoUnion("环翠区环翠楼街道工会", UnionKind.GRASSROOTS, "371002", "环翠区总工会"),
    DemoUnion("初村镇佃里院村工会", UnionKind.GRASSROOTS, "371002", "环翠区总工会"),
)

# (name, organization code body, kind, union name) — some of 农林水产业工会's 26 member units.
ORGANIZATIONS: tuple[tuple[str, str, OrganizationKind, str], ...] = (
    ("威海城建集团有限公司", "MA3C00001", OrganizationKind.SPONSOR, "威海城建集团工会"),
    ("威海临港区汪疃镇果蔬专业合作社", "MA3C10001", OrganizationKind.MEMBER_UNIT, "临港区农林水产业工会"),
    ("威海临港区蔄山镇水产养殖有限公司", "MA3C10002", OrganizationKind.MEMBER_UNIT, "临港区农林水产业工会"),
    ("威海临港区苘山镇苗木种植合作社", "MA3C10003", OrganizationKind.MEMBER_UNIT, "临港区农林水产业工会"),
    ("威海临港区草庙子镇樱桃种植合作社", "MA3C10004", OrganizationKind.MEMBER_UNIT, "临港区农林水产业工会"),
    ("威海临港区黄岚农业发展有限公司", "MA3C10005", OrganizationKind.MEMBER_UNIT, "临港区农林水产业工会"),
    ("威海临港区林场", "MA3C10006", OrganizationKind.MEMBER_UNIT, "临港区农林水产业工会"),
)


log = logging.getLogger(__name__)

DEMO_TIMEZONE = "Asia/Shanghai"
SYNTHETIC_HOUSEHOLDS = 300
COOPERATIVE_HOUSEHOLDS = 72  # 佃里院村: 72 member households

AGENCIES = (
    ("威海市民政局", "371000"),
    ("环翠区民政局", "371002"),
    ("文登区民政局", "371003"),
    ("荣成市民政局", "371082"),
    ("乳山市民政局", "371083"),
)


def demo_credit_code(region_code: str, body: str) -> str:
    """A synthetic credit code: 9 (工商) 1 (企业) + region + body, with its GB 32100 check char."""
    first17 = "91" + region_code + body
    return first17 + compute_credit_check_char(first17)


async def _load_unions_and_organizations(
    pool: Pool, dispatcher: JobDispatcher | None
) -> tuple[dict[str, TradeUnion], dict[str, int], int, int]:
    created_unions = created_orgs = 0
    by_name: dict[str, TradeUnion] = {}
    for demo in UNIONS:
        parent = by_name.get(demo.parent) if demo.parent else None
        async with unit_of_work(pool, dispatcher) as uow:
            existing = await union_repo.find_union_by_name(uow.conn, parent.id if parent else None, demo.name)
            if existing is not None:
                found = await union_repo.get_union(uow.conn, existing)
                assert found is not None
                by_name[demo.name] = found
                continue
            new = union_service.NewUnion(
                demo.name, demo.kind, demo.region_code, parent.id if parent else None
            )
            by_name[demo.name] = await union_service.create_union(uow, new)
            created_unions += 1
    org_ids: dict[str, int] = {}
    for name, body, kind, union_name in ORGANIZATIONS:
        union = by_name[union_name]
        code = demo_credit_code(union.region_code, body)
        async with unit_of_work(pool, dispatcher) as uow:
            found_id = await uow.conn.fetchval("SELECT id FROM organization WHERE credit_code = $1", code)
            if found_id is not None:
                org_ids[name] = found_id
                continue
            new_org = org_service.NewOrganization(name, code, kind, union.id, None)
            org_ids[name] = (await org_service.create_organization(uow, new_org)).id
            created_orgs += 1
    return by_name, org_ids, created_unions, created_orgs


async def _load_policy_and_agencies(pool: Pool, dispatcher: JobDispatcher | None) -> int:
    for region, effective_from, parameters in policy_service.seed_policies():
        async with unit_of_work(pool, dispatcher) as uow:
            if not await policy_repo.policy_exists(uow.conn, region, effective_from):
                await policy_service.publish_policy(uow, region, effective_from, parameters, "demo-data")
    created = 0
    for name, code in AGENCIES:
        async with unit_of_work(pool, dispatcher) as uow:
            if await referral_repo.agency_for_region_exists(uow.conn, code):
                continue
            await referral_service.register_agency(uow, name, code)
            created += 1
    return created


async def _archive_all(
    pool: Pool, dispatcher: JobDispatcher | None, households: list[NewHousehold], today: date
) -> list[int]:
    """Archive each household unless its archive number exists; the ids of all of them."""
    ids: list[int] = []
    for new in households:
        async with unit_of_work(pool, dispatcher) as uow:
            existing = await uow.conn.fetchval(
                "SELECT id FROM household WHERE archive_no = $1", new.archive_no
            )
            if existing is not None:
                ids.append(existing)
                continue
            try:
                async with uow.conn.transaction():
                    ids.append((await archive_household(uow, new, today=today)).id)
            except DomainError as exc:  # defensive: a synthetic person drawn twice is skipped
                log.warning("demo household %s skipped: %s", new.archive_no, exc)
    return ids


def _synthetic(unions: dict[str, TradeUnion], today: date) -> tuple[list[NewHousehold], list[NewHousehold]]:
    """(佃里院村's 72 member households, the districts' households): one generator run per region, so no
    synthetic person is drawn twice (the generator keeps ID numbers distinct within a run)."""
    village, huancui = unions["初村镇佃里院村工会"], unions["环翠区总工会"]
    per_district = SYNTHETIC_HOUSEHOLDS // 6
    drawn = list(
        generate_households(
            COOPERATIVE_HOUSEHOLDS + per_district,
            seed=2019,
            union_ids=[village.id],
            region_codes=["371002"],
            today=today,
            archive_prefix="DLY",
        )
    )
    cooperative = drawn[:COOPERATIVE_HOUSEHOLDS]
    others = [
        dataclasses.replace(h, union_id=huancui.id, archive_no=h.archive_no.replace("DLY", "HC", 1))
        for h in drawn[COOPERATIVE_HOUSEHOLDS:]
    ]
    districts = [
        u for u in unions.values() if u.kind is UnionKind.DISTRICT_FEDERATION and u.region_code != "371002"
    ]
    for i, district in enumerate(districts):
        others += generate_households(
            per_district,
            seed=100 + i,
            union_ids=[district.id],
            region_codes=[district.region_code],
            today=today,
            archive_prefix=f"WH{district.region_code[-2:]}",
        )
    return cooperative, others


async def load_demo_data(pool: Pool, dispatcher: JobDispatcher | None, *, today: date | None = None) -> str:
    """Create whatever of the demo set is missing; return a one-line summary."""
    day = today or today_in(DEMO_TIMEZONE)
    unions, org_ids, created_unions, created_orgs = await _load_unions_and_organizations(pool, dispatcher)
    agencies = await _load_policy_and_agencies(pool, dispatcher)
    seed = await load_seed_household(
        pool,
        dispatcher,
        union_id=unions["环翠区总工会"].id,
        sponsor_id=org_ids["威海城建集团有限公司"],
        today=day,
    )
    for_cooperative, others = _synthetic(unions, day)
    coop_ids = await _archive_all(pool, dispatcher, for_cooperative, day)
    village = unions["初村镇佃里院村工会"]
    cooperative = await load_diliyuan_cooperative(pool, dispatcher, coop_ids, village.id, today=day)
    synthetic = len(await _archive_all(pool, dispatcher, others, day))
    showcase = v2_showcase_households(unions["环翠区总工会"].id, day)
    v2_cases = len(await _archive_all(pool, dispatcher, showcase, day))
    districts = [u for u in unions.values() if u.kind is UnionKind.DISTRICT_FEDERATION]
    trend = await load_trend(
        pool, dispatcher, [u.id for u in districts], [u.region_code for u in districts], day
    )
    return (
        f"demo data: {created_unions} unions, {created_orgs} organizations, {agencies} agencies, "
        f"{int(seed is not None)} seed household, {len(coop_ids)} cooperative households ({cooperative}), "
        f"{synthetic} synthetic households, {v2_cases} RULES.md v2 cases in place, "
        f"{trend} national-level households of 2018 (the 2018–2020 trend) archived"
    )
