"""Putting households into the database: generated ones through the service (the demo data) or by COPY
(benchmarks), and the seed story's household.

`bulk_load` writes the same rows as `archive_household` (a test compares them) but no events and no
jobs: its households stay undecided until a re-matching run covers them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import islice
from typing import Any, Final

from lianxin.core.db import Connection, JobDispatcher, Pool, unit_of_work
from lianxin.core.errors import IssueCollector
from lianxin.core.region import RegionCodeError, region_contains, validate_region_code
from lianxin.demo.generator import generate_households
from lianxin.household import drafts as d
from lianxin.household import repository as household_repo
from lianxin.household.enums import (
    ArchiveExclusion,
    ArchiveLevel,
    AssetKind,
    Employment,
    ExpenditureKind,
    HardshipCategory,
    HardshipReason,
    Health,
    IncomeKind,
    Relation,
)
from lianxin.household.resident_id import compute_check_char
from lianxin.household.service import NewHousehold, archive_household
from lianxin.sponsorship.service import pair_household
from lianxin.trade_union import repository as union_repo

CHUNK_SIZE: Final = 5_000
SEED_ARCHIVE_NO: Final = "WH2018000001"
SEED_REGION: Final = "371002"  # 环翠区
SEED_PAIRED_ON: Final = date(2018, 3, 1)
SEED_ARCHIVED_ON: Final = date(2018, 3, 1)  # archived and paired the same day

HOUSEHOLD_COLUMNS: Final = (
    "archive_no",
    "level",
    "category",
    "hardship_reasons",
    "region_code",
    "union_id",
    "contact_name",
    "contact_phone",
    "archived_on",
)
MEMBER_COLUMNS: Final = (
    "household_id",
    "position",
    "name",
    "relation",
    "id_number",
    "sex",
    "birth_date",
    "health",
    "employment",
    "household_active",
)
_IDS_BY_ARCHIVE_NO: Final = "SELECT archive_no, id FROM household WHERE archive_no = ANY($1::text[])"


async def load_generated(
    pool: Pool,
    dispatcher: JobDispatcher | None,
    n: int,
    *,
    seed: int,
    union_ids: Sequence[int],
    region_codes: Sequence[str],
    today: date,
) -> int:
    """Archive `n` generated households through the service, one transaction each (events and
    eligibility jobs included). Archive numbers already taken are skipped, so a rerun creates nothing.
    Returns how many households were created."""
    created = 0
    households = generate_households(
        n, seed=seed, union_ids=union_ids, region_codes=region_codes, today=today
    )
    for new in households:
        async with unit_of_work(pool, dispatcher) as uow:
            if await household_repo.archive_no_taken(uow.conn, new.archive_no):
                continue
            await archive_household(uow, new, today=today)
        created += 1
    return created


@dataclass(frozen=True)
class _Checked:
    """One household as archive_household would store it, minus the ids the database assigns."""

    header: tuple[Any, ...]  # in HOUSEHOLD_COLUMNS order
    members: list[d.ValidMember]
    incomes: list[d.ValidIncome]
    expenditures: list[d.ValidExpenditure]
    assets: list[d.ValidAsset]


def _check(new: NewHousehold, union_regions: dict[int, str], today: date) -> _Checked:
    """The checks and normalisation of archive_household that need no database, plus the union's region."""
    issues = IssueCollector()
    archive_no = d.check_archive_no(issues, new.archive_no)
    phone = d.check_phone(issues, new.contact_phone)
    region = None
    try:
        region = validate_region_code(new.region_code)
    except RegionCodeError as exc:
        issues.add("INVALID_REGION_CODE", str(exc), ["regionCode"])
    union_region = union_regions.get(new.union_id)
    if union_region is None:
        issues.add("UNION_NOT_FOUND", "the union does not exist", ["unionId"])
    elif region and not region_contains(union_region, region):
        issues.add(
            "REGION_OUTSIDE_UNION", f"region {region} is outside the union's {union_region}", ["regionCode"]
        )
    checked = _Checked(
        header=(
            archive_no,
            new.level.value,
            new.category.value,
            [r.value for r in d.unique_reasons(new.hardship_reasons)],
            region,
            new.union_id,
            (new.contact_name or "").strip() or None,
            phone,
            new.archived_on or today,  # as archive_household stores it
        ),
        members=d.check_members(issues, new.members, today),
        incomes=d.check_incomes(issues, new.incomes, len(new.members)),
        expenditures=d.check_expenditures(issues, new.expenditures),
        assets=d.check_assets(issues, new.assets),
    )
    issues.raise_if_any()
    return checked


def _member_record(household_id: int, m: d.ValidMember) -> tuple[Any, ...]:
    """A member row in MEMBER_COLUMNS order; the household is new, hence active."""
    return (
        household_id,
        m.position,
        m.name,
        m.relation.value,
        m.id_number,
        m.sex.value,
        m.birth_date,
        m.health.value,
        m.employment.value,
        True,
    )


