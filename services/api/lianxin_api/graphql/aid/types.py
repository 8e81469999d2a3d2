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
from lianxin_api.graphql.common import RUN_STATES, Node, UserError, describe_values, errors_field

if TYPE_CHECKING:
    from lianxin_api.graphql.household.types import HouseholdType

strawberry.enum(
    AidProgram,
    name="AidProgram",
    description="Periods: QUARTERLY_CONDOLENCE a quarter (2026Q4); COUNSELING, MEDICINE_DELIVERY a month "
    "(2026-11); EMERGENCY the day (2026-11-29); GIFT_PACK, LOVE_CARD, BUS_CARD, TRAINING a year (2026).",
)
strawberry.enum(BatchStatus, name="AidBatchStatus", description="QUEUED, RUNNING, DONE or FAILED.")
describe_values(BatchStatus, RUN_STATES)
describe_values(
    AidProgram,
    {
        AidProgram.QUARTERLY_CONDOLENCE: "季度慰问金: quarterly condolence money; period a quarter (2026Q4).",
        AidProgram.GIFT_PACK: "节日慰问品: a festival gift pack; period a year.",
        AidProgram.LOVE_CARD: "爱心卡: a charity shopping card; period a year.",
        AidProgram.BUS_CARD: "公交卡: a public transport card; period a year.",
        AidProgram.EMERGENCY: "临时救助: emergency relief; period the day (2026-11-29).",
        AidProgram.COUNSELING: "心理疏导: counselling; period a month (2026-11).",
        AidProgram.MEDICINE_DELIVERY: "送医送药: medicine brought home; period a month.",
        AidProgram.TRAINING: "再就业培训: re-employment training of a member (memberId); period a year.",
    },
)


@strawberry.type(
    name="AidDisbursement", description="Aid paid to a household: one per program and period (帮扶救助)."
)
class AidDisbursementType(Node):
    model: strawberry.Private[Disbursement]
    program: AidProgram = strawberry.field(description="The aid program.")
    period: str = strawberry.field(
        description="The period paid for, written as the program's (see AidProgram)."
    )
    amount: Decimal = strawberry.field(description="Yuan; 0.00 for aid in kind without a cash value.")
    paid_on: date = strawberry.field(description="The day it was paid.")
    note: str | None = strawberry.field(description="The caseworker's note; null: none.")
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

    @strawberry.field(description="The household paid.")
    async def household(
        self, info: Info
    ) -> Annotated[HouseholdType, strawberry.lazy("lianxin_api.graphql.household.types")]:
        from lianxin_api.graphql.household.types import HouseholdType

        household = await info.context.loaders.household_by_id.load(self.model.household_id)
        assert household is not None
        return HouseholdType.from_model(household)


@strawberry.type(name="AidBatch", description="A batch payment run by the worker; done/total is progress.")
class AidBatchType(Node):
    program: AidProgram = strawberry.field(description="The program paid (QUARTERLY_CONDOLENCE).")
    period: str = strawberry.field(description="The period paid for, e.g. 2026Q4.")
    amount: Decimal = strawberry.field(description="Yuan paid to each household.")
    region_code: str | None = strawberry.field(description="The region paid; null when a union was named.")
    union_id: strawberry.ID | None = strawberry.field(
        description="The TradeUnion whose subtree was paid; null when a region was named."
    )
    status: BatchStatus = strawberry.field(description="Where the run is.")
    total: int = strawberry.field(description="ACTIVE households in scope when the batch started.")
    done: int = strawberry.field(description="Households handled so far.")
    paid: int = strawberry.field(description="Households newly paid; the others were already paid.")
    created_at: datetime = strawberry.field(description="When the batch was requested.")
    finished_at: datetime | None = strawberry.field(
        description="When it ended (DONE or FAILED); null before."
    )

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
    program: AidProgram = strawberry.field(description="The aid program.")
    period: str = strawberry.field(description="The period, written as the program's.")
    households: int = strawberry.field(description="Households paid for that period.")
    amount: Decimal = strawberry.field(description="Total paid, yuan.")

    @classmethod
    def from_model(cls, t: AidTotal) -> AidTotalType:
        return cls(
            program=t.program, period=t.period, households=t.households, amount=fen_to_yuan(t.amount_fen)
        )


@strawberry.type(name="AidDisbursementPayload", description="Result of payDisbursement.")
class AidDisbursementPayload:
    disbursement: AidDisbursementType | None = strawberry.field(
        description="The payment as recorded; null when errors is not empty."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(name="AidBatchPayload", description="Result of payQuarterlyCondolence.")
class AidBatchPayload:
    batch: AidBatchType | None = strawberry.field(
        description="The queued batch (poll it with aidBatch or node); null when errors is not empty."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(name="PayDisbursementInput", description="One payment of aid to one household.")
class PayDisbursementInput:
    household_id: strawberry.ID = strawberry.field(description="The Household paid.")
    program: AidProgram = strawberry.field(description="The aid program.")
    period: str = strawberry.field(description="Written as the program's period (see AidProgram).")
    amount: Decimal = strawberry.field(description="Yuan, ≥ 0, at most 2 decimals.")
    paid_on: date | None = strawberry.field(default=None, description="Defaults to today.")
    member_id: strawberry.ID | None = strawberry.field(default=None, description="TRAINING only.")
    note: str | None = strawberry.field(default=None, description="A note for the file; omitted: none.")


@strawberry.input(name="PayQuarterlyCondolenceInput", description="Exactly one of regionCode or unionId.")
class PayQuarterlyCondolenceInput:
    region_code: str | None = strawberry.field(
        default=None, description="Pay the ACTIVE households of this region (GB/T 2260 code)."
    )
    union_id: strawberry.ID | None = strawberry.field(
        default=None, description="Pay the ACTIVE households of this TradeUnion's subtree."
    )
    period: str = strawberry.field(description="A quarter such as 2026Q4.")
    amount: Decimal = strawberry.field(description="Yuan per household, > 0.")
