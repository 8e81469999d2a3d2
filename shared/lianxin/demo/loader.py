"""The demo data set from the seed story (Weihai), loaded idempotently through the services.

Names follow the story; unified social credit codes are synthetic (valid check digits, not real
organizations' codes).
"""

from __future__ import annotations

from dataclasses import dataclass

from lianxin.core.db import JobDispatcher, Pool, unit_of_work
from lianxin.organization import repository as org_repo
from lianxin.organization import service as org_service
from lianxin.organization.models import OrganizationKind
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


def demo_credit_code(region_code: str, body: str) -> str:
    """A synthetic credit code: 9 (工商) 1 (企业) + region + body, with its GB 32100 check char."""
    first17 = "91" + region_code + body
    return first17 + compute_credit_check_char(first17)


async def load_demo_data(pool: Pool, dispatcher: JobDispatcher | None) -> str:
    """Create whatever of the demo set is missing; return a one-line summary."""
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
    for name, body, kind, union_name in ORGANIZATIONS:
        union = by_name[union_name]
        code = demo_credit_code(union.region_code, body)
        async with unit_of_work(pool, dispatcher) as uow:
            if await org_repo.credit_code_taken(uow.conn, code):
                continue
            new_org = org_service.NewOrganization(name, code, kind, union.id, None)
            await org_service.create_organization(uow, new_org)
            created_orgs += 1
    return f"demo data: {created_unions} unions and {created_orgs} organizations created"
