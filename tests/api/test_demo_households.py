"""Loading generated households: through the service, by COPY (the same rows), and the seed story."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from lianxin.core.db import Pool
from lianxin.core.errors import DomainError
from lianxin.demo.households import SEED_ARCHIVE_NO, bulk_load, load_generated, load_seed_household
from lianxin.household import repository as repo
from lianxin.household.enums import (
    ArchiveLevel,
    Employment,
    ExpenditureKind,
    HardshipCategory,
    HardshipReason,
    Health,
    IncomeKind,
    Relation,
)
from lianxin.organization.models import OrganizationKind
from lianxin.sponsorship import repository as sponsorship_repo
from lianxin.trade_union.models import UnionKind

from factories import credit_code, make_organization, make_union, row_counts

TODAY = date(2026, 5, 20)
REGIONS = ["371002", "371003", "371082", "371083", "371073"]


async def read_back(pool: Pool, prefix: str) -> list[dict[str, Any]]:
    """Every household of an archive prefix with its lists, through the repository, without ids."""
    async with pool.acquire() as conn:
        ids = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM household WHERE archive_no LIKE $1 || '%' ORDER BY archive_no", prefix
            )
        ]
        households = await repo.list_households_by_ids(conn, ids)
        lists = {
            "members": await repo.list_members_by_household_ids(conn, ids),
            "incomes": await repo.list_incomes_by_household_ids(conn, ids),
            "expenditures": await repo.list_expenditures_by_household_ids(conn, ids),
            "assets": await repo.list_assets_by_household_ids(conn, ids),
        }
    by_id = {h.id: h for h in households}
    result = []
    for household_id in ids:
        header = dataclasses.asdict(by_id[household_id])
        for generated in ("id", "updated_at"):
            header.pop(generated)
        header["archive_no"] = header["archive_no"].removeprefix(prefix)
        for name, items in lists.items():
            header[name] = [
                {k: v for k, v in dataclasses.asdict(item).items() if k not in ("id", "household_id")}
                for item in items
                if item.household_id == household_id
            ]
        result.append(header)
    return result


async def test_load_generated_archives_households_once(pool: Pool) -> None:
    union = await make_union(pool)

    created = await load_generated(
        pool, None, 25, seed=5, union_ids=[union.id], region_codes=REGIONS, today=TODAY
    )
    again = await load_generated(
        pool, None, 25, seed=5, union_ids=[union.id], region_codes=REGIONS, today=TODAY
    )

    assert (created, again) == (25, 0)
    assert (await row_counts(pool, "household"))["household"] == 25
    async with pool.acquire() as conn:
        events = await conn.fetchval("SELECT count(*) FROM event WHERE type = 'household.created'")
        jobs = await conn.fetchval("SELECT count(*) FROM job_outbox WHERE job = 'household_changed'")
    assert (events, jobs) == (25, 25)


async def test_load_generated_adds_only_the_missing_ones(pool: Pool) -> None:
    union = await make_union(pool)
    await load_generated(pool, None, 10, seed=5, union_ids=[union.id], region_codes=REGIONS, today=TODAY)

    created = await load_generated(
        pool, None, 15, seed=5, union_ids=[union.id], region_codes=REGIONS, today=TODAY
    )

    assert created == 5
    assert (await row_counts(pool, "household"))["household"] == 15


async def test_bulk_load_writes_what_the_service_writes(pool: Pool) -> None:
    city = await make_union(pool)
    district = await make_union(
        pool, kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=city.id
    )
    unions, regions = [city.id, district.id], ["371003", "371002"]
    await load_generated(pool, None, 40, seed=11, union_ids=unions, region_codes=regions, today=TODAY)
    # The same people again, under another prefix: free them from their first (still stored) household.
    async with pool.acquire() as conn:
        await conn.execute("UPDATE member SET household_active = false")
    seen: list[int] = []

    async with pool.acquire() as conn:
        written = await bulk_load(
            conn,
            40,
            seed=11,
            union_ids=unions,
            region_codes=regions,
            today=TODAY,
            archive_prefix="BK",
            chunk_size=15,
            progress=seen.append,
        )

    assert written == 40
    assert seen == [15, 30, 40]
    via_service, via_copy = await read_back(pool, "WH"), await read_back(pool, "BK")
    assert len(via_copy) == 40
    assert via_copy == via_service
    assert sum(len(h["members"]) for h in via_copy) > 40
    assert all(h["incomes"] or h["assets"] for h in via_copy)
    async with pool.acquire() as conn:
        active = await conn.fetch(
            "SELECT DISTINCT m.household_active FROM member m JOIN household h ON h.id = m.household_id "
            "WHERE h.archive_no LIKE 'BK%'"
        )
    assert [r["household_active"] for r in active] == [True]


async def test_bulk_load_refuses_a_region_outside_its_union_and_writes_nothing(pool: Pool) -> None:
    city = await make_union(pool)
    district = await make_union(
        pool, kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=city.id
    )

    async with pool.acquire() as conn:
        with pytest.raises(DomainError) as raised:
            await bulk_load(conn, 5, seed=1, union_ids=[district.id], region_codes=["371003"], today=TODAY)

    assert [i.code for i in raised.value.issues] == ["REGION_OUTSIDE_UNION"]
    assert await row_counts(pool, "household", "member") == {"household": 0, "member": 0}


async def test_the_seed_household_is_archived_and_paired_once(pool: Pool) -> None:
    union = await make_union(pool)
    sponsor = await make_organization(pool, kind=OrganizationKind.SPONSOR, credit_code=credit_code("371002"))

    household_id = await load_seed_household(
        pool, None, union_id=union.id, sponsor_id=sponsor.id, today=TODAY
    )
    again = await load_seed_household(pool, None, union_id=union.id, sponsor_id=sponsor.id, today=TODAY)

    assert household_id is not None
    assert again is None
    assert await row_counts(pool, "household", "sponsorship") == {"household": 1, "sponsorship": 1}
    async with pool.acquire() as conn:
        household = await repo.get_household(conn, household_id)
        members = await repo.list_members_by_household_ids(conn, [household_id])
        incomes = await repo.list_incomes_by_household_ids(conn, [household_id])
        expenditures = await repo.list_expenditures_by_household_ids(conn, [household_id])
        assets = await repo.list_assets_by_household_ids(conn, [household_id])
        pairs = await sponsorship_repo.list_sponsorships_by_household_ids(conn, [household_id])
    assert household is not None
    assert household.archive_no == SEED_ARCHIVE_NO
    assert (household.level, household.category) == (ArchiveLevel.NATIONAL, HardshipCategory.DEEP)
    assert household.hardship_reasons == (HardshipReason.ILLNESS, HardshipReason.EDUCATION)
    assert household.region_code == "371002"
    assert (household.contact_name, household.contact_phone) == ("王丽", "0631-5200018")
    head, son = members
    assert (head.relation, head.health, head.employment) == (
        Relation.HEAD,
        Health.CRITICAL_ILLNESS,
        Employment.FLEXIBLE,
    )
    assert (son.relation, son.employment) == (Relation.CHILD, Employment.STUDENT)
    assert [age(head.birth_date), age(son.birth_date)] == [43, 13]
    assert [(i.kind, i.monthly_fen, i.member_position) for i in incomes] == [
        (IncomeKind.WAGE, 60_000, 0),
        (IncomeKind.TRANSFER, 30_000, None),
    ]
    assert [(e.kind, e.annual_fen) for e in expenditures] == [(ExpenditureKind.MEDICAL, 1_800_000)]
    assert [(a.kind.value, a.value_fen) for a in assets] == [("DEPOSIT", 500_000)]
    assert [(p.sponsor_id, p.started_on, p.active) for p in pairs] == [(sponsor.id, date(2018, 3, 1), True)]


def age(born: date) -> int:
    return TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))
