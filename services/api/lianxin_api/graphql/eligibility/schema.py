"""Eligibility queries and mutations: policies, runs, agencies, referrals."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON

from lianxin.access.rules import agency_filter
from lianxin.core.db import UnitOfWork
from lianxin.core.errors import DomainError
from lianxin.core.ids import expect_global_id
from lianxin.core.pagination import PageRequest, page_from_rows
from lianxin.matching import service as matching
from lianxin.matching.models import EligibilityRun
from lianxin.policy import repository as policy_repo
from lianxin.policy.models import DibaoPolicy
from lianxin.referral import repository as referral_repo
from lianxin.referral import service as referrals
from lianxin.referral.models import Agency, Referral, ReferralStatus
from lianxin_api.context import Info
from lianxin_api.graphql.common import After, Before, Connection, First, Last, MutationInput, make_connection
from lianxin_api.graphql.eligibility.types import (
    AgencyPayload,
    AgencyType,
    DibaoPolicyPayload,
    DibaoPolicyType,
    EligibilityRunPayload,
    EligibilityRunType,
    ReferralPayload,
    ReferralType,
)
from lianxin_api.graphql.mutation import run_in_transaction
from lianxin_api.graphql.permissions import require_operation
from lianxin_api.graphql.visibility import scope_for


@strawberry.input(name="PublishDibaoPolicyInput", description="A new version of a region's 低保 policy.")
class PublishDibaoPolicyInput:
    region_code: str = strawberry.field(
        description="GB/T 2260 code (6 digits) of the province, city or county."
    )
    effective_from: date = strawberry.field(
        description="First day it applies; its households are re-matched (the returned run)."
    )
    parameters: JSON = strawberry.field(
        description="Every key of RULES.md; decimals as strings. Unknown keys refused."
    )


@strawberry.input(name="EligibilityRunInput", description="Exactly one of regionCode or unionId.")
class EligibilityRunInput:
    region_code: str | None = strawberry.field(
        default=None, description="Re-match the ACTIVE households of this region (GB/T 2260 code)."
    )
    union_id: strawberry.ID | None = strawberry.field(
        default=None, description="Re-match the ACTIVE households of this TradeUnion's subtree."
    )


@strawberry.input(name="CreateAgencyInput", description="A civil-affairs agency (民政局) to register.")
class CreateAgencyInput:
    name: str = strawberry.field(description="The agency's name, e.g. 某区民政局.")
    region_code: str = strawberry.field(
        description="GB/T 2260 code of the region it serves; its eligible households are referred to it."
    )


@strawberry.input(name="UpdateReferralInput", description="An agency's next step on a referral.")
class UpdateReferralInput:
    id: strawberry.ID = strawberry.field(description="The Referral.")
    status: ReferralStatus = strawberry.field(
        description="The next status: RECEIVED, INVESTIGATING, then APPROVED or REJECTED."
    )
    reason: str | None = strawberry.field(default=None, description="Required for REJECTED.")


@strawberry.type
class EligibilityQuery:
    @strawberry.field(
        description="Every policy version published for exactly this region, newest first (not SPONSOR)."
    )
    async def dibao_policies(
        self,
        info: Info,
        region_code: Annotated[
            str, strawberry.argument(description="A GB/T 2260 code; only policies published for exactly it.")
        ],
    ) -> list[DibaoPolicyType]:
        require_operation(info, "dibaoPolicies")
        scope_for(info, "DibaoPolicy")  # reference data: seen whole, or refused
        async with info.context.pool.acquire() as conn:
            policies = await policy_repo.list_policies_by_region(conn, region_code)
        return [DibaoPolicyType.from_model(p) for p in policies]

    @strawberry.field(description="Civil-affairs agencies (not SPONSOR).")
    async def agencies(self, info: Info) -> list[AgencyType]:
        require_operation(info, "agencies")
        scope_for(info, "Agency")  # reference data: seen whole, or refused
        async with info.context.pool.acquire() as conn:
            return [AgencyType.from_model(a) for a in await referral_repo.list_agencies(conn)]

    @strawberry.field(
        description="Referrals, oldest first. CIVIL_AFFAIRS sees those of households in its region and "
        "those to its own agency; UNION_STAFF those of households in its union's subtree."
    )
    async def referrals(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        status: Annotated[
            ReferralStatus | None, strawberry.argument(description="Only referrals in this status.")
        ] = None,
    ) -> Connection[ReferralType]:
        require_operation(info, "referrals")
        scope = scope_for(info, "Referral")
        try:
            request = PageRequest.parse(first, after, last, before)
        except DomainError as exc:
            raise GraphQLError(exc.issues[0].message, extensions={"code": exc.issues[0].code}) from None
        async with info.context.pool.acquire() as conn, request.reading():
            rows = await referral_repo.list_referrals_page(
                conn, None, status, request.after_id, request.first + 1, scope=scope
            )
            total = await referral_repo.count_referrals(conn, None, status, scope=scope)
        return make_connection(page_from_rows(rows, request, total), lambda r: r.id, ReferralType.from_model)


@strawberry.type
class EligibilityMutation:
    @strawberry.mutation(description="Publish a new policy version (ADMIN); queues the region's re-match.")
    async def publish_dibao_policy(
        self, info: Info, input: MutationInput[PublishDibaoPolicyInput]
    ) -> DibaoPolicyPayload:
        caller = require_operation(info, "publishDibaoPolicy")

        async def work(uow: UnitOfWork) -> tuple[DibaoPolicy, EligibilityRun]:
            return await matching.publish_policy(
                uow, input.region_code, input.effective_from, input.parameters, caller.subject
            )

        result, errors = await run_in_transaction(info, work)
        if result is None:
            return DibaoPolicyPayload(policy=None, run=None, errors=errors)
        return DibaoPolicyPayload(
            policy=DibaoPolicyType.from_model(result[0]),
            run=EligibilityRunType.from_model(result[1]),
            errors=[],
        )

    @strawberry.mutation(description="Re-match every active household of a region or union subtree.")
    async def request_eligibility_run(
        self, info: Info, input: MutationInput[EligibilityRunInput]
    ) -> EligibilityRunPayload:
        require_operation(info, "requestEligibilityRun")
        # the run decides only households the caller sees, whatever region it names
        scope = scope_for(info, "Household")

        async def work(uow: UnitOfWork) -> EligibilityRun:
            union_id = expect_global_id(input.union_id, "TradeUnion", "unionId") if input.union_id else None
            return await matching.request_run(
                uow, region_code=input.region_code, union_id=union_id, reason="requested", scope=scope
            )

        run, errors = await run_in_transaction(info, work)
        return EligibilityRunPayload(run=EligibilityRunType.from_model(run) if run else None, errors=errors)

    @strawberry.mutation(description="Register a region's civil-affairs agency (ADMIN).")
    async def create_agency(self, info: Info, input: MutationInput[CreateAgencyInput]) -> AgencyPayload:
        require_operation(info, "createAgency")

        async def work(uow: UnitOfWork) -> Agency:
            return await referrals.register_agency(uow, input.name, input.region_code)

        agency, errors = await run_in_transaction(info, work)
        return AgencyPayload(agency=AgencyType.from_model(agency) if agency else None, errors=errors)

    @strawberry.mutation(
        description="An agency reports progress: RECEIVED, INVESTIGATING, APPROVED, REJECTED."
    )
    async def update_referral(self, info: Info, input: MutationInput[UpdateReferralInput]) -> ReferralPayload:
        caller = require_operation(info, "updateReferral")
        agency_id = agency_filter(caller)  # an agency advances only the referrals sent to it

        async def work(uow: UnitOfWork) -> Referral:
            pk = expect_global_id(input.id, "Referral", "id")
            return await referrals.advance_referral(uow, pk, input.status, input.reason, agency_id=agency_id)

        referral, errors = await run_in_transaction(info, work)
        return ReferralPayload(
            referral=ReferralType.from_model(referral) if referral else None, errors=errors
        )
