"""Stored eligibility decisions and re-matching runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, NewType

import asyncpg

from lianxin.access.rules import ListScope
from lianxin.eligibility.render import stored_trace
from lianxin.household.enums import EligibilityOutcome, HardshipCategory
from lianxin.run import RunStatus as RunStatus  # the shared run mechanism's status (GraphQL: RunStatus)

DecisionId = NewType("DecisionId", int)
RunId = NewType("RunId", int)

ELIGIBLE = frozenset(
    {EligibilityOutcome.DIBAO, EligibilityOutcome.EXPENDITURE_TYPE, EligibilityOutcome.SINGLE_PERSON}
)


# a decision's `trace_as_stored` when it was read without its trace
TRACE_NOT_READ: Final = object()


@dataclass(frozen=True, slots=True)
class StoredDecision:
    id: DecisionId
    household_id: int
    policy_id: int
    fingerprint: str
    outcome: EligibilityOutcome
    counted_income_fen: int
    per_capita_income_fen: int
    standard_fen: int
    monthly_benefit_fen: int
    suggested_category: HardshipCategory | None
    # as stored: the exact engine's steps (a list) or a run's structured figures (see `trace`)
    trace_as_stored: Any
    evaluated_on: date
    evaluated_at: datetime
    category_income_fen: int | None = None  # RULES.md v2 q; None without members or before v2
    rules_version: int = 1

    @property
    def trace_read(self) -> bool:
        """False for a decision read without its trace (`latest_decisions_by_household_ids`)."""
        return self.trace_as_stored is not TRACE_NOT_READ

    @property
    def trace(self) -> list[dict[str, Any]]:
        """The steps: the exact engine's as stored, or a run's structured figures rendered (zh/en) now,
        when asked for (a page showing decisions without their trace renders nothing). A decision read
        without its trace fails here rather than answer no steps."""
        if self.trace_as_stored is TRACE_NOT_READ:
            raise AttributeError(f"decision {self.id} was read without its trace")
        return stored_trace(self.trace_as_stored)

    @classmethod
    def from_row(cls, row: asyncpg.Record, *, trace_read: bool = True) -> StoredDecision:
        return cls(
            id=DecisionId(row["id"]),
            household_id=row["household_id"],
            policy_id=row["policy_id"],
            fingerprint=row["fingerprint"],
            outcome=EligibilityOutcome(row["outcome"]),
            counted_income_fen=row["counted_income_fen"],
            per_capita_income_fen=row["per_capita_income_fen"],
            standard_fen=row["standard_fen"],
            monthly_benefit_fen=row["monthly_benefit_fen"],
            suggested_category=HardshipCategory(row["suggested_category"])
            if row["suggested_category"]
            else None,
            trace_as_stored=row["trace"] if trace_read else TRACE_NOT_READ,
            evaluated_on=row["evaluated_on"],
            evaluated_at=row["evaluated_at"],
            category_income_fen=row["category_income_fen"],
            rules_version=row["rules_version"],
        )


@dataclass(frozen=True, slots=True)
class EligibilityRun:
    id: RunId
    region_code: str | None
    union_id: int | None
    reason: str
    status: RunStatus
    total: int
    done: int
    changed: int
    last_household_id: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    # the requesting caller's scope: the run decides only households inside it too
    scope: ListScope

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> EligibilityRun:
        return cls(
            id=RunId(row["id"]),
            region_code=row["region_code"],
            union_id=row["union_id"],
            reason=row["reason"],
            status=RunStatus(row["status"]),
            total=row["total"],
            done=row["done"],
            changed=row["changed"],
            last_household_id=row["last_household_id"],
            created_at=row["created_at"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            scope=ListScope(
                union_root=row["scope_union_root"],
                region_prefix=row["scope_region_prefix"],
                sponsor_id=row["scope_sponsor_id"],
            ),
        )


@dataclass(frozen=True, slots=True)
class Simulation:
    id: int
    region_code: str
    parameters: dict[str, Any]
    status: RunStatus
    total: int
    done: int
    results: dict[str, Any] | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Simulation:
        return cls(
            id=row["id"],
            region_code=row["region_code"],
            parameters=row["parameters"],
            status=RunStatus(row["status"]),
            total=row["total"],
            done=row["done"],
            results=row["results"],
            created_at=row["created_at"],
            finished_at=row["finished_at"],
        )