async def _copy_chunk(conn: Connection, chunk: list[_Checked]) -> None:
    """One transaction: the households first, then their lists under the ids the database gave them."""
    async with conn.transaction():
        await conn.copy_records_to_table(
            "household", records=[c.header for c in chunk], columns=HOUSEHOLD_COLUMNS
        )
        rows = await conn.fetch(_IDS_BY_ARCHIVE_NO, [c.header[0] for c in chunk])
        ids = {r["archive_no"]: r["id"] for r in rows}
        members: list[tuple[Any, ...]] = []
        incomes: list[tuple[Any, ...]] = []
        expenditures: list[tuple[Any, ...]] = []
        assets: list[tuple[Any, ...]] = []
        for c in chunk:
            hid = ids[c.header[0]]
            members += [_member_record(hid, m) for m in c.members]
            incomes += [(hid, i.kind.value, i.monthly_fen, i.member_position) for i in c.incomes]
            expenditures += [(hid, e.kind.value, e.annual_fen) for e in c.expenditures]
            assets += [(hid, a.kind.value, a.value_fen, a.count) for a in c.assets]
        # Row order is id order within each table, as the service's inserts would have it.
        for table, columns, records in (
            ("member", MEMBER_COLUMNS, members),
            ("income", ("household_id", "kind", "monthly_fen", "member_position"), incomes),
            ("expenditure", ("household_id", "kind", "annual_fen"), expenditures),
            ("asset", ("household_id", "kind", "value_fen", "count"), assets),
        ):
            if records:
                await conn.copy_records_to_table(table, records=records, columns=columns)


