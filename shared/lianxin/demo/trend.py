"""The seed story's 2018–2020 trend in the demo data: national-level households leaving hardship.

Weihai archived 49 national-level (全国级) households in 2018: the seed household (于秀梅, WH2018000001,
archived 2018-03-01) and the 48 here (WH2018001001–048, archived through 2018 in the five districts).
14 of them leave hardship in 2019 and 17 in 2020, each with its status change dated then, so 18 are
still on file at the end of 2020 (the seed household among them), as the yearly figures and chart show:

    yearlyHouseholdChart(fromYear: 2018, toYear: 2020, level: NATIONAL)   → 49, 35, 18
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import date
from typing import Final

from lianxin.core.db import JobDispatcher, Pool, unit_of_work
from lianxin.core.errors import DomainError
from lianxin.demo.generator import generate_households
from lianxin.household import repository as household_repo
from lianxin.household.enums import ArchiveLevel, HouseholdStatus
from lianxin.household.resident_id import compute_check_char
from lianxin.household.service import HouseholdChanges, NewHousehold, archive_household, update_household

log = logging.getLogger(__name__)

ARCHIVED_IN_2018: Final = 48  # with the seed household: 49
LEFT_IN_2019: Final = 14
LEFT_IN_2020: Final = 17  # on file at the end of 2020: 49 - 14 - 17 = 18
REASONS: Final = (
    "家庭成员稳定就业，人均收入超过困难职工认定标准，经复核脱困",
    "子女毕业参加工作，家庭收入稳定增长，经复核脱困",
    "大病治疗结束恢复工作，经入户核查脱困",
)


ORDER_OFFSET: Final = 400  # order codes from 500: the demo's other generated households use 100-101


def _own_id(id_number: str) -> str:
    """The same person's ID number with its order code moved up by ORDER_OFFSET (parity, hence sex,
    kept): the generator numbers people the same way for every seed, so without it these households
    would reuse the members of the other demo households and be refused."""
    first17 = f"{id_number[:14]}{int(id_number[14:17]) + ORDER_OFFSET:03d}"
    return first17 + compute_check_char(first17)


def trend_households(
    union_ids: Sequence[int], region_codes: Sequence[str], today: date
) -> list[NewHousehold]:
    """The 48 national-level households archived in 2018 (members as of `today`), one date a week
    from 2018-01-08; region_codes[j] is served by union_ids[j]."""
    drawn = generate_households(
        ARCHIVED_IN_2018, seed=2018, union_ids=union_ids, region_codes=region_codes, today=today
    )
    return [
        dataclasses.replace(
            h,
            archive_no=f"WH2018{1001 + i:06d}",
            level=ArchiveLevel.NATIONAL,
            archived_on=date.fromordinal(date(2018, 1, 8).toordinal() + 7 * i),
            members=[dataclasses.replace(m, id_number=_own_id(m.id_number)) for m in h.members],
        )
        for i, h in enumerate(drawn)
    ]


def _left_on(index: int) -> date | None:
    """When the index-th trend household left hardship (None: it is still on file)."""
    if index < LEFT_IN_2019:
        return date(2019, 3 + index % 9, 10 + index % 15)
    if index < LEFT_IN_2019 + LEFT_IN_2020:
        return date(2020, 2 + index % 10, 5 + index % 20)
    return None


async def load_trend(
    pool: Pool,
    dispatcher: JobDispatcher | None,
    union_ids: Sequence[int],
    region_codes: Sequence[str],
    today: date,
) -> int:
    """Archive whichever trend households are missing, and move those that left hardship out of it on
    their day (only when just archived: a rerun changes nothing). Returns how many were archived."""
    created = 0
    for i, new in enumerate(trend_households(union_ids, region_codes, today)):
        async with unit_of_work(pool, dispatcher) as uow:
            if await household_repo.archive_no_taken(uow.conn, new.archive_no):
                continue
            try:
                async with uow.conn.transaction():
                    household = await archive_household(uow, new, today=today)
            except DomainError as exc:  # defensive: a synthetic person drawn twice is skipped
                log.warning("demo household %s skipped: %s", new.archive_no, exc)
                continue
            created += 1
            left = _left_on(i)
            if left is not None:
                changes = HouseholdChanges(
                    household_id=household.id,
                    status=HouseholdStatus.OUT_OF_HARDSHIP,
                    status_reason=REASONS[i % len(REASONS)],
                )
                await update_household(uow, changes, today=left)
    return created
