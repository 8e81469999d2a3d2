"""Which period a day falls in and when each reminder is due — pure: no I/O, no clock.

- Quarterly condolence money (季度慰问金) is paid per quarter, written as the aid period `2026Q4`; the
  reminder is due on the quarter's last day and is raised `lead_days` before it.
- Survey visits (入户调研): the year is split into `per_year` rounds of whole months, exactly as the
  casework overdue list counts them (`casework/queries.sql`): round r ends with month ⌈12·r/per_year⌉
  and is overdue from the next month on. The reminder is due on the round's last day (`2026-R3`).
- Festival visits by sponsors: Spring Festival (正月初一) and Mid-Autumn (八月十五) of the Chinese
  lunar calendar (lunar-python); due on the festival (`2026-SPRING_FESTIVAL`).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Lunar

from lianxin.reminder.models import Festival

LUNAR_DATE: dict[Festival, tuple[int, int]] = {
    Festival.SPRING_FESTIVAL: (1, 1),
    Festival.MID_AUTUMN: (8, 15),
}


def _last_day_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _within_lead(day: date, due_on: date, lead_days: int) -> bool:
    return due_on - timedelta(days=lead_days) <= day <= due_on


@dataclass(frozen=True, slots=True)
class Quarter:
    year: int
    number: int  # 1–4

    @property
    def period(self) -> str:
        """As aid disbursements write it (QUARTERLY_CONDOLENCE): 2026Q4."""
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return _last_day_of_month(self.year, 3 * self.number)


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def condolence_due(day: date, lead_days: int) -> Quarter | None:
    """The quarter whose condolence payment is due to be reminded of on `day`, if any."""
    quarter = quarter_of(day)
    return quarter if _within_lead(day, quarter.last_day, lead_days) else None


@dataclass(frozen=True, slots=True)
class VisitRound:
    year: int
    number: int  # 1 … per_year
    per_year: int

    @property
    def period(self) -> str:
        return f"{self.year}-R{self.number}"

    @property
    def first_month(self) -> int:
        return -(-12 * (self.number - 1) // self.per_year) + 1

    @property
    def last_month(self) -> int:
        return -(-12 * self.number // self.per_year)

    @property
    def first_day(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def last_day(self) -> date:
        return _last_day_of_month(self.year, self.last_month)

    def rounds_required(self, archived_on: date) -> int:
        """Visits a household archived on `archived_on` owes this year once the round has ended: the
        casework formula ((month − first month) × per_year ÷ 12) at the month after the round."""
        start = archived_on.month if archived_on.year == self.year else 1
        return max(0, (self.last_month + 1 - start) * self.per_year // 12)


def visit_round_of(day: date, per_year: int) -> VisitRound:
    if not 1 <= per_year <= 12:
        raise ValueError(f"rounds per year must be between 1 and 12, got {per_year}")
    return VisitRound(day.year, (day.month - 1) * per_year // 12 + 1, per_year)


def survey_visit_due(day: date, per_year: int, lead_days: int) -> VisitRound | None:
    """The round whose visit is due to be reminded of on `day`, if any."""
    round_ = visit_round_of(day, per_year)
    return round_ if _within_lead(day, round_.last_day, lead_days) else None


@dataclass(frozen=True, slots=True)
class FestivalDay:
    festival: Festival
    on: date

    @property
    def period(self) -> str:
        return f"{self.on.year}-{self.festival.value}"


@lru_cache(maxsize=512)
def festival_date(festival: Festival, year: int) -> date:
    """The Gregorian date of `festival` in the lunar year that begins in Gregorian `year`."""
    month, day = LUNAR_DATE[festival]
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def festivals_due(day: date, lead_days: int) -> list[FestivalDay]:
    """Festivals on `day` or within `lead_days` after it, earliest first."""
    found = [
        FestivalDay(festival, festival_date(festival, year))
        for year in (day.year, day.year + 1)
        for festival in Festival
    ]
    return sorted((f for f in found if _within_lead(day, f.on, lead_days)), key=lambda f: f.on)
