"""Statistics queries: households by dimension and the archive year by year."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from lianxin.core.errors import DomainError
from lianxin.core.ids import expect_global_id
from lianxin.household.enums import ArchiveLevel, HouseholdStatus
from lianxin.statistics import service
from lianxin.statistics.chart import chart_title, yearly_chart
from lianxin.statistics.models import YearFigures
from lianxin_api.context import Info
from lianxin_api.graphql.common import InRegion, InUnion
from lianxin_api.graphql.permissions import require_operation
from lianxin_api.graphql.statistics.types import HouseholdStatisticsType, YearFiguresType
from lianxin_api.graphql.visibility import scope_for


def _error(exc: DomainError) -> GraphQLError:
    issue = exc.issues[0]
    return GraphQLError(issue.message, extensions={"code": issue.code, "field": list(issue.field or ())})


def _scope(info: Info, region_code: str | None, union_id: strawberry.ID | None) -> service.Scope:
    """The households asked about, within the caller's scope (roles checked here): a UNION_STAFF caller
    counts its union's subtree only, so a union or region outside it counts nothing."""
    require_operation(info, info.field_name)
    within = scope_for(info, "Household")
    union = expect_global_id(union_id, "TradeUnion", "unionId") if union_id else None
    return service.Scope(region_code=region_code, union_id=union, within=within)


async def _figures(
    info: Info,
    from_year: int,
    to_year: int,
    level: ArchiveLevel | None,
    region_code: str | None,
    union_id: strawberry.ID | None,
) -> list[YearFigures]:
    """The yearly figures for both the list and the chart."""
    try:
        scope = _scope(info, region_code, union_id)
        async with info.context.pool.acquire() as conn:
            return await service.yearly_figures(
                conn, scope, level.value if level else None, from_year, to_year
            )
    except DomainError as exc:
        raise _error(exc) from None


FromYear = Annotated[int, strawberry.argument(description="First calendar year.")]
ToYear = Annotated[int, strawberry.argument(description="Last calendar year (inclusive); at most 50 years.")]
Level = Annotated[
    ArchiveLevel | None, strawberry.argument(description="Only households archived at this level.")
]


@strawberry.type
class StatisticsQuery:
    @strawberry.field(
        description="Households by level, category, reason, status and region; within a region or a "
        "union's subtree when given, of one status when given. Only households in the caller's scope "
        "count (UNION_STAFF: its union's subtree); a region or union outside it counts nothing."
    )
    async def household_statistics(
        self,
        info: Info,
        region_code: InRegion = None,
        union_id: InUnion = None,
        status: Annotated[
            HouseholdStatus | None, strawberry.argument(description="Only households with this status.")
        ] = None,
    ) -> HouseholdStatisticsType:
        try:
            scope = _scope(info, region_code, union_id)
            async with info.context.pool.acquire() as conn:
                counts = await service.household_counts(conn, scope, status.value if status else None)
        except DomainError as exc:
            raise _error(exc) from None
        return HouseholdStatisticsType.from_counts(counts)

    @strawberry.field(
        description="Year by year (at most 50): archived, on file at the year's end, out of hardship; "
        "e.g. national-level households on file from 2018 to 2026. Only households in the caller's scope "
        "count (UNION_STAFF: its union's subtree)."
    )
    async def yearly_household_figures(
        self,
        info: Info,
        from_year: FromYear,
        to_year: ToYear,
        level: Level = None,
        region_code: InRegion = None,
        union_id: InUnion = None,
    ) -> list[YearFiguresType]:
        figures = await _figures(info, from_year, to_year, level, region_code, union_id)
        return [YearFiguresType.from_model(y) for y in figures]

    @strawberry.field(
        description="The yearly trend as an SVG bar chart to print, in Chinese: households on file at each "
        "year's end, with a title, both axes and the counts (in the caller's scope, like "
        "yearlyHouseholdFigures)."
    )
    async def yearly_household_chart(
        self,
        info: Info,
        from_year: FromYear,
        to_year: ToYear,
        level: Level = None,
        region_code: InRegion = None,
        union_id: InUnion = None,
    ) -> str:
        figures = await _figures(info, from_year, to_year, level, region_code, union_id)
        return yearly_chart(figures, chart_title(level.value if level else None, from_year, to_year))
