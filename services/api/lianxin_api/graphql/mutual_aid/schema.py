"""Medical mutual-aid queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from lianxin.core.clock import today_in
from lianxin.core.db import UnitOfWork
from lianxin.core.errors import DomainError
from lianxin.core.ids import expect_global_id
from lianxin.core.pagination import PageRequest, page_from_rows
from lianxin.mutual_aid import repository as repo
from lianxin.mutual_aid import service
from lianxin.mutual_aid.models import Claim, ClaimStatus, Enrollment, MutualAidPlan
from lianxin_api.context import Info
from lianxin_api.graphql.common import After, Before, Connection, First, Last, MutationInput, make_connection
from lianxin_api.graphql.mutation import run_in_transaction
from lianxin_api.graphql.mutual_aid.types import (
    ClaimPayload,
    ClaimTotalsType,
    ClaimType,
    CreateMutualAidPlanInput,
    EnrollHouseholdInput,
    EnrollHouseholdPayload,
    EnrollmentType,
    FileClaimInput,
    MutualAidPlanPayload,
    MutualAidPlanType,
    ReviewClaimInput,
)
from lianxin_api.graphql.permissions import require_operation
from lianxin_api.graphql.visibility import scope_for, sees_household_id


def _plan_id(raw: strawberry.ID) -> int:
    return expect_global_id(raw, "MutualAidPlan", "planId")


@strawberry.type
class MutualAidQuery:
    @strawberry.field(description="Mutual-aid plans, newest year first; `year` filters.")
    async def mutual_aid_plans(
        self,
        info: Info,
        year: Annotated[int | None, strawberry.argument(description="Only this year's plans.")] = None,
    ) -> list[MutualAidPlanType]:
        require_operation(info, "mutualAidPlans")
        scope_for(info, "MutualAidPlan")  # reference data: seen whole, or refused
        async with info.context.pool.acquire() as conn:
            plans = await repo.list_plans(conn, year)
        return [MutualAidPlanType.from_model(p) for p in plans]

    @strawberry.field(
        description="The members of a household enrolled in a plan, in enrollment order; empty when none "
        "are, or when the household does not exist or is outside the caller's scope (UNION_STAFF: its "
        "union's subtree)."
    )
    async def mutual_aid_enrollments(
        self,
        info: Info,
        plan_id: Annotated[strawberry.ID, strawberry.argument(description="The MutualAidPlan.")],
        household_id: Annotated[strawberry.ID, strawberry.argument(description="The Household.")],
    ) -> list[EnrollmentType]:
        caller = require_operation(info, "mutualAidEnrollments")
        try:
            plan = _plan_id(plan_id)
            household = expect_global_id(household_id, "Household", "householdId")
        except DomainError as exc:
            raise GraphQLError(exc.issues[0].message, extensions={"code": exc.issues[0].code}) from None
        if not await sees_household_id(info, caller, household):
            return []
        async with info.context.pool.acquire() as conn:
            enrollments = await repo.list_enrollments_of_household(conn, plan, household)
        return [EnrollmentType.from_model(e) for e in enrollments]

    @strawberry.field(
        description="Claims, oldest first, of a plan, a member or a status when given. Only claims of "
        "households in the caller's scope (UNION_STAFF: its union's subtree); a member outside it matches "
        "nothing."
    )
    async def mutual_aid_claims(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        plan_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only claims under this MutualAidPlan.")
        ] = None,
        member_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this Member's claims.")
        ] = None,
        status: Annotated[
            ClaimStatus | None, strawberry.argument(description="Only claims in this status.")
        ] = None,
    ) -> Connection[ClaimType]:
        require_operation(info, "mutualAidClaims")
        scope = scope_for(info, "MutualAidClaim")
        try:
            request = PageRequest.parse(first, after, last, before)
            plan = _plan_id(plan_id) if plan_id else None
            member = expect_global_id(member_id, "Member", "memberId") if member_id else None
        except DomainError as exc:
            raise GraphQLError(exc.issues[0].message, extensions={"code": exc.issues[0].code}) from None
        async with info.context.pool.acquire() as conn, request.reading():
            rows = await repo.list_claims_page(
                conn, plan, member, status, request.after_id, request.first + 1, scope=scope
            )
            total = await repo.count_claims(conn, plan, member, status, scope=scope)
        return make_connection(page_from_rows(rows, request, total), lambda c: c.id, ClaimType.from_model)

    @strawberry.field(
        description="Claims count and amounts under the plans of years `fromYear`…`toYear`; only claims of "
        "households in the caller's scope count (UNION_STAFF: its union's subtree)."
    )
    async def mutual_aid_totals(
        self,
        info: Info,
        from_year: Annotated[int, strawberry.argument(description="First plan year counted.")],
        to_year: Annotated[int, strawberry.argument(description="Last plan year counted (inclusive).")],
    ) -> ClaimTotalsType:
        require_operation(info, "mutualAidTotals")
        scope = scope_for(info, "MutualAidClaim")
        async with info.context.pool.acquire() as conn:
            totals = await repo.claim_totals(conn, from_year, to_year, scope=scope)
        return ClaimTotalsType.from_model(totals)


@strawberry.type
class MutualAidMutation:
    @strawberry.mutation(description="Publish a year's plan with its coverages and caps (ADMIN).")
    async def create_mutual_aid_plan(
        self, info: Info, input: MutationInput[CreateMutualAidPlanInput]
    ) -> MutualAidPlanPayload:
        require_operation(info, "createMutualAidPlan")
        today = today_in(info.context.settings.timezone)
        caps = [(c.coverage, c.cap) for c in input.coverages]

        async def work(uow: UnitOfWork) -> MutualAidPlan:
            return await service.create_plan(uow, input.year, input.name, input.women_only, caps, today=today)

        plan, errors = await run_in_transaction(info, work)
        return MutualAidPlanPayload(plan=MutualAidPlanType.from_model(plan) if plan else None, errors=errors)

    @strawberry.mutation(description="Enroll an archived household's members, free; idempotent.")
    async def enroll_household(
        self, info: Info, input: MutationInput[EnrollHouseholdInput]
    ) -> EnrollHouseholdPayload:
        require_operation(info, "enrollHousehold")
        today = today_in(info.context.settings.timezone)

        async def work(uow: UnitOfWork) -> list[Enrollment]:
            household_id = expect_global_id(input.household_id, "Household", "householdId")
            return await service.enroll_household(uow, _plan_id(input.plan_id), household_id, today=today)

        enrolled, errors = await run_in_transaction(info, work)
        return EnrollHouseholdPayload(
            enrollments=[EnrollmentType.from_model(e) for e in enrolled] if enrolled is not None else None,
            errors=errors,
        )

    @strawberry.mutation(description="File a claim; refused with CLAIM_OVER_CAP beyond the coverage's cap.")
    async def file_claim(self, info: Info, input: MutationInput[FileClaimInput]) -> ClaimPayload:
        require_operation(info, "fileClaim")
        today = today_in(info.context.settings.timezone)

        async def work(uow: UnitOfWork) -> Claim:
            new = service.NewClaim(
                plan_id=_plan_id(input.plan_id),
                member_id=expect_global_id(input.member_id, "Member", "memberId"),
                coverage=input.coverage,
                amount=input.amount,
                incurred_on=input.incurred_on,
            )
            return await service.file_claim(uow, new, today=today)

        claim, errors = await run_in_transaction(info, work)
        return ClaimPayload(claim=ClaimType.from_model(claim) if claim else None, errors=errors)

    @strawberry.mutation(description="Approve, pay or reject (with a reason) a claim.")
    async def review_claim(self, info: Info, input: MutationInput[ReviewClaimInput]) -> ClaimPayload:
        require_operation(info, "reviewClaim")

        async def work(uow: UnitOfWork) -> Claim:
            claim_id = expect_global_id(input.id, "MutualAidClaim", "id")
            return await service.review_claim(uow, claim_id, input.status, input.reason)

        claim, errors = await run_in_transaction(info, work)
        return ClaimPayload(claim=ClaimType.from_model(claim) if claim else None, errors=errors)
