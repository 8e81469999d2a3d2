"""GraphQL types of aid (帮扶救助): disbursements, batch runs with progress, totals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from lianxin.aid.models import AidBatch, AidProgram, AidTotal, BatchStatus, Disbursement
from lianxin.core.ids import to_global_id
from lianxin.core.money import fen_to_yuan
from lianxin_api.context import Info
from lianxin_api.graphql.common import Node, UserError, errors_field

if TYPE_CHECKING:
    from lianxin_api.graphql.household.types import HouseholdType

strawberry.enum(
    AidProgram,
    name="AidProgram",
    description="Periods: QUARTERLY_CONDOLENCE a quarter (2026Q4); COUNSELING, MEDICINE_DELIVERY a month "
    "(2026-11); EMERGENCY the day (2026-11-29); GIFT_PACK, LOVE_CARD, BUS_CARD, TRAINING a year (2026).",
)
strawberry.enum(BatchStatus, name="AidBatchStatus", description="QUEUED, RUNNING, DONE or FAILED.")


@strawberry.type(
    name="AidDisbursement", description="Aid paid to a household: one per program and period (帮扶救助)."
)
class AidDisbursementType(Node):
    model: strawberry.Private[Disbursement]
    program: AidProgram
    period: str
    amount: Decimal = strawberry.field(description="Yuan; 0.00 for aid in kind without a cash value.")
    paid_on: date
    note: str | None
    member_id: strawberry.ID | None = strawberry.field(description="TRAINING: the family member trained.")
    batch_id: strawberry.ID | None = strawberry.field(description="The batch that paid it, if any.")

    @classmethod
    def from_model(cls, d: Disbursement) -> AidDisbursementType:
        return cls(
            id=strawberry.ID(to_global_id("AidDisbursement", d.id)),
            model=d,
            program=d.program,
            period=d.period,
            amount=fen_to_yuan(d.amount_fen),
            paid_on=d.paid_on,
            note=d.note,
            member_id=strawberry.ID(to_global_id("Member", d.member_id)) if d.member_id else None,
            batch_id=strawberry.ID(to_global_id("AidBatch", d.batch_id)) if d.batch_id else None,
        )

    @strawberry.field
    async def household(
        self, info: Info
    ) -> Annotated[HouseholdType, strawberry.lazy("lianxin_api.graphql.household.types")]:
        from lianxin_api.graphql.household.types import HouseholdType

        household = await info.context.loaders.household_by_id.load(self.model.household_id)
        assert household is not None
        return HouseholdType.from_model(household)


@strawberry.type(name="AidBatch", description="A batch payment run by the worker; done/total is progress.")
class AidBatchType(Node):
    program: AidProgram
    period: str
    amount: Decimal = strawberry.field(description="Yuan paid to each household.")
    region_code: str | None
    union_id: strawberry.ID | None
    status: BatchStatus
    total: int = strawberry.field(description="ACTIVE households in scope when the batch started.")
    done: int = strawberry.field(description="Households handled so far.")
    paid: int = strawberry.field(description="Households newly paid; the others were already paid.")
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_model(cls, b: AidBatch) -> AidBatchType:
        return cls(
            id=strawberry.ID(to_global_id("AidBatch", b.id)),
            program=b.program,
            period=b.period,
            amount=fen_to_yuan(b.amount_fen),
            region_code=b.region_code,
            union_id=strawberry.ID(to_global_id("TradeUnion", b.union_id)) if b.union_id else None,
            status=b.status,
            total=b.total,
            done=b.done,
            paid=b.paid,
            created_at=b.created_at,
            finished_at=b.finished_at,
        )


@strawberry.type(name="AidTotal", description="What a program paid for one period.")
class AidTotalType:
    program: AidProgram
    period: str
    households: int
    amount: Decimal

    @classmethod
    def from_model(cls, t: AidTotal) -> AidTotalType:
        return cls(
            program=t.program, period=t.period, households=t.households, amount=fen_to_yuan(t.amount_fen)
        )


@strawberry.type(name="AidDisbursementPayload")
class AidDisbursementPayload:
    disbursement: AidDisbursementType | None
    errors: list[UserError] = errors_field()


@strawberry.type(name="AidBatchPayload")
class AidBatchPayload:
    batch: AidBatchType | None
    errors: list[UserError] = errors_field()


@strawberry.input(name="PayDisbursementInput")
class PayDisbursementInput:
    household_id: strawberry.ID
    program: AidProgram
    period: str = strawberry.field(description="Written as the program's period (see AidProgram).")
    amount: Decimal = strawberry.field(description="Yuan, ≥ 0, at most 2 decimals.")
    paid_on: date | None = strawberry.field(default=None, description="Defaults to today.")
    member_id: strawberry.ID | None = strawberry.field(default=None, description="TRAINING only.")
    note: str | None = None


@strawberry.input(name="PayQuarterlyCondolenceInput", description="Exactly one of regionCode or unionId.")
class PayQuarterlyCondolenceInput:
    region_code: str | None = None
    union_id: strawberry.ID | None = None
    period: str = strawberry.field(description="A quarter such as 2026Q4.")
    amount: Decimal = strawberry.field(description="Yuan per household, > 0.")
