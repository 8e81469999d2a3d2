"""Reminder periods, pure: quarters, survey-visit rounds (checked against the casework formula),
lunar festival dates, the lead windows and their boundaries, and which periods a day raises."""

from __future__ import annotations

from datetime import date

import pytest

from lianxin.reminder.models import Festival, ReminderKind
from lianxin.reminder.periods import (
    condolence_due,
    festival_date,
    festivals_due,
    quarter_of,
    survey_visit_due,
    visit_round_of,
)
from lianxin.reminder.service import ReminderSchedule, due_periods

pytestmark = pytest.mark.no_db


@pytest.mark.parametrize(
    ("day", "period", "first", "last"),
    [
        (date(2026, 1, 1), "2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 6, 30), "2026Q2", date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), "2026Q3", date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 11, 29), "2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_quarters_are_written_as_the_aid_period(day: date, period: str, first: date, last: date) -> None:
    quarter = quarter_of(day)
    assert (quarter.period, quarter.first_day, quarter.last_day) == (period, first, last)


@pytest.mark.parametrize(
    ("day", "lead", "expected"),
    [
        (date(2026, 12, 15), 15, None),  # one day before the window
        (date(2026, 12, 16), 15, "2026Q4"),  # 31 − 15
        (date(2026, 12, 31), 15, "2026Q4"),
        (date(2027, 1, 1), 15, None),  # a new quarter, far from its end
        (date(2026, 12, 30), 0, None),
        (date(2026, 12, 31), 0, "2026Q4"),
        (date(2026, 7, 1), 91, "2026Q3"),  # a long lead covers the whole quarter
    ],
)
def test_condolence_is_due_within_the_lead_before_the_quarter_ends(
    day: date, lead: int, expected: str | None
) -> None:
    found = condolence_due(day, lead)
    assert (found.period if found else None) == expected


@pytest.mark.parametrize(
    ("day", "per_year", "period", "first", "last"),
    [
        (date(2026, 1, 1), 3, "2026-R1", date(2026, 1, 1), date(2026, 4, 30)),
        (date(2026, 4, 30), 3, "2026-R1", date(2026, 1, 1), date(2026, 4, 30)),
        (date(2026, 5, 1), 3, "2026-R2", date(2026, 5, 1), date(2026, 8, 31)),
        (date(2026, 12, 31), 3, "2026-R3", date(2026, 9, 1), date(2026, 12, 31)),
        (date(2026, 3, 31), 5, "2026-R1", date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), 5, "2026-R2", date(2026, 4, 1), date(2026, 5, 31)),
        (date(2028, 2, 29), 12, "2028-R2", date(2028, 2, 1), date(2028, 2, 29)),
        (date(2026, 7, 4), 1, "2026-R1", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_visit_rounds_split_the_year_into_whole_months(
    day: date, per_year: int, period: str, first: date, last: date
) -> None:
    round_ = visit_round_of(day, per_year)
    assert (round_.period, round_.first_day, round_.last_day) == (period, first, last)


@pytest.mark.parametrize("per_year", range(1, 13))
def test_a_round_ends_the_month_before_casework_counts_it_overdue(per_year: int) -> None:
    """casework/queries.sql: at month m, (m − 1) × per_year ÷ 12 rounds are due (overdue if not made).
    During round r none of r is due yet; the month after it, exactly r are."""

    def casework_due(month: int) -> int:
        return (month - 1) * per_year // 12

    for month in range(1, 13):
        round_ = visit_round_of(date(2026, month, 1), per_year)
        assert round_.first_month <= month <= round_.last_month
        assert casework_due(month) == round_.number - 1
        assert casework_due(round_.last_month + 1) == round_.number
        assert round_.rounds_required(date(2020, 5, 5)) == round_.number


def test_a_household_archived_this_year_owes_only_rounds_since_then() -> None:
    r3 = visit_round_of(date(2026, 12, 1), 3)
    assert r3.rounds_required(date(2025, 12, 31)) == 3
    assert r3.rounds_required(date(2026, 1, 20)) == 3
    assert r3.rounds_required(date(2026, 6, 1)) == 1  # (13 − 6) × 3 ÷ 12
    assert r3.rounds_required(date(2026, 10, 5)) == 0


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 7, 31), None),
        (date(2026, 8, 1), "2026-R2"),  # 31 August − 30 days
        (date(2026, 8, 31), "2026-R2"),
        (date(2026, 9, 1), None),
    ],
)
def test_a_survey_visit_is_due_within_the_lead_before_the_round_ends(day: date, expected: str | None) -> None:
    found = survey_visit_due(day, 3, 30)
    assert (found.period if found else None) == expected


def test_visit_rounds_need_between_one_and_twelve_per_year() -> None:
    with pytest.raises(ValueError, match="between 1 and 12"):
        visit_round_of(date(2026, 1, 1), 13)


@pytest.mark.parametrize(
    ("festival", "year", "expected"),
    [
        (Festival.SPRING_FESTIVAL, 2024, date(2024, 2, 10)),
        (Festival.SPRING_FESTIVAL, 2025, date(2025, 1, 29)),
        (Festival.SPRING_FESTIVAL, 2026, date(2026, 2, 17)),
        (Festival.SPRING_FESTIVAL, 2027, date(2027, 2, 6)),
        (Festival.MID_AUTUMN, 2024, date(2024, 9, 17)),
        (Festival.MID_AUTUMN, 2025, date(2025, 10, 6)),
        (Festival.MID_AUTUMN, 2026, date(2026, 9, 25)),
        (Festival.MID_AUTUMN, 2027, date(2027, 9, 15)),
    ],
)
def test_festival_dates_follow_the_lunar_calendar(festival: Festival, year: int, expected: date) -> None:
    assert festival_date(festival, year) == expected


@pytest.mark.parametrize(
    ("day", "lead", "expected"),
    [
        (date(2026, 2, 6), 10, []),
        (date(2026, 2, 7), 10, ["2026-SPRING_FESTIVAL"]),
        (date(2026, 2, 17), 10, ["2026-SPRING_FESTIVAL"]),
        (date(2026, 2, 18), 10, []),  # the festival has passed
        (date(2026, 9, 15), 10, ["2026-MID_AUTUMN"]),
        (date(2027, 12, 31), 30, ["2028-SPRING_FESTIVAL"]),  # 26 January 2028, across the year end
        (date(2026, 1, 1), 90, ["2026-SPRING_FESTIVAL"]),
    ],
)
def test_festivals_are_due_within_the_lead_before_them(day: date, lead: int, expected: list[str]) -> None:
    assert [f.period for f in festivals_due(day, lead)] == expected


def _due(schedule: ReminderSchedule, day: date) -> list[tuple[ReminderKind, str, date]]:
    return [(d.kind, d.period, d.due_on) for d in due_periods(schedule, day)]


def test_the_periods_a_day_raises_under_the_default_schedule() -> None:
    schedule = ReminderSchedule()
    assert _due(schedule, date(2026, 12, 20)) == [
        (ReminderKind.CONDOLENCE_DUE, "2026Q4", date(2026, 12, 31)),
        (ReminderKind.SURVEY_VISIT_DUE, "2026-R3", date(2026, 12, 31)),
    ]
    assert _due(schedule, date(2026, 9, 20)) == [
        (ReminderKind.CONDOLENCE_DUE, "2026Q3", date(2026, 9, 30)),
        (ReminderKind.FESTIVAL_VISIT_DUE, "2026-MID_AUTUMN", date(2026, 9, 25)),
    ]
    assert _due(schedule, date(2026, 5, 10)) == []


def test_the_schedule_follows_the_settings() -> None:
    from lianxin.core.config import Settings

    settings = Settings(
        LIANXIN_VISITS_PER_YEAR=4,
        LIANXIN_REMINDER_CONDOLENCE_LEAD_DAYS=3,
        LIANXIN_REMINDER_VISIT_LEAD_DAYS=5,
        LIANXIN_REMINDER_FESTIVAL_LEAD_DAYS=1,
    )
    schedule = ReminderSchedule.from_settings(settings)
    assert schedule == ReminderSchedule(
        visits_per_year=4, condolence_lead_days=3, visit_lead_days=5, festival_lead_days=1
    )
    assert _due(schedule, date(2026, 3, 27)) == [
        (ReminderKind.SURVEY_VISIT_DUE, "2026-R1", date(2026, 3, 31))
    ]
    assert _due(schedule, date(2026, 9, 24)) == [
        (ReminderKind.FESTIVAL_VISIT_DUE, "2026-MID_AUTUMN", date(2026, 9, 25))
    ]
