"""SQL access for reminders. Functions take the connection first and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg

from lianxin.core.db import Connection
from lianxin.core.sql import load_queries
from lianxin.reminder.models import NewlyDue, Reminder, ReminderKind

Q = load_queries(__package__)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A household (and pairing) a reminder is due for; `key` orders the scan (keyset)."""

    key: int
    household_id: int
    sponsorship_id: int | None


def _candidates(rows: list[asyncpg.Record]) -> list[Candidate]:
    return [Candidate(r["key"], r["household_id"], r["sponsorship_id"]) for r in rows]


async def list_condolence_due(
    conn: Connection, period: str, today: date, after: int, limit: int
) -> list[Candidate]:
    return _candidates(await conn.fetch(Q.list_condolence_due, period, today, after, limit))


async def list_survey_visit_due(
    conn: Connection,
    year: int,
    month_after_round: int,
    per_year: int,
    period: str,
    today: date,
    after: int,
    limit: int,
) -> list[Candidate]:
    rows = await conn.fetch(
        Q.list_survey_visit_due, year, month_after_round, per_year, period, today, after, limit
    )
    return _candidates(rows)


async def list_festival_due(
    conn: Connection, period: str, today: date, after: int, limit: int
) -> list[Candidate]:
    return _candidates(await conn.fetch(Q.list_festival_due, period, today, after, limit))


async def insert_reminders(
    conn: Connection, kind: ReminderKind, period: str, due_on: date, candidates: list[Candidate]
) -> list[NewlyDue]:
    """Insert one reminder per candidate; those another scan already wrote are skipped (not returned)."""
    if not candidates:
        return []
    # always the same order, so two scans inserting the same rows wait on each other, never deadlock
    ordered = sorted(candidates, key=lambda c: (c.household_id, c.sponsorship_id or 0))
    rows = await conn.fetch(
        Q.insert_reminders,
        kind.value,
        period,
        due_on,
        [c.household_id for c in ordered],
        [c.sponsorship_id for c in ordered],
    )
    return [NewlyDue.from_row(r) for r in rows]


@dataclass(frozen=True, slots=True)
class ReminderFilter:
    """Filters of the reminder list; `union_id` and `sponsor_id` are the caller's scope."""

    kind: ReminderKind | None = None
    period: str | None = None
    household_id: int | None = None
    union_id: int | None = None
    sponsor_id: int | None = None

    def args(self) -> tuple[str | None, str | None, int | None, int | None, int | None]:
        kind = self.kind.value if self.kind else None
        return (kind, self.period, self.household_id, self.union_id, self.sponsor_id)


async def list_reminders_page(
    conn: Connection, f: ReminderFilter, after_id: int, limit: int
) -> list[Reminder]:
    rows = await conn.fetch(Q.list_reminders_page, *f.args(), after_id, limit)
    return [Reminder.from_row(r) for r in rows]


async def count_reminders(conn: Connection, f: ReminderFilter) -> int:
    total: int = await conn.fetchval(Q.count_reminders, *f.args())
    return total


async def list_reminders_by_ids(conn: Connection, ids: list[int]) -> list[Reminder]:
    return [Reminder.from_row(r) for r in await conn.fetch(Q.list_reminders_by_ids, ids)]
