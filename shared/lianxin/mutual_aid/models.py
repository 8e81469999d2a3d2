"""Medical mutual aid (医疗互助): yearly plans with capped coverages, free enrollment, claims."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NewType

import asyncpg

PlanId = NewType("PlanId", int)
EnrollmentId = NewType("EnrollmentId", int)
ClaimId = NewType("ClaimId", int)


class Coverage(StrEnum):
    ACCIDENT = "ACCIDENT"  # 意外伤害
    HOSPITAL_ALLOWANCE = "HOSPITAL_ALLOWANCE"  # 住院津贴
    CRITICAL_ILLNESS = "CRITICAL_ILLNESS"  # 重大疾病
    HOSPITAL_COST = "HOSPITAL_COST"  # 住院医疗费用


class ClaimStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    PAID = "PAID"
    REJECTED = "REJECTED"


# Where a claim may go next; REJECTED and PAID are final.
TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    ClaimStatus.SUBMITTED: frozenset({ClaimStatus.APPROVED, ClaimStatus.REJECTED}),
    ClaimStatus.APPROVED: frozenset({ClaimStatus.PAID, ClaimStatus.REJECTED}),
    ClaimStatus.PAID: frozenset(),
    ClaimStatus.REJECTED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class CoverageCap:
    plan_id: int
    coverage: Coverage
    cap_fen: int  # per member per plan year

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> CoverageCap:
        return cls(plan_id=row["plan_id"], coverage=Coverage(row["coverage"]), cap_fen=row["cap_fen"])


@dataclass(frozen=True, slots=True)
class MutualAidPlan:
    id: PlanId
    year: int
    name: str
    women_only: bool

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> MutualAidPlan:
        return cls(id=PlanId(row["id"]), year=row["year"], name=row["name"], women_only=row["women_only"])


@dataclass(frozen=True, slots=True)
class Enrollment:
    id: EnrollmentId
    plan_id: int
    member_id: int
    household_id: int
    enrolled_on: date

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Enrollment:
        return cls(
            id=EnrollmentId(row["id"]),
            plan_id=row["plan_id"],
            member_id=row["member_id"],
            household_id=row["household_id"],
            enrolled_on=row["enrolled_on"],
        )


@dataclass(frozen=True, slots=True)
class Claim:
    id: ClaimId
    enrollment_id: int
    plan_id: int
    coverage: Coverage
    amount_fen: int
    incurred_on: date
    status: ClaimStatus
    reason: str | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Claim:
        return cls(
            id=ClaimId(row["id"]),
            enrollment_id=row["enrollment_id"],
            plan_id=row["plan_id"],
            coverage=Coverage(row["coverage"]),
            amount_fen=row["amount_fen"],
            incurred_on=row["incurred_on"],
            status=ClaimStatus(row["status"]),
            reason=row["reason"],
        )


@dataclass(frozen=True, slots=True)
class ClaimTotals:
    """Claims of a year's plans: how many, how many paid, and the amounts."""

    claims: int
    paid_claims: int
    amount_claimed_fen: int
    amount_paid_fen: int

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> ClaimTotals:
        return cls(
            claims=row["claims"],
            paid_claims=row["paid_claims"],
            amount_claimed_fen=row["amount_claimed_fen"],
            amount_paid_fen=row["amount_paid_fen"],
        )
