"""Demo data: 佃里院村土地股份合作社 in 初村镇 (Huancui district, Weihai), loaded through the services.

The cooperative pools 130 mu of the village's land, led by the party branch; the member households'
shares add up to exactly 130.00 mu. Its 16 greenhouses are leased to one tenant, 4 of them planted
with cherry tomatoes (圣女果). Greenhouses are stored as two asset rows that add up to the 16 — 12 with
no crop recorded and the 4 with 圣女果 — so that counting greenhouses never counts one twice. Rents and
yearly figures are illustrative, not the village's published accounts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

from lianxin.cooperative import repository as coop_repo
from lianxin.cooperative import service as coop_service
from lianxin.cooperative.models import CooperativeAssetKind
from lianxin.core.clock import today_in
from lianxin.core.db import JobDispatcher, Pool, unit_of_work

NAME: Final = "佃里院村土地股份合作社"
VILLAGE: Final = "佃里院村"
REGION_CODE: Final = "371002"  # 环翠区; 初村镇 is one of its towns
LAND_MU: Final = Decimal("130.00")
FOUNDED_ON: Final = date(2019, 3, 1)
LESSEE: Final = "威海鑫农果蔬专业合作社"
DEMO_TIMEZONE: Final = "Asia/Shanghai"

ASSETS: Final = (
    coop_service.NewAsset(
        kind=CooperativeAssetKind.GREENHOUSE,
        count=12,
        description="冬暖式蔬菜大棚，整体出租",
        lease=coop_service.NewLease(LESSEE, Decimal("96000.00")),
    ),
    coop_service.NewAsset(
        kind=CooperativeAssetKind.GREENHOUSE,
        count=4,
        description="冬暖式蔬菜大棚，整体出租，种植圣女果",
        crop="圣女果",
        lease=coop_service.NewLease(LESSEE, Decimal("32000.00")),
    ),
)

# (year, income, dividends paid to members), yuan
YEARS: Final = (
    (2023, Decimal("128000.00"), Decimal("65000.00")),
    (2024, Decimal("136500.00"), Decimal("71500.00")),
)


def split_land(total: Decimal, parts: int) -> list[Decimal]:
    """`total` mu in `parts` shares of whole hundredths that add up to it exactly; larger shares first.

    130.00 among 72 → 40 shares of 1.81 and 32 of 1.80.
    """
    hundredths = int(total * 100)
    if parts == 0:
        return []
    if parts > hundredths:
        raise ValueError(f"cannot give {parts} households a share of {total} mu each above 0.01")
    base, extra = divmod(hundredths, parts)
    return [Decimal(base + (1 if i < extra else 0)).scaleb(-2) for i in range(parts)]


async def load_diliyuan_cooperative(
    pool: Pool,
    dispatcher: JobDispatcher | None,
    household_ids: list[int],
    union_id: int | None,
    *,
    today: date | None = None,
) -> str:
    """Create the cooperative with its members, greenhouses and accounts, unless it already exists.

    Everything is one transaction, so a cooperative that exists is complete.
    """
    day = today or today_in(DEMO_TIMEZONE)
    members = list(dict.fromkeys(household_ids))  # each household once, in the order given
    async with unit_of_work(pool, dispatcher) as uow:
        if await coop_repo.find_cooperative_by_name(uow.conn, REGION_CODE, NAME) is not None:
            return f"demo data: {NAME} already present"
        new = coop_service.NewCooperative(
            name=NAME,
            village=VILLAGE,
            region_code=REGION_CODE,
            land_mu=LAND_MU,
            led_by_party_branch=True,
            founded_on=FOUNDED_ON,
            union_id=union_id,
        )
        coop = await coop_service.create_cooperative(uow, new, today=day)
        for household_id, share in zip(members, split_land(LAND_MU, len(members)), strict=True):
            await coop_service.add_member(uow, coop.id, household_id, share, joined_on=FOUNDED_ON, today=day)
        for asset in ASSETS:
            await coop_service.add_asset(uow, coop.id, asset)
        for year, income, dividend in YEARS:
            await coop_service.record_year(uow, coop.id, year, income, dividend, today=day)
    greenhouses = sum(a.count for a in ASSETS)
    return f"demo data: {NAME} created with {len(members)} member households and {greenhouses} greenhouses"
