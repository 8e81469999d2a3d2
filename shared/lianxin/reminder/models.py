"""Scheduled reminders: quarterly condolence payments, survey visits and sponsors' festival visits due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import NewType

import asyncpg

ReminderId = NewType("ReminderId", int)

EVENT_TYPE = "reminder.due"


class ReminderKind(StrEnum):
    CONDOLENCE_DUE = "CONDOLENCE_DUE"  # 季度慰问金 not yet paid this quarter
    SURVEY_VISIT_DUE = "SURVEY_VISIT_DUE"  # 入户调研 of the year's current round not yet made
    FESTIVAL_VISIT_DUE = "FESTIVAL_VISIT_DUE"  # 节日走访慰问 by the sponsor of a pairing


class Festival(StrEnum):
    """Festivals on which sponsors visit their households; dates follow the Chinese lunar calendar."""

    SPRING_FESTIVAL = "SPRING_FESTIVAL"  # 春节, 正月初一
    MID_AUTUMN = "MID_AUTUMN"  # 中秋节, 八月十五


@dataclass(frozen=True, slots=True)
class Reminder:
    id: ReminderId
    kind: ReminderKind
    household_id: int
    sponsorship_id: int | None  # festival visits only
    sponsor_id: int | None  # the sponsorship's sponsor organization
    period: str
    due_on: date
    created_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Reminder:
        return cls(
            id=ReminderId(row["id"]),
            kind=ReminderKind(row["kind"]),
            household_id=row["household_id"],
            sponsorship_id=row["sponsorship_id"],
            sponsor_id=row["sponsor_id"],
            period=row["period"],
            due_on=row["due_on"],
            created_at=row["created_at"],
        )


@dataclass(frozen=True, slots=True)
class NewlyDue:
    """A reminder a scan has just inserted, with what its event needs to say who may see it."""

    reminder: Reminder
    region_code: str
    union_id: int
    union_path: tuple[int, ...]

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> NewlyDue:
        return cls(
            reminder=Reminder.from_row(row),
            region_code=row["region_code"],
            union_id=row["union_id"],
            union_path=tuple(row["union_path"]),
        )


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What one scan created, by kind, and the periods it looked at."""

    created: dict[ReminderKind, int]
    periods: dict[ReminderKind, list[str]]

    @property
    def total(self) -> int:
        return sum(self.created.values())
