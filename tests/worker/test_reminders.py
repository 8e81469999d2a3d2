"""Scheduled reminders on a real PostgreSQL: each kind raised inside its window and only when due,
once per period however often and however many scans (connections, real arq workers) run at once,
and each with exactly one `reminder.due` event written with it."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from arq.worker import Worker

from lianxin.casework import repository as casework_repo
from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin.core.ids import to_global_id
from lianxin.core.jobs import Job, JobQueue
from lianxin.events.outbox import record_events
from lianxin.organization.models import OrganizationKind
from lianxin.reminder import repository as repo
from lianxin.reminder import service
from lianxin.reminder.models import ReminderKind
from lianxin.reminder.service import ReminderSchedule
from lianxin.trade_union.models import UnionKind
from lianxin_worker.main import worker_settings
from lianxin_worker.tasks.reminder import reminder_crons

from factories import make_household, make_organization, make_sponsorship, make_union

DEFAULT = ReminderSchedule()  # 3 rounds a year; leads 15 (condolence), 30 (visits), 10 (festivals) days


async def scan(
    pool: Pool, day: date, schedule: ReminderSchedule = DEFAULT, chunk: int = 500
) -> dict[str, int]:
    async with pool.acquire() as conn:
        result = await service.scan_reminders(conn, schedule, day, chunk=chunk)
    return {kind.value: n for kind, n in result.created.items() if n}


async def reminders(pool: Pool) -> list[tuple[str, int, int | None, str, date]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT kind, household_id, sponsorship_id, period, due_on FROM reminder ORDER BY kind, household_id, sponsorship_id, period"
        )
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def due_events(pool: Pool) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT subject_id, region_code, payload FROM event WHERE type = 'reminder.due' ORDER BY id"
        )
    return [{"subject": r["subject_id"], "region": r["region_code"], **r["payload"]} for r in rows]


@pytest.fixture
async def unions(pool: Pool) -> dict[str, int]:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    return {"root": root.id, "district": district.id}


async def visit(pool: Pool, household_id: int, on: date, round_: int) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            """INSERT INTO visit (household_id, visited_on, year, round, visitors, family_situation)
               VALUES ($1, $2, $3, $4, '{张三}', '稳定')""",
            household_id,
            on,
            on.year,
            round_,
        )


async def pay_condolence(pool: Pool, household_id: int, period: str) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            """INSERT INTO aid_disbursement (household_id, program, period, amount_fen, paid_on)
               VALUES ($1, 'QUARTERLY_CONDOLENCE', $2, 50000, '2026-12-01')""",
            household_id,
            period,
        )


async def test_condolence_is_reminded_in_the_last_days_of_the_quarter_if_unpaid(
    pool: Pool, unions: dict[str, int]
) -> None:
    unpaid = await make_household(pool, unions["district"], archived_on=date(2025, 3, 1))
    paid = await make_household(pool, unions["district"], archived_on=date(2025, 3, 1))
    await make_household(pool, unions["district"], status="OUT_OF_HARDSHIP", archived_on=date(2025, 3, 1))
    late = await make_household(pool, unions["district"], archived_on=date(2026, 12, 20))
    await pay_condolence(pool, paid, "2026Q4")
    await pay_condolence(pool, unpaid, "2026Q3")  # last quarter's does not count

    condolence_only = ReminderSchedule(visit_lead_days=0, festival_lead_days=0)
    assert await scan(pool, date(2026, 12, 15), condolence_only) == {}  # a day before the window (31 − 15)
    assert await scan(pool, date(2026, 12, 16), condolence_only) == {"CONDOLENCE_DUE": 1}
    assert await reminders(pool) == [("CONDOLENCE_DUE", unpaid, None, "2026Q4", date(2026, 12, 31))]
    [event] = await due_events(pool)
    [reminder_id] = [to_global_id("Reminder", r.id) for r in await _listed(pool)]
    assert event == {
        "subject": to_global_id("Household", unpaid),
        "region": "371002",
        "reminderId": reminder_id,
        "kind": "CONDOLENCE_DUE",
        "period": "2026Q4",
        "dueOn": "2026-12-31",
        "householdId": to_global_id("Household", unpaid),
        "unionId": to_global_id("TradeUnion", unions["district"]),
        "unionPath": [
            to_global_id("TradeUnion", unions["root"]),
            to_global_id("TradeUnion", unions["district"]),
        ],
    }
    # later scans of the quarter remind only the household archived since; the first is not reminded
    # again (nor is its reminder withdrawn when it is paid)
    await pay_condolence(pool, unpaid, "2026Q4")
    assert await scan(pool, date(2026, 12, 30), condolence_only) == {"CONDOLENCE_DUE": 1}
    assert await reminders(pool) == [
        ("CONDOLENCE_DUE", unpaid, None, "2026Q4", date(2026, 12, 31)),
        ("CONDOLENCE_DUE", late, None, "2026Q4", date(2026, 12, 31)),
    ]
    assert await scan(pool, date(2026, 12, 30), condolence_only) == {}
    assert len(await due_events(pool)) == 2


async def _listed(pool: Pool) -> list[Any]:
    async with pool.acquire() as conn:
        return await repo.list_reminders_page(conn, repo.ReminderFilter(), 0, 100)


async def test_survey_visits_are_reminded_once_per_round_for_what_casework_will_count_overdue(
    pool: Pool, unions: dict[str, int]
) -> None:
    none_yet = await make_household(pool, unions["district"], archived_on=date(2025, 5, 1))
    two_done = await make_household(pool, unions["district"], archived_on=date(2025, 5, 1))
    await visit(pool, two_done, date(2026, 1, 10), 1)
    await visit(pool, two_done, date(2026, 3, 10), 2)
    june = await make_household(pool, unions["district"], archived_on=date(2026, 6, 1))  # owes 1 by year end
    october = await make_household(pool, unions["district"], archived_on=date(2026, 10, 5))  # owes none
    visits_only = ReminderSchedule(condolence_lead_days=0, festival_lead_days=0)

    assert await scan(pool, date(2026, 7, 31), visits_only) == {}  # round 2 ends 31 August, lead 30
    assert await scan(pool, date(2026, 8, 1), visits_only) == {"SURVEY_VISIT_DUE": 1}
    assert await scan(pool, date(2026, 8, 31), visits_only) == {}  # once per round
    # exactly the households casework lists as overdue the day after the round, none more, none less
    async with pool.acquire() as conn:
        overdue = await casework_repo.list_overdue_page(conn, date(2026, 9, 1), 3, 0, 100)
    assert [o.household_id for o in overdue] == [none_yet]
    assert await scan(pool, date(2026, 11, 30), visits_only) == {}  # round 3 ends 31 December
    assert await scan(pool, date(2026, 12, 1), visits_only) == {"SURVEY_VISIT_DUE": 3}
    assert await reminders(pool) == [
        ("SURVEY_VISIT_DUE", none_yet, None, "2026-R2", date(2026, 8, 31)),
        ("SURVEY_VISIT_DUE", none_yet, None, "2026-R3", date(2026, 12, 31)),
        ("SURVEY_VISIT_DUE", two_done, None, "2026-R3", date(2026, 12, 31)),
        ("SURVEY_VISIT_DUE", june, None, "2026-R3", date(2026, 12, 31)),
    ]
    assert october not in {r[1] for r in await reminders(pool)}
    assert [e["period"] for e in await due_events(pool)] == ["2026-R2", "2026-R3", "2026-R3", "2026-R3"]


async def test_festival_visits_are_reminded_per_active_pairing(pool: Pool, unions: dict[str, int]) -> None:
    first = await make_organization(pool, name="威海城建集团", kind=OrganizationKind.SPONSOR)
    second = await make_organization(pool, name="威海商业银行", kind=OrganizationKind.SPONSOR)
    paired = await make_household(pool, unions["district"])
    by_first = await make_sponsorship(pool, paired, first.id, date(2025, 1, 1))
    by_second = await make_sponsorship(pool, paired, second.id, date(2026, 3, 1))
    ended = await make_household(pool, unions["district"])
    await make_sponsorship(
        pool, ended, first.id, date(2025, 1, 1), ended_on=date(2026, 6, 1), end_reason="脱困"
    )
    left = await make_household(pool, unions["district"], status="OUT_OF_HARDSHIP")
    await make_sponsorship(pool, left, first.id, date(2025, 1, 1))
    later = await make_household(pool, unions["district"])
    by_later = await make_sponsorship(pool, later, second.id, date(2026, 9, 20))
    festivals_only = ReminderSchedule(condolence_lead_days=0, visit_lead_days=0)

    assert await scan(pool, date(2026, 9, 14), festivals_only) == {}  # Mid-Autumn is 25 September
    assert await scan(pool, date(2026, 9, 15), festivals_only) == {"FESTIVAL_VISIT_DUE": 2}
    assert await scan(pool, date(2026, 9, 19), festivals_only) == {}
    assert await scan(pool, date(2026, 9, 20), festivals_only) == {"FESTIVAL_VISIT_DUE": 1}  # paired today
    assert await scan(pool, date(2026, 9, 25), festivals_only) == {}
    assert await reminders(pool) == [
        ("FESTIVAL_VISIT_DUE", paired, by_first, "2026-MID_AUTUMN", date(2026, 9, 25)),
        ("FESTIVAL_VISIT_DUE", paired, by_second, "2026-MID_AUTUMN", date(2026, 9, 25)),
        ("FESTIVAL_VISIT_DUE", later, by_later, "2026-MID_AUTUMN", date(2026, 9, 25)),
    ]
    events = await due_events(pool)
    assert [(e["sponsorshipId"], e["sponsorId"]) for e in events] == [
        (to_global_id("Sponsorship", by_first), to_global_id("Organization", first.id)),
        (to_global_id("Sponsorship", by_second), to_global_id("Organization", second.id)),
        (to_global_id("Sponsorship", by_later), to_global_id("Organization", second.id)),
    ]
    assert await scan(pool, date(2026, 9, 26), festivals_only) == {}  # the festival has passed
    # Spring Festival 2027 (6 February) is another period: every active pairing is reminded again
    assert await scan(pool, date(2027, 2, 1), festivals_only) == {"FESTIVAL_VISIT_DUE": 3}


ALL_DUE = date(2026, 9, 20)  # Q3 ends in 10 days, Mid-Autumn in 5, round 3 within 120 days
EVERYTHING = ReminderSchedule(visit_lead_days=120)


async def crowd(pool: Pool, unions: dict[str, int], n: int) -> int:
    """`n` ACTIVE households, each paired with one sponsor: 3 reminders each on ALL_DUE."""
    sponsor = await make_organization(pool, name="威海城建集团", kind=OrganizationKind.SPONSOR)
    for i in range(n):
        household = await make_household(
            pool, unions["root" if i % 2 else "district"], archived_on=date(2025, 1, 1)
        )
        await make_sponsorship(pool, household, sponsor.id, date(2025, 1, 1))
    return 3 * n


async def test_scanning_again_and_in_chunks_raises_nothing_twice(pool: Pool, unions: dict[str, int]) -> None:
    expected = await crowd(pool, unions, 7)
    assert await scan(pool, ALL_DUE, EVERYTHING, chunk=3) == {
        "CONDOLENCE_DUE": 7,
        "SURVEY_VISIT_DUE": 7,
        "FESTIVAL_VISIT_DUE": 7,
    }
    assert await scan(pool, ALL_DUE, EVERYTHING, chunk=3) == {}
    assert await scan(pool, date(2026, 9, 21), EVERYTHING, chunk=2) == {}
    assert len(await reminders(pool)) == expected
    assert len(await due_events(pool)) == expected


async def test_two_concurrent_scans_raise_each_reminder_once(pool: Pool, unions: dict[str, int]) -> None:
    expected = await crowd(pool, unions, 40)
    created = await asyncio.gather(*(scan(pool, ALL_DUE, EVERYTHING, chunk=4) for _ in range(2)))
    assert sum(sum(c.values()) for c in created) == expected
    assert len(await reminders(pool)) == expected
    events = await due_events(pool)
    assert len(events) == expected
    assert len({e["reminderId"] for e in events}) == expected


async def test_a_scan_that_loses_the_race_writes_neither_row_nor_event(
    pool: Pool, unions: dict[str, int]
) -> None:
    """The first scan has inserted but not committed; the second waits on the unique index, then finds
    the rows taken and returns nothing — so it writes no event either."""
    await crowd(pool, unions, 3)
    [condolence] = [
        d for d in service.due_periods(EVERYTHING, ALL_DUE) if d.kind is ReminderKind.CONDOLENCE_DUE
    ]
    async with pool.acquire() as first, pool.acquire() as second:
        tx = first.transaction()
        await tx.start()
        candidates = await condolence.candidates(first, 0, 100)
        inserted = await repo.insert_reminders(
            first, condolence.kind, condolence.period, condolence.due_on, candidates
        )
        await record_events(first, [service.due_event(n) for n in inserted])
        racing = asyncio.create_task(service.raise_due(second, condolence))
        await asyncio.sleep(0.3)
        assert not racing.done()  # blocked on the uncommitted rows
        await tx.commit()
        assert await asyncio.wait_for(racing, 10) == 0
    assert len(inserted) == 3
    assert len(await reminders(pool)) == 3
    assert len(await due_events(pool)) == 3


async def test_a_rolled_back_scan_leaves_the_reminders_to_the_next(
    pool: Pool, unions: dict[str, int]
) -> None:
    await crowd(pool, unions, 2)
    [condolence] = [
        d for d in service.due_periods(EVERYTHING, ALL_DUE) if d.kind is ReminderKind.CONDOLENCE_DUE
    ]
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        candidates = await condolence.candidates(conn, 0, 100)
        await repo.insert_reminders(conn, condolence.kind, condolence.period, condolence.due_on, candidates)
        await tx.rollback()  # a worker killed mid-chunk
        assert await service.raise_due(conn, condolence) == 2
    assert len(await due_events(pool)) == 2


def test_the_hourly_cron_is_registered_outside_burst_mode(settings: Settings) -> None:
    names = {c.name for c in worker_settings(settings)["cron_jobs"]}
    assert "cron:scan_reminders" in names
    assert "cron:scan_reminders" not in {c.name for c in worker_settings(settings, burst=True)["cron_jobs"]}
    [cron] = reminder_crons()
    assert (cron.minute, cron.second, cron.run_at_startup) == (7, 0, True)


async def test_two_real_workers_scanning_at_once_raise_each_reminder_once(
    pool: Pool, settings: Settings, unions: dict[str, int]
) -> None:
    """Two arq workers, each with the startup scan, and two more scans queued (as two workers' ticks
    whose job ids differ would be): several scans run at once, and still one reminder per period."""
    n = 300
    async with pool.acquire() as conn:
        await conn.execute(
            """INSERT INTO household (archive_no, level, category, region_code, union_id, archived_on)
               SELECT 'W' || i, 'MUNICIPAL', 'DEEP', '371002', $1, date '2020-01-01'
               FROM generate_series(1, $2) AS i""",
            unions["district"],
            n,
        )
    # whatever today is: condolence and this round's survey visit are both due
    always = settings.model_copy(
        update={"reminder_condolence_lead_days": 92, "reminder_visit_lead_days": 366}
    )
    queue = await JobQueue.connect(settings.require_redis_url())
    try:
        for tick in ("a", "b"):
            assert await queue.redis.enqueue_job(Job.SCAN_REMINDERS.value, _job_id=f"scan:{tick}") is not None
    finally:
        await queue.close()
    workers = [
        Worker(**{**worker_settings(always, burst=True), "cron_jobs": reminder_crons()}) for _ in range(2)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*(w.main() for w in workers)), 30)
    finally:
        for w in workers:
            await w.close()
    assert sum(w.jobs_failed for w in workers) == 0
    assert sum(w.jobs_complete for w in workers) >= 3
    rows = await reminders(pool)
    assert sorted({r[0] for r in rows}) == ["CONDOLENCE_DUE", "SURVEY_VISIT_DUE"]
    assert len(rows) == 2 * n
    assert len(await due_events(pool)) == 2 * n
