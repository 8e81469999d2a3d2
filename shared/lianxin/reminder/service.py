"""Raise the reminders due on a day: condolence payments, survey visits, sponsors' festival visits.

A scan is idempotent and safe to kill: it pages through the candidates of each due period by keyset,
and every chunk inserts its reminders and their `reminder.due` events in one transaction. The unique
index on (kind, household, sponsorship, period) decides who wins when two scans race: the loser's
INSERT … ON CONFLICT DO NOTHING returns nothing, so it writes no event either. Hence one reminder and
one event per period, however many workers scan and however often.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from lianxin.core.config import Settings
from lianxin.core.db import Connection
from lianxin.core.ids import to_global_id
from lianxin.events.outbox import record_events
from lianxin.reminder import periods
from lianxin.reminder import repository as repo
from lianxin.reminder.models import EVENT_TYPE, NewlyDue, ReminderKind, ScanResult
from lianxin.reminder.repository import Candidate

SCAN_CHUNK = 500

Lister = Callable[[Connection, int, int], Awaitable[list[Candidate]]]


@dataclass(frozen=True, slots=True)
class ReminderSchedule:
    """How early each reminder is raised, and the survey-visit rounds per year."""

    visits_per_year: int = 3
    condolence_lead_days: int = 15
    visit_lead_days: int = 30
    festival_lead_days: int = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> ReminderSchedule:
        return cls(
            visits_per_year=settings.visits_per_year,
            condolence_lead_days=settings.reminder_condolence_lead_days,
            visit_lead_days=settings.reminder_visit_lead_days,
            festival_lead_days=settings.reminder_festival_lead_days,
        )


@dataclass(frozen=True, slots=True)
class DuePeriod:
    """One period whose reminders are due on the scanned day, and how to find its candidates."""

    kind: ReminderKind
    period: str
    due_on: date
    candidates: Lister


def due_periods(schedule: ReminderSchedule, today: date) -> list[DuePeriod]:
    """Every period whose reminders are raised on `today` (pure: the listers only run when called)."""
    found: list[DuePeriod] = []
    quarter = periods.condolence_due(today, schedule.condolence_lead_days)
    if quarter is not None:
        found.append(
            DuePeriod(
                ReminderKind.CONDOLENCE_DUE, quarter.period, quarter.last_day, _condolence(quarter, today)
            )
        )
    round_ = periods.survey_visit_due(today, schedule.visits_per_year, schedule.visit_lead_days)
    if round_ is not None:
        found.append(
            DuePeriod(ReminderKind.SURVEY_VISIT_DUE, round_.period, round_.last_day, _visit(round_, today))
        )
    for festival in periods.festivals_due(today, schedule.festival_lead_days):
        found.append(
            DuePeriod(
                ReminderKind.FESTIVAL_VISIT_DUE, festival.period, festival.on, _festival(festival, today)
            )
        )
    return found


def _condolence(quarter: periods.Quarter, today: date) -> Lister:
    async def lister(conn: Connection, after: int, limit: int) -> list[Candidate]:
        return await repo.list_condolence_due(conn, quarter.period, today, after, limit)

    return lister


def _visit(round_: periods.VisitRound, today: date) -> Lister:
    async def lister(conn: Connection, after: int, limit: int) -> list[Candidate]:
        return await repo.list_survey_visit_due(
            conn, round_.year, round_.last_month + 1, round_.per_year, round_.period, today, after, limit
        )

    return lister


def _festival(festival: periods.FestivalDay, today: date) -> Lister:
    async def lister(conn: Connection, after: int, limit: int) -> list[Candidate]:
        return await repo.list_festival_due(conn, festival.period, today, after, limit)

    return lister


def due_event(new: NewlyDue) -> dict[str, Any]:
    """The `reminder.due` event: the household is its subject; the union path and the sponsor say who
    may see it (lianxin.events.visibility)."""
    r = new.reminder
    payload: dict[str, Any] = {
        "reminderId": to_global_id("Reminder", r.id),
        "kind": r.kind.value,
        "period": r.period,
        "dueOn": r.due_on.isoformat(),
        "householdId": to_global_id("Household", r.household_id),
        "unionId": to_global_id("TradeUnion", new.union_id),
        "unionPath": [to_global_id("TradeUnion", u) for u in new.union_path],
    }
    if r.sponsorship_id is not None and r.sponsor_id is not None:
        payload["sponsorshipId"] = to_global_id("Sponsorship", r.sponsorship_id)
        payload["sponsorId"] = to_global_id("Organization", r.sponsor_id)
    return {
        "type": EVENT_TYPE,
        "subject_id": to_global_id("Household", r.household_id),
        "region_code": new.region_code,
        "payload": payload,
    }


async def raise_due(conn: Connection, due: DuePeriod, *, chunk: int = SCAN_CHUNK) -> int:
    """Insert the period's missing reminders chunk by chunk, each chunk with its events in one
    transaction; returns how many this call inserted. `conn` must not be inside a transaction."""
    created = 0
    after = 0
    while True:
        async with conn.transaction():
            candidates = await due.candidates(conn, after, chunk)
            inserted = await repo.insert_reminders(conn, due.kind, due.period, due.due_on, candidates)
            await record_events(conn, [due_event(n) for n in inserted])
        created += len(inserted)
        if len(candidates) < chunk:
            return created
        after = candidates[-1].key


async def scan_reminders(
    conn: Connection, schedule: ReminderSchedule, today: date, *, chunk: int = SCAN_CHUNK
) -> ScanResult:
    """Raise every reminder due on `today` that has not been raised yet (see the module docstring)."""
    created = dict.fromkeys(ReminderKind, 0)
    seen: dict[ReminderKind, list[str]] = {kind: [] for kind in ReminderKind}
    for due in due_periods(schedule, today):
        created[due.kind] += await raise_due(conn, due, chunk=chunk)
        seen[due.kind].append(due.period)
    return ScanResult(created=created, periods=seen)
