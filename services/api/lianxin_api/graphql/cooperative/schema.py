"""Cooperative queries and mutations."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from lianxin.cooperative import repository as repo
from lianxin.cooperative import service
from lianxin.cooperative.models import Cooperative, CooperativeAsset, CooperativeYear
from lianxin.core.clock import today_in
from lianxin.core.db import UnitOfWork
from lianxin.core.errors import DomainError
from lianxin.core.ids import expect_global_id
from lianxin.core.pagination import PageRequest, page_from_rows
from lianxin_api.context import Info
from lianxin_api.graphql.common import (
    After,
    Before,
    Connection,
    First,
    Last,
    MutationInput,
    UserError,
    make_connection,
)
from lianxin_api.graphql.cooperative.types import (
    AddCooperativeAssetInput,
    AddCooperativeMemberInput,
    CooperativeAssetPayload,
    CooperativeAssetType,
    CooperativePayload,
    CooperativeType,
    CooperativeYearPayload,
    CooperativeYearType,
    CreateCooperativeInput,
    RecordCooperativeYearInput,
)
from lianxin_api.graphql.mutation import run_in_transaction
from lianxin_api.graphql.permissions import require_operation
from lianxin_api.graphql.visibility import scope_for


def _cooperative_id(raw: strawberry.ID) -> int:
    return expect_global_id(raw, "Cooperative", "cooperativeId")


def _payload(coop: Cooperative | None, errors: list[UserError]) -> CooperativePayload:
    return CooperativePayload(cooperative=CooperativeType.from_model(coop) if coop else None, errors=errors)


async def _reload(info: Info, cooperative_id: int) -> CooperativeType | None:
    coop = await info.context.loaders.cooperative_by_id.load(cooperative_id)
    return CooperativeType.from_model(coop) if coop else None


@strawberry.type
class CooperativeQuery:
    @strawberry.field(
        description="Land-share cooperatives, oldest first; UNION_STAFF sees those of its union's subtree, "
        "CIVIL_AFFAIRS and SPONSOR are refused."
    )
    async def cooperatives(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[CooperativeType]:
        require_operation(info, "cooperatives")
        scope = scope_for(info, "Cooperative")
        try:
            request = PageRequest.parse(first, after, last, before)
        except DomainError as exc:
            raise GraphQLError(exc.issues[0].message, extensions={"code": exc.issues[0].code}) from None
        async with info.context.pool.acquire() as conn, request.reading():
            rows = await repo.list_cooperatives_page(conn, request.after_id, request.first + 1, scope=scope)
            total = await repo.count_cooperatives(conn, scope=scope)
        page = page_from_rows(rows, request, total)
        return make_connection(page, lambda c: c.id, CooperativeType.from_model)


@strawberry.type
class CooperativeMutation:
    @strawberry.mutation(description="Found a land-share cooperative (党支部领办土地股份合作社).")
    async def create_cooperative(
        self, info: Info, input: MutationInput[CreateCooperativeInput]
    ) -> CooperativePayload:
        require_operation(info, "createCooperative")
        today = today_in(info.context.settings.timezone)

        async def work(uow: UnitOfWork) -> Cooperative:
            new = service.NewCooperative(
                name=input.name,
                village=input.village,
                region_code=input.region_code,
                land_mu=input.land_mu,
                led_by_party_branch=input.led_by_party_branch,
                chair_name=input.chair_name,
                founded_on=input.founded_on,
                union_id=expect_global_id(input.union_id, "TradeUnion", "unionId")
                if input.union_id
                else None,
            )
            return await service.create_cooperative(uow, new, today=today)

        coop, errors = await run_in_transaction(info, work)
        return _payload(coop, errors)

    @strawberry.mutation(description="Admit a household with its land shares (土地入股).")
    async def add_cooperative_member(
        self, info: Info, input: MutationInput[AddCooperativeMemberInput]
    ) -> CooperativePayload:
        require_operation(info, "addCooperativeMember")
        today = today_in(info.context.settings.timezone)

        async def work(uow: UnitOfWork) -> Cooperative:
            return await service.add_member(
                uow,
                _cooperative_id(input.cooperative_id),
                expect_global_id(input.household_id, "Household", "householdId"),
                input.land_share_mu,
                joined_on=input.joined_on,
                today=today,
            )

        coop, errors = await run_in_transaction(info, work)
        return _payload(coop, errors)

    @strawberry.mutation(description="Register greenhouses, land or equipment, optionally leased out.")
    async def add_cooperative_asset(
        self, info: Info, input: MutationInput[AddCooperativeAssetInput]
    ) -> CooperativeAssetPayload:
        require_operation(info, "addCooperativeAsset")
        lease = (
            service.NewLease(lessee=input.lease.lessee, annual_rent=input.lease.annual_rent)
            if input.lease
            else None
        )
        new = service.NewAsset(
            kind=input.kind, count=input.count, description=input.description, crop=input.crop, lease=lease
        )

        async def work(uow: UnitOfWork) -> CooperativeAsset:
            return await service.add_asset(uow, _cooperative_id(input.cooperative_id), new)

        asset, errors = await run_in_transaction(info, work)
        if asset is None:
            return CooperativeAssetPayload(asset=None, cooperative=None, errors=errors)
        return CooperativeAssetPayload(
            asset=CooperativeAssetType.from_model(asset),
            cooperative=await _reload(info, asset.cooperative_id),
            errors=[],
        )

    @strawberry.mutation(description="Record one year's income and dividends; replaces that year's figures.")
    async def record_cooperative_year(
        self, info: Info, input: MutationInput[RecordCooperativeYearInput]
    ) -> CooperativeYearPayload:
        require_operation(info, "recordCooperativeYear")
        today = today_in(info.context.settings.timezone)

        async def work(uow: UnitOfWork) -> CooperativeYear:
            coop_id = _cooperative_id(input.cooperative_id)
            return await service.record_year(
                uow, coop_id, input.year, input.income, input.dividend, today=today
            )

        year, errors = await run_in_transaction(info, work)
        if year is None:
            return CooperativeYearPayload(year=None, cooperative=None, errors=errors)
        return CooperativeYearPayload(
            year=CooperativeYearType.from_model(year),
            cooperative=await _reload(info, year.cooperative_id),
            errors=[],
        )