async def bulk_load(
    conn: Connection,
    n: int,
    *,
    seed: int,
    union_ids: Sequence[int],
    region_codes: Sequence[str],
    today: date,
    archive_prefix: str = "BK",
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write `n` generated households with COPY, `chunk_size` at a time (memory stays bounded), each
    chunk in its own transaction; `progress` hears the running total. Returns how many were written.

    The rows mean what archive_household would write, without its events and jobs. Unlike
    `load_generated` it is not idempotent: an archive number already taken fails its chunk.
    """
    unions = await union_repo.list_unions_by_ids(conn, sorted(set(union_ids)))
    union_regions: dict[int, str] = {u.id: u.region_code for u in unions}
    households = generate_households(
        n,
        seed=seed,
        union_ids=union_ids,
        region_codes=region_codes,
        today=today,
        archive_prefix=archive_prefix,
    )
    written = 0
    while chunk := [_check(h, union_regions, today) for h in islice(households, chunk_size)]:
        await _copy_chunk(conn, chunk)
        written += len(chunk)
        if progress is not None:
            progress(written)
    return written


def _born(today: date, age: int, month: int, day: int) -> date:
    """The birth date, on (month, day), of someone exactly `age` years old on `today`."""
    return date(today.year - age - ((today.month, today.day) < (month, day)), month, day)


def _seed_id(born: date, order: str) -> str:
    """An ID number in 环翠区 with a hand-made order code (000–099: never one the generator uses)."""
    first17 = f"{SEED_REGION}{born:%Y%m%d}{order}"
    return first17 + compute_check_char(first17)


def seed_household(union_id: int, today: date) -> NewHousehold:
    """The seed story, RULES.md worked example 1 moved to `today`: 于秀梅, 43, works flexible hours
    through treatment for cancer and raises her son, 13, in middle school on her own."""
    mother, son = _born(today, 43, 3, 12), _born(today, 13, 9, 8)
    return NewHousehold(
        union_id=union_id,
        archive_no=SEED_ARCHIVE_NO,
        level=ArchiveLevel.NATIONAL,
        category=HardshipCategory.DEEP,
        hardship_reasons=[HardshipReason.ILLNESS, HardshipReason.EDUCATION],
        region_code=SEED_REGION,
        members=[
            d.MemberDraft(
                "于秀梅", Relation.HEAD, _seed_id(mother, "024"), Health.CRITICAL_ILLNESS, Employment.FLEXIBLE
            ),
            d.MemberDraft("于浩然", Relation.CHILD, _seed_id(son, "013"), Health.HEALTHY, Employment.STUDENT),
        ],
        incomes=[
            d.IncomeDraft(IncomeKind.WAGE, Decimal("600.00"), member_index=0),
            d.IncomeDraft(IncomeKind.TRANSFER, Decimal("300.00")),
        ],
        expenditures=[d.ExpenditureDraft(ExpenditureKind.MEDICAL, Decimal("18000.00"))],
        assets=[d.AssetDraft(AssetKind.DEPOSIT, Decimal("5000.00"))],
        contact_name="王丽",
        contact_phone="0631-5200018",
        archived_on=min(SEED_ARCHIVED_ON, today),
    )


async def load_seed_household(
    pool: Pool, dispatcher: JobDispatcher | None, *, union_id: int, sponsor_id: int, today: date
) -> int | None:
    """Archive the seed story's household (WH2018000001) and pair it with `sponsor_id` from March
    2018; the id of the new household, or None when the archive number is already taken."""
    async with unit_of_work(pool, dispatcher) as uow:
        if await household_repo.archive_no_taken(uow.conn, SEED_ARCHIVE_NO):
            return None
        household = await archive_household(uow, seed_household(union_id, today), today=today)
        await pair_household(uow, household.id, sponsor_id, min(SEED_PAIRED_ON, today), today=today)
    return household.id


def _member(
    name: str, relation: Relation, born: date, order: str, health: Health, job: Employment
) -> d.MemberDraft:
    return d.MemberDraft(name, relation, _seed_id(born, order), health, job)


def v2_showcase_households(union_id: int, today: date) -> list[NewHousehold]:
    """One household for each case RULES.md v2 adds (under the demo parameters; ID order codes 030–049,
    never the generator's), in 环翠区:
    WH2025000101 ACCIDENT by a major-event casualty (NOT_ELIGIBLE for 低保, q 2111.11 above RELATIVE);
    WH2025000102 ACCIDENT by an accident loss above 80% of the year's income (example 12);
    WH2025000103 MARGINAL (p 1000.00, q 1100.00: RELATIVE);
    WH2025000104 RIGID_EXPENDITURE (p 2900.00, rigid 70000 a year above the income; q 83.33: DEEP);
    WH2025000105 DIBAO with a child at a high-fee private school: no union category."""
    h = Health
    e = Employment

    def new(
        archive_no: str, reasons: list[HardshipReason], category: HardshipCategory, **rest: Any
    ) -> NewHousehold:
        return NewHousehold(
            union_id=union_id,
            archive_no=archive_no,
            level=ArchiveLevel.MUNICIPAL,
            category=category,
            hardship_reasons=reasons,
            region_code=SEED_REGION,
            **rest,
        )

    def born(age: int, month: int = 5, day: int = 1) -> date:
        return _born(today, age, month, day)

    wage = IncomeKind.WAGE
    return [
        new(
            "WH2025000101",
            [HardshipReason.ACCIDENT],
            HardshipCategory.ACCIDENT,
            members=[
                _member("刘海涛", Relation.HEAD, born(46), "031", h.HEALTHY, e.EMPLOYED),
                _member("孙秀英", Relation.SPOUSE, born(44), "032", h.DISABILITY_MILD, e.UNABLE_TO_WORK),
                _member("刘子轩", Relation.CHILD, born(15), "033", h.HEALTHY, e.STUDENT),
            ],
            incomes=[d.IncomeDraft(wage, Decimal("8000.00"), member_index=0)],
            expenditures=[d.ExpenditureDraft(ExpenditureKind.MEDICAL, Decimal("20000.00"))],
            major_event_casualty=True,  # the spouse was injured in a major traffic accident
        ),
        new(
            "WH2025000102",
            [HardshipReason.DISASTER],
            HardshipCategory.ACCIDENT,
            members=[_member("陈国栋", Relation.HEAD, born(51), "035", h.HEALTHY, e.EMPLOYED)],
            incomes=[d.IncomeDraft(wage, Decimal("6000.00"), member_index=0)],
            expenditures=[d.ExpenditureDraft(ExpenditureKind.ACCIDENT_LOSS, Decimal("60000.00"))],
        ),
        new(
            "WH2025000103",
            [HardshipReason.UNEMPLOYMENT],
            HardshipCategory.RELATIVE,
            members=[
                _member("赵建华", Relation.HEAD, born(52), "037", h.HEALTHY, e.UNEMPLOYED),
                _member("周玉芬", Relation.SPOUSE, born(50), "038", h.HEALTHY, e.FLEXIBLE),
            ],
            incomes=[
                d.IncomeDraft(wage, Decimal("1500.00"), member_index=1),
                d.IncomeDraft(IncomeKind.OTHER, Decimal("700.00"), member_index=0),
            ],
        ),
        new(
            "WH2025000104",
            [HardshipReason.ILLNESS],
            HardshipCategory.DEEP,
            members=[
                _member("王志强", Relation.HEAD, born(48), "039", h.HEALTHY, e.EMPLOYED),
                _member("吴丽娟", Relation.SPOUSE, born(47), "040", h.CHRONIC_ILLNESS, e.UNEMPLOYED),
            ],
            incomes=[d.IncomeDraft(wage, Decimal("6000.00"), member_index=0)],
            expenditures=[d.ExpenditureDraft(ExpenditureKind.MEDICAL, Decimal("70000.00"))],
        ),
        new(
            "WH2025000105",
            [HardshipReason.EDUCATION],
            HardshipCategory.DEEP,
            members=[
                _member("郑桂香", Relation.HEAD, born(40), "042", h.HEALTHY, e.EMPLOYED),
                _member("郑博文", Relation.CHILD, born(12), "043", h.HEALTHY, e.STUDENT),
            ],
            incomes=[d.IncomeDraft(wage, Decimal("1500.00"), member_index=0)],
            exclusions=[ArchiveExclusion.HIGH_FEE_PRIVATE_SCHOOL],
        ),
    ]
