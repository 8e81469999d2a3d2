"""Household queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from lianxin.core.clock import today_in
from lianxin.core.db import UnitOfWork
from lianxin.core.errors import DomainError
from lianxin.core.ids import expect_global_id
from lianxin.core.pagination import PageRequest, page_from_rows
from lianxin.core.region import RegionCodeError
from lianxin.core.region import region_prefix as containment_prefix
from lianxin.household import repository as repo
from lianxin.household import service
from lianxin.household.models import Household
from lianxin_api.context import Info
from lianxin_api.graphql.common import (
    After,
    Before,
    Connection,
    First,
    Last,
    MutationInput,
    connection_of,
)
from lianxin_api.graphql.household.inputs import CreateHouseholdInput, HouseholdFilter, UpdateHouseholdInput
from lianxin_api.graphql.household.prefetch import household_columns, prefetch_households
from lianxin_api.graphql.household.types import HouseholdPayload, HouseholdType
from lianxin_api.graphql.mutation import run_in_transaction
from lianxin_api.graphql.permissions import require_operation
from lianxin_api.graphql.selection import selected_paths
from lianxin_api.graphql.visibility import scope_for


def region_prefix(code: str) -> str:
    """The LIKE prefix of everything inside a region: 370000 → 37, 371000 → 3710, 371002 → 371002."""
    try:
        return containment_prefix(code)
    except RegionCodeError as exc:
        raise GraphQLError(str(exc), extensions={"code": "INVALID_REGION_CODE"}) from None


def _input_error(exc: DomainError) -> GraphQLError:
    issue = exc.issues[0]
    return GraphQLError(issue.message, extensions={"code": issue.code, "field": list(issue.field or ())})


@strawberry.type
class HouseholdQuery:
    @strawberry.field(
        description="Archived households, oldest first, filtered by union subtree, region, status; only "
        "those in the caller's scope (UNION_STAFF its union's subtree, CIVIL_AFFAIRS its region), so a "
        "filter outside that scope matches nothing."
    )
    async def households(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            HouseholdFilter | None,
            strawberry.argument(description="Narrows the list; omitted: every household."),
        ] = None,
    ) -> Connection[HouseholdType]:
        require_operation(info, "households")
        scope = scope_for(info, "Household")
        f = filter or HouseholdFilter()
        try:
            request = PageRequest.parse(first, after, last, before)
            union_root = expect_global_id(f.union_id, "TradeUnion", "filter.unionId") if f.union_id else None
        except DomainError as exc:
            raise _input_error(exc) from None
        prefix = region_prefix(f.region_code) if f.region_code else None
        paths = selected_paths(info)
        columns = household_columns(paths, "edges.node.")
        async with info.context.loaders.reads.acquire() as conn, request.reading():
            rows = await repo.list_households_page(
                conn,
                union_root,
                prefix,
                f.status,
                request.after_id,
                request.first + 1,
                f.outcome,
                scope=scope,
                without_contact=f.without_contact_person,
                columns=columns,
            )
            total = (
                await repo.count_households(
                    conn,
                    union_root,
                    prefix,
                    f.status,
                    f.outcome,
                    scope=scope,
                    without_contact=f.without_contact_person,
                )
                if "totalCount" in paths
                else 0  # not asked for: never serialised
            )
        page = page_from_rows(rows, request, total)
        prefetch = await prefetch_households(
            info, [h.id for h in page.items], paths, "edges.node.", unions=True
        )

        make = HouseholdType.edge_maker(columns)
        return connection_of(page, [make(h, prefetch) for h in page.items])


def _new_household(input: CreateHouseholdInput) -> service.NewHousehold:
    return service.NewHousehold(
        union_id=expect_global_id(input.union_id, "TradeUnion", "unionId"),
        archive_no=input.archive_no,
        level=input.level,
        category=input.category,
        hardship_reasons=input.hardship_reasons,
        region_code=input.region_code,
        members=[m.draft() for m in input.members],
        incomes=[i.draft() for i in input.incomes or []],
        expenditures=[e.draft() for e in input.expenditures or []],
        assets=[a.draft() for a in input.assets or []],
        contact_name=input.contact_name,
        contact_phone=input.contact_phone,
        major_event_casualty=input.major_event_casualty,
        exclusions=input.exclusions,
        archived_on=input.archived_on,
    )


def _changes(input: UpdateHouseholdInput) -> service.HouseholdChanges:
    return service.HouseholdChanges(
        household_id=expect_global_id(input.id, "Household", "id"),
        expected_version=input.expected_version,
        members=None if input.members is None else [m.draft() for m in input.members],
        incomes=None if input.incomes is None else [i.draft() for i in input.incomes],
        expenditures=None if input.expenditures is None else [e.draft() for e in input.expenditures],
        assets=None if input.assets is None else [a.draft() for a in input.assets],
        status=input.status,
        status_reason=input.status_reason,
        category=input.category,
        hardship_reasons=input.hardship_reasons,
        contact_name=input.contact_name,
        contact_phone=input.contact_phone,
        major_event_casualty=input.major_event_casualty,
        exclusions=input.exclusions,
    )


@strawberry.type
class HouseholdMutation:
    @strawberry.mutation(
        description="Archive (建档) a household with members and finances, in one transaction."
    )
    async def create_household(
        self, info: Info, input: MutationInput[CreateHouseholdInput]
    ) -> HouseholdPayload:
        require_operation(info, "createHousehold")
        today = today_in(info.context.settings.timezone)

        async def work(uow: UnitOfWork) -> Household:
            return await service.archive_household(uow, _new_household(input), today=today)

        household, errors = await run_in_transaction(info, work)
        return HouseholdPayload(
            household=HouseholdType.from_model(household) if household else None, errors=errors
        )

    @strawberry.mutation(description="Update a household; the lists given replace the stored ones.")
    async def update_household(
        self, info: Info, input: MutationInput[UpdateHouseholdInput]
    ) -> HouseholdPayload:
        require_operation(info, "updateHousehold")
        today = today_in(info.context.settings.timezone)

        async def work(uow: UnitOfWork) -> Household:
            return await service.update_household(uow, _changes(input), today=today)

        household, errors = await run_in_transaction(info, work)
        return HouseholdPayload(
            household=HouseholdType.from_model(household) if household else None, errors=errors
        )
