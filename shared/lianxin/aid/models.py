"""Aid (帮扶救助): disbursements, one per household, program and period, and batch payment runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import NewType

import asyncpg

from lianxin.access.rules import ListScope

DisbursementId = NewType("DisbursementId", int)
AidBatchId = NewType("AidBatchId", int)


class AidProgram(StrEnum):
    QUARTERLY_CONDOLENCE = "QUARTERLY_CONDOLENCE"  # 季度慰问金
    GIFT_PACK = "GIFT_PACK"  # 节日慰问品
    LOVE_CARD = "LOVE_CARD"  # 爱心卡
    BUS_CARD = "BUS_CARD"  # 公交卡
    EMERGENCY = "EMERGENCY"  # 临时救助
    COUNSELING = "COUNSELING"  # 心理疏导
    MEDICINE_DELIVERY = "MEDICINE_DELIVERY"  # 送医送药
    TRAINING = "TRAINING"  # 再就业培训 (a family member may be the trainee)


class PeriodKind(StrEnum):
    """How a program's period is written; the database CHECK on aid_disbursement agrees."""

    QUARTER = "QUARTER"  # 2026Q4
    MONTH = "MONTH"  # 2026-11
    DAY = "DAY"  # 2026-11-29
    YEAR = "YEAR"  # 2026


PERIOD_KIND: dict[AidProgram, PeriodKind] = {
    AidProgram.QUARTERLY_CONDOLENCE: PeriodKind.QUARTER,
    AidProgram.GIFT_PACK: PeriodKind.YEAR,
    AidProgram.LOVE_CARD: PeriodKind.YEAR,
    AidProgram.BUS_CARD: PeriodKind.YEAR,
    AidProgram.EMERGENCY: PeriodKind.DAY,
    AidProgram.COUNSELING: PeriodKind.MONTH,
    AidProgram.MEDICINE_DELIVERY: PeriodKind.MONTH,
    AidProgram.TRAINING: PeriodKind.YEAR,
}


class BatchStatus(StrEnum):
    """lianxin.run.RunStatus's values: batches run on the shared mechanism; a type of its own only
    because GraphQL names it AidBatchStatus."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class Disbursement:
    id: DisbursementId
    household_id: int
    program: AidProgram
    period: str
    amount_fen: int
    member_id: int | None
    paid_on: date
    note: str | None
    batch_id: int | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Disbursement:
        return cls(
            id=DisbursementId(row["id"]),
            household_id=row["household_id"],
            program=AidProgram(row["program"]),
            period=row["period"],
            amount_fen=row["amount_fen"],
            member_id=row["member_id"],
            paid_on=row["paid_on"],
            note=row["note"],
            batch_id=row["batch_id"],
        )


@dataclass(frozen=True, slots=True)
class AidBatch:
    id: AidBatchId
    program: AidProgram
    period: str
    amount_fen: int
    region_code: str | None
    union_id: int | None
    paid_on: date
    status: BatchStatus
    total: int
    done: int
    paid: int
    last_household_id: int
    created_at: datetime
    finished_at: datetime | None
    # the requesting caller's scope: the batch pays only households inside it too
    scope: ListScope

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> AidBatch:
        return cls(
            id=AidBatchId(row["id"]),
            program=AidProgram(row["program"]),
            period=row["period"],
            amount_fen=row["amount_fen"],
            region_code=row["region_code"],
            union_id=row["union_id"],
            paid_on=row["paid_on"],
            status=BatchStatus(row["status"]),
            total=row["total"],
            done=row["done"],
            paid=row["paid"],
            last_household_id=row["last_household_id"],
            created_at=row["created_at"],
            finished_at=row["finished_at"],
            scope=ListScope(
                union_root=row["scope_union_root"],
                region_prefix=row["scope_region_prefix"],
                sponsor_id=row["scope_sponsor_id"],
            ),
        )


@dataclass(frozen=True, slots=True)
class AidTotal:
    program: AidProgram
    period: str
    households: int
    amount_fen: int

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> AidTotal:
        return cls(
            program=AidProgram(row["program"]),
            period=row["period"],
            households=row["households"],
            amount_fen=row["amount_fen"],
        )
