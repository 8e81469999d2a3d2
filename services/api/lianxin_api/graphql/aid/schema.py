"""Aid queries and mutations: pay a disbursement, run the quarterly condolence batch, totals."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from lianxin.aid import repository as repo
from lianxin.aid import service
from lianxin.aid.models import AidBatch, AidProgram, Disbursement
from lianxin.core.clock import today_in
from lianxin.core.db import UnitOfWork
from lianxin.core.errors import DomainError
from lianxin.core.ids import expect_global_id
from lianxin.core.pagination import PageRequest, page_from_rows
from lianxin_api.context import Info
from lianxin_api.graphql.aid.types import (
    AidBatchPayload,
    AidBatchType,
    AidDisbursementPayload,
    AidDisbursementType,
    AidTotalType,
    PayDisbursementInput,
    PayQuarterlyCondolenceInput,
)
from lianxin_api.graphql.common import (
    After,
    Before,
    ById,
    Connection,
    First,
    Last,
    MutationInput,
    make_connection,
)
from lianxin_api.graphql.mutation import run_in_transaction
from lianxin_api.graphql.permissions import require_operation
from lianxin_api.graphql.visibility import scope_for, visible


def _member_id(raw: strawberry.ID | None) -> int | None:
    return expect_global_id(raw, "Member", "memberId") if raw else None


PeriodPrefix = Annotated[
    str | None,
    strawberry.argument(
        description='Only periods starting with this: "2026" covers 2026, 2026Q1…Q4, 2026-01…12.'
    ),
]


@strawberry.type
class AidQuery:
    @strawberry.field(
        description="A batch payment run and its progress; null when it does not exist or is outside the "
        "caller's scope (UNION_STAFF: batches of its union's subtree)."
    )
    async def aid_batch(self, info: Info, id: ById) -> AidBatchType | None:
        require_operation(info, "aidBatch")
        try:
            pk = expect_global_id(id, "AidBatch", "id")
        except DomainError as exc:
            raise GraphQLError(exc.issues[0].message, extensions={"code": exc.issues[0].code}) from None
        batch = await info.context.loaders.aid_batch_by_id.load(pk)
        if batch is None or not await visible(info, "AidBatch", batch):
            return None
        return AidBatchType.from_model(batch)

    @strawberry.field(
        description="Disbursements, oldest first, of one household, program or period prefix when given. "
        "Only those of households in the caller's scope (UNION_STAFF: its union's subtree); a household "
        "outside it matches nothing."
    )
    async def aid_disbursements(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        household_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this Household's.")
        ] = None,
        program: Annotated[AidProgram | None, strawberry.argument(description="Only this program's.")] = None,
        period: PeriodPrefix = None,
    ) -> Connection[AidDisbursementType]:
        require_operation(info, "aidDisbursements")
        scope = scope_for(info, "AidDisbursement")
        try:
            request = PageRequest.parse(first, after, last, before)
            household = expect_global_id(household_id, "Household", "householdId") if household_id else None
        except DomainError as exc:
            raise GraphQLError(exc.issues[0].message, extensions={"code": exc.issues[0].code}) from None
        prefix = period.strip() if period else None
        async with info.context.pool.acquire() as conn, request.reading():
            rows = await repo.list_disbursements_page(
                conn, household, program, prefix, request.after_id, request.first + 1, scope=scope
            )
            total = await repo.count_disbursements(conn, household, program, prefix, scope=scope)
        page = page_from_rows(rows, request, total)
        return make_connection(page, lambda d: d.id, AidDisbursementType.from_model)

    @strawberry.field(
        description="Households paid and amounts by program and period; `period` is a prefix: "
        '"2026" covers 2026, 2026Q1…Q4 and 2026-01…12. Only households in the caller\'s scope count '
        "(UNION_STAFF: its union's subtree)."
    )
    async def aid_totals(
        self,
        info: Info,
        program: Annotated[AidProgram | None, strawberry.argument(description="Only this program.")] = None,
        period: PeriodPrefix = None,
    ) -> list[AidTotalType]:
        require_operation(info, "aidTotals")
        scope = scope_for(info, "AidDisbursement")
        async with info.context.pool.acquire() as conn:
            totals = await repo.aid_totals(conn, program, period.strip() if period else None, scope=scope)
        return [AidTotalType.from_model(t) for t in totals]


def _limits(info: Info) -> service.AidLimits:
    return service.aid_limits(info.context.settings.aid_max_yuan)


@strawberry.type
class AidMutation:
    @strawberry.mutation(description="Pay aid to a household; once per program and period (ALREADY_PAID).")
    async def pay_disbursement(
        self, info: Info, input: MutationInput[PayDisbursementInput]
    ) -> AidDisbursementPayload:
        require_operation(info, "payDisbursement")
        today = today_in(info.context.settings.timezone)

        async def work(uow: UnitOfWork) -> Disbursement:
            new = service.NewDisbursement(
                household_id=expect_global_id(input.household_id, "Household", "householdId"),
                program=input.program,
                period=input.period,
                amount=input.amount,
                paid_on=input.paid_on or today,
                member_id=_member_id(input.member_id),
                note=input.note,
            )
            return await service.pay_disbursement(uow, new, today=today, limits=_limits(info))

        paid, errors = await run_in_transaction(info, work)
        return AidDisbursementPayload(
            disbursement=AidDisbursementType.from_model(paid) if paid else None, errors=errors
        )

    @strawberry.mutation(
        description="Pay the quarterly condolence money (季度慰问金) to every ACTIVE household of a region "
        "or union subtree, in the worker; households already paid for the quarter are skipped."
    )
    async def pay_quarterly_condolence(
        self, info: Info, input: MutationInput[PayQuarterlyCondolenceInput]
    ) -> AidBatchPayload:
        caller = require_operation(info, "payQuarterlyCondolence")
        today = today_in(info.context.settings.timezone)
        # the batch pays only households the caller could pay one by one, whatever region it names
        scope = scope_for(info, "Household")

        async def work(uow: UnitOfWork) -> AidBatch:
            union_id = expect_global_id(input.union_id, "TradeUnion", "unionId") if input.union_id else None
            return await service.request_condolence_batch(
                uow,
                region_code=input.region_code,
                union_id=union_id,
                period=input.period,
                amount=input.amount,
                today=today,
                requested_by=caller.subject,
                limits=_limits(info),
                scope=scope,
            )

        batch, errors = await run_in_transaction(info, work)
        return AidBatchPayload(batch=AidBatchType.from_model(batch) if batch else None, errors=errors)
