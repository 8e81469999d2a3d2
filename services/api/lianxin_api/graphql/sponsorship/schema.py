"""Sponsorship queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from lianxin.core.clock import today_in
from lianxin.core.db import UnitOfWork
from lianxin.core.errors import DomainError
from lianxin.core.ids import expect_global_id
from lianxin.core.pagination import PageRequest, page_from_rows
from lianxin.sponsorship import repository as repo
from lianxin.sponsorship import service
from lianxin.sponsorship.models import Sponsorship
from lianxin_api.context import Info
from lianxin_api.graphql.common import After, Before, Connection, First, Last, MutationInput, make_connection
from lianxin_api.graphql.mutation import run_in_transaction
from lianxin_api.graphql.permissions import require_operation
from lianxin_api.graphql.sponsorship.types import (
    CreateSponsorshipInput,
    EndSponsorshipInput,
    SponsorshipPayload,
    SponsorshipType,
)
from lianxin_api.graphql.visibility import scope_for


@strawberry.type
class SponsorshipQuery:
    @strawberry.field(
        description="Pairings, oldest first; `active` filters open/ended. Sponsors see their own, "
        "UNION_STAFF those of households in its union's subtree; CIVIL_AFFAIRS is refused."
    )
    async def sponsorships(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        active: Annotated[
            bool | None, strawberry.argument(description="true: only active pairings; false: only ended.")
        ] = None,
    ) -> Connection[SponsorshipType]:
        require_operation(info, "sponsorships")
        scope = scope_for(info, "Sponsorship")
        try:
            request = PageRequest.parse(first, after, last, before)
        except DomainError as exc:
            raise GraphQLError(exc.issues[0].message, extensions={"code": exc.issues[0].code}) from None
        async with info.context.pool.acquire() as conn, request.reading():
            rows = await repo.list_sponsorships_page(
                conn, active, None, request.after_id, request.first + 1, scope=scope
            )
            total = await repo.count_sponsorships(conn, active, None, scope=scope)
        return make_connection(
            page_from_rows(rows, request, total), lambda s: s.id, SponsorshipType.from_model
        )


@strawberry.type
class SponsorshipMutation:
    @strawberry.mutation(description="Pair a household with a sponsor organization (结对).")
    async def create_sponsorship(
        self, info: Info, input: MutationInput[CreateSponsorshipInput]
    ) -> SponsorshipPayload:
        require_operation(info, "createSponsorship")
        today = today_in(info.context.settings.timezone)

        async def work(uow: UnitOfWork) -> Sponsorship:
            household_id = expect_global_id(input.household_id, "Household", "householdId")
            sponsor_id = expect_global_id(input.sponsor_id, "Organization", "sponsorId")
            return await service.pair_household(uow, household_id, sponsor_id, input.started_on, today=today)

        pairing, errors = await run_in_transaction(info, work)
        return SponsorshipPayload(
            sponsorship=SponsorshipType.from_model(pairing) if pairing else None, errors=errors
        )

    @strawberry.mutation(description="End a pairing with a date and a reason.")
    async def end_sponsorship(
        self, info: Info, input: MutationInput[EndSponsorshipInput]
    ) -> SponsorshipPayload:
        require_operation(info, "endSponsorship")
        today = today_in(info.context.settings.timezone)

        async def work(uow: UnitOfWork) -> Sponsorship:
            pk = expect_global_id(input.id, "Sponsorship", "id")
            return await service.end_pairing(uow, pk, input.ended_on, input.reason, today=today)

        pairing, errors = await run_in_transaction(info, work)
        return SponsorshipPayload(
            sponsorship=SponsorshipType.from_model(pairing) if pairing else None, errors=errors
        )
