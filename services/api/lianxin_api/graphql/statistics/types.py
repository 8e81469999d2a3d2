"""GraphQL types of the statistics a federation reports upward."""

from __future__ import annotations

import strawberry

from lianxin.statistics.models import Count, Dimension, YearFigures


@strawberry.type(name="HouseholdCount", description="Households with one value of a dimension.")
class HouseholdCountType:
    key: str = strawberry.field(description="The enum value (e.g. NATIONAL, ILLNESS) or the region code.")
    households: int = strawberry.field(description="How many households have it.")


@strawberry.type(name="HouseholdStatistics", description="Households of the scope by each dimension.")
class HouseholdStatisticsType:
    by_level: list[HouseholdCountType] = strawberry.field(description="By archive level (建档级别).")
    by_category: list[HouseholdCountType] = strawberry.field(
        description="By the hardship category (困难类别) the caseworkers set."
    )
    by_reason: list[HouseholdCountType] = strawberry.field(
        description="A household with two reasons counts under both."
    )
    by_status: list[HouseholdCountType] = strawberry.field(description="By household status.")
    by_region: list[HouseholdCountType] = strawberry.field(description="By the household's region code.")
    by_outcome: list[HouseholdCountType] = strawberry.field(
        description="By the current decision's outcome (RULES.md v2: MARGINAL and RIGID_EXPENDITURE "
        "included); UNDECIDED: no decision yet."
    )
    by_suggested_category: list[HouseholdCountType] = strawberry.field(
        description="By the current decision's suggested union category (RULES.md v2: DEEP, RELATIVE, "
        "ACCIDENT); NONE: decided without a category; UNDECIDED: no decision yet. byCategory is the "
        "category the caseworkers set."
    )

    @classmethod
    def from_counts(cls, counts: list[Count]) -> HouseholdStatisticsType:
        def of(dimension: Dimension) -> list[HouseholdCountType]:
            return [
                HouseholdCountType(key=c.key, households=c.households)
                for c in counts
                if c.dimension is dimension
            ]

        return cls(
            by_level=of(Dimension.LEVEL),
            by_category=of(Dimension.CATEGORY),
            by_reason=of(Dimension.REASON),
            by_status=of(Dimension.STATUS),
            by_region=of(Dimension.REGION),
            by_outcome=of(Dimension.OUTCOME),
            by_suggested_category=of(Dimension.SUGGESTED_CATEGORY),
        )


@strawberry.type(name="YearlyHouseholdFigures", description="One calendar year of the archive.")
class YearFiguresType:
    year: int = strawberry.field(description="The calendar year.")
    archived: int = strawberry.field(description="Households archived (建档) that year.")
    on_file: int = strawberry.field(description="Households on file (ACTIVE) at the year's end.")
    out_of_hardship: int = strawberry.field(description="Households marked OUT_OF_HARDSHIP that year.")

    @classmethod
    def from_model(cls, y: YearFigures) -> YearFiguresType:
        return cls(year=y.year, archived=y.archived, on_file=y.on_file, out_of_hardship=y.out_of_hardship)
