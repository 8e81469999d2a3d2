"""Casework queries and mutations: survey visits, overdue visits, leaving-hardship suggestions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from graphql import GraphQLError

from lianxin.casework import repository as repo
from lianxin.casework import service
from lianxin.casework.models import Findings, Visit
from lianxin.core.clock import today_in
from lianxin.core.db import UnitOfWork
from lianxin.core.errors import DomainError
from lianxin.core.ids import expect_global_id
from lianxin.core.pagination import PageRequest, page_from_rows
from lianxin_api.context import Info
from lianxin_api.graphql.casework.types import (
    LeavingSuggestionType,
    OverdueVisitType,
    RecordVisitInput,
    VisitPayload,
    VisitType,
)
from lianxin_api.graphql.common import (
    After,
    Before,
    Connection,
    First,
    InRegion,
    InUnion,
    Last,
    MutationInput,
    make_connection,
)
from lianxin_api.graphql.household.schema import region_prefix
from lianxin_api.graphql.mutation import run_in_transaction
from lianxin_api.graphql.permissions import require_operation
from lianxin_api.graphql.visibility import scope_for


def page_request(first: int | None, after: str | None, last: int | None, before: str | None) -> PageRequest:
    try:
        return PageRequest.parse(first, after, last, before)
    except DomainError as exc:
        raise GraphQLError(exc.issues[0].message, extensions={"code": exc.issues[0].code}) from None


AsOf = Annotated[
    date | None, strawberry.argument(description="The day to judge on; default today (LIANXIN_TZ).")
]


def as_of_day(as_of: date | None, timezone: str) -> date:
    """`asOf`, default today. asyncpg sends date.min and date.max as -infinity and infinity, which the
    rounds-due arithmetic cannot turn into months."""
    if as_of is None:
        return today_in(timezone)
    if not date.min < as_of < date.max:
        raise GraphQLError(
            f"asOf must be after {date.min} and before {date.max}", extensions={"code": "INVALID_DATE"}
        )
    return as_of


@strawberry.type
class CaseworkQuery:
    @strawberry.field(
        description="ACTIVE households (of a region or union subtree when given) with fewer survey "
        "visits this year than rounds due by `asOf` (default today); LIANXIN_VISITS_PER_YEAR rounds a "
        "year, spread evenly over the months. Only households in the caller's scope (UNION_STAFF: its "
        "union's subtree); a filter outside it matches nothing."
    )
    async def overdue_visits(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        as_of: AsOf = None,
        region_code: InRegion = None,
        union_id: InUnion = None,
    ) -> Connection[OverdueVisitType]:
        require_operation(info, "overdueVisits")
        scope = scope_for(info, "Visit")
        request = page_request(first, after, last, before)
        prefix = region_prefix(region_code) if region_code else None
        try:
            union = expect_global_id(union_id, "TradeUnion", "unionId") if union_id else None
        except DomainError as exc:
            raise GraphQLError(exc.issues[0].message, extensions={"code": exc.issues[0].code}) from None
        settings = info.context.settings
        day = as_of_day(as_of, settings.timezone)
        per_year = settings.visits_per_year
        async with info.context.pool.acquire() as conn, request.reading():
            rows = await repo.list_overdue_page(
                conn,
                day,
                per_year,
                request.after_id,
                request.first + 1,
                region_prefix=prefix,
                union_id=union,
                scope=scope,
            )
            total = await repo.count_overdue(
                conn, day, per_year, region_prefix=prefix, union_id=union, scope=scope
            )
        page = page_from_rows(rows, request, total)
        return make_connection(page, lambda o: o.household_id, OverdueVisitType.from_model)

    @strawberry.field(
        description="ACTIVE households whose decisions have suggested no union category (RULES.md v2: "
        "every decision since the last one with a category has none) for LIANXIN_OUT_OF_HARDSHIP_MONTHS "
        "months by `asOf` (default today): candidates for OUT_OF_HARDSHIP (脱困). "
        "Only households in the caller's scope (UNION_STAFF: its union's subtree)."
    )
    async def leaving_hardship_suggestions(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        as_of: AsOf = None,
    ) -> Connection[LeavingSuggestionType]:
        require_operation(info, "leavingHardshipSuggestions")
        scope = scope_for(info, "EligibilityDecision")
        request = page_request(first, after, last, before)
        settings = info.context.settings
        day = as_of_day(as_of, settings.timezone)
        months = settings.out_of_hardship_months
        async with info.context.pool.acquire() as conn, request.reading():
            rows = await repo.list_leaving_suggestions_page(
                conn, day, months, request.after_id, request.first + 1, scope=scope
            )
            total = await repo.count_leaving_suggestions(conn, day, months, scope=scope)
        page = page_from_rows(rows, request, total)
        return make_connection(page, lambda s: s.household_id, LeavingSuggestionType.from_model)


@strawberry.type
class CaseworkMutation:
    @strawberry.mutation(description="Record a survey visit (入户调研) with findings and a plan (因户施策).")
    async def record_visit(self, info: Info, input: MutationInput[RecordVisitInput]) -> VisitPayload:
        caller = require_operation(info, "recordVisit")
        today = today_in(info.context.settings.timezone)
        f = input.findings

        async def work(uow: UnitOfWork) -> Visit:
            new = service.NewVisit(
                household_id=expect_global_id(input.household_id, "Household", "householdId"),
                visited_on=input.visited_on,
                visitors=list(input.visitors),
                findings=Findings(
                    family_situation=f.family_situation,
                    hardship_causes=f.hardship_causes,
                    skills=f.skills,
                    employment_wishes=f.employment_wishes,
                    state_of_mind=f.state_of_mind,
                ),
                plan=[service.NewAction(a.action, a.owner, a.due_on) for a in input.plan],
            )
            return await service.record_visit(uow, new, today=today, recorded_by=caller.subject)

        visit, errors = await run_in_transaction(info, work)
        return VisitPayload(visit=VisitType.from_model(visit) if visit else None, errors=errors)
