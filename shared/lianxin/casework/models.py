"""Survey visits (入户调研) with their findings and plan (因户施策), and the households they are due for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NewType

import asyncpg

VisitId = NewType("VisitId", int)


@dataclass(frozen=True, slots=True)
class PlanAction:
    """One action of a household's plan: what is done, who answers for it, by when."""

    position: int
    action: str
    owner: str
    due_on: date

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> PlanAction:
        return cls(
            position=item["position"],
            action=item["action"],
            owner=item["owner"],
            due_on=date.fromisoformat(item["due_on"]),
        )


@dataclass(frozen=True, slots=True)
class Findings:
    """What the visitors found; only the family situation is required."""

    family_situation: str
    hardship_causes: str | None = None
    skills: str | None = None
    employment_wishes: str | None = None
    state_of_mind: str | None = None


@dataclass(frozen=True, slots=True)
class Visit:
    id: VisitId
    household_id: int
    visited_on: date
    year: int
    round: int
    visitors: tuple[str, ...]
    findings: Findings
    plan: tuple[PlanAction, ...]
    recorded_by: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Visit:
        return cls(
            id=VisitId(row["id"]),
            household_id=row["household_id"],
            visited_on=row["visited_on"],
            year=row["year"],
            round=row["round"],
            visitors=tuple(row["visitors"]),
            findings=Findings(
                family_situation=row["family_situation"],
                hardship_causes=row["hardship_causes"],
                skills=row["skills"],
                employment_wishes=row["employment_wishes"],
                state_of_mind=row["state_of_mind"],
            ),
            plan=tuple(PlanAction.from_json(a) for a in row["plan"]),
            recorded_by=row["recorded_by"],
            created_at=row["created_at"],
        )


@dataclass(frozen=True, slots=True)
class OverdueVisit:
    """An ACTIVE household with fewer visits this year than rounds already due."""

    household_id: int
    rounds_due: int
    rounds_done: int
    last_visited_on: date | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> OverdueVisit:
        return cls(
            household_id=row["household_id"],
            rounds_due=row["rounds_due"],
            rounds_done=row["rounds_done"],
            last_visited_on=row["last_visited_on"],
        )


@dataclass(frozen=True, slots=True)
class LeavingSuggestion:
    """An ACTIVE household whose decisions have suggested no union category (RULES.md v2) since
    `above_since`."""

    household_id: int
    above_since: date
    per_capita_income_fen: int
    threshold_fen: int
    decision_id: int
    category_income_fen: int | None = None  # q of the latest decision

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> LeavingSuggestion:
        return cls(
            household_id=row["household_id"],
            above_since=row["above_since"],
            per_capita_income_fen=row["per_capita_income_fen"],
            threshold_fen=row["threshold_fen"],
            decision_id=row["decision_id"],
            category_income_fen=row["category_income_fen"],
        )
