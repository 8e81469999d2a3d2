"""Statistics reads: households by level, category, reason, status and region; figures per year.

Read-only, so no unit of work: the caller passes a connection. Scope checks raise DomainError.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lianxin.access.rules import EVERYTHING, ListScope
from lianxin.core.db import Connection
from lianxin.core.errors import IssueCollector
from lianxin.core.region import RegionCodeError, region_level, validate_region_code
from lianxin.statistics import repository as repo
from lianxin.statistics.models import Count, YearFigures

MAX_YEARS: Final = 50


@dataclass(frozen=True)
class Scope:
    """The households asked about (a region or a union's subtree), within those the caller may see."""

    region_code: str | None = None
    union_id: int | None = None
    within: ListScope = EVERYTHING


async def _prefix(conn: Connection, issues: IssueCollector, scope: Scope) -> str | None:
    if scope.region_code is not None and scope.union_id is not None:
        issues.add("ONE_SCOPE_ONLY", "give regionCode or unionId, not both", ["regionCode"])
    # a union outside the caller's subtree reads exactly like one that does not exist
    if scope.union_id is not None and not await repo.union_exists(conn, scope.union_id, scope.within):
        issues.add("UNION_NOT_FOUND", "the union does not exist", ["unionId"])
    if scope.region_code is None:
        return None
    try:
        code = validate_region_code(scope.region_code)
    except RegionCodeError as exc:
        issues.add("INVALID_REGION_CODE", str(exc), ["regionCode"])
        return None
    level = region_level(code)
    return code[:2] if level == "PROVINCE" else code[:4] if level == "CITY" else code


async def household_counts(conn: Connection, scope: Scope, status: str | None) -> list[Count]:
    """Households of the scope counted by each dimension (a household counts once per reason)."""
    issues = IssueCollector()
    prefix = await _prefix(conn, issues, scope)
    issues.raise_if_any()
    return await repo.household_counts(conn, prefix, scope.union_id, status, scope.within)


async def yearly_figures(
    conn: Connection, scope: Scope, level: str | None, first_year: int, last_year: int
) -> list[YearFigures]:
    """For each year of the range: households archived, on file at year end, marked out of hardship."""
    issues = IssueCollector()
    prefix = await _prefix(conn, issues, scope)
    if last_year < first_year:
        issues.add("INVALID_YEAR_RANGE", "toYear is before fromYear", ["toYear"])
    elif last_year - first_year >= MAX_YEARS:
        issues.add("YEAR_RANGE_TOO_LONG", f"at most {MAX_YEARS} years at once", ["toYear"])
    elif first_year < 1900:
        issues.add("INVALID_YEAR_RANGE", "fromYear must be 1900 or later", ["fromYear"])
    issues.raise_if_any()
    return await repo.years(conn, prefix, scope.union_id, level, first_year, last_year, scope.within)
