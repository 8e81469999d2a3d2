"""SQL access for survey visits and casework lists. Functions take the connection first and never commit."""

from __future__ import annotations

from datetime import date

from lianxin.access.rules import EVERYTHING, ListScope
from lianxin.casework.models import Findings, LeavingSuggestion, OverdueVisit, PlanAction, Visit
from lianxin.core.db import Connection
from lianxin.core.sql import load_queries

Q = load_queries(__package__)


async def lock_household(conn: Connection, household_id: int) -> tuple[str, str] | None:
    """(status, region code) of the household, locked until commit; None when it does not exist."""
    row = await conn.fetchrow(Q.lock_household, household_id)
    return (row["status"], row["region_code"]) if row else None


async def next_round(conn: Connection, household_id: int, year: int) -> int:
    found: int = await conn.fetchval(Q.next_round, household_id, year)
    return found


async def insert_visit(
    conn: Connection,
    household_id: int,
    visited_on: date,
    round_: int,
    visitors: list[str],
    findings: Findings,
    plan: list[PlanAction],
    recorded_by: str | None,
) -> Visit:
    visit_id: int = await conn.fetchval(
        Q.insert_visit,
        household_id,
        visited_on,
        round_,
        visitors,
        findings.family_situation,
        findings.hardship_causes,
        findings.skills,
        findings.employment_wishes,
        findings.state_of_mind,
        recorded_by,
    )
    if plan:
        await conn.execute(
            Q.insert_actions,
            visit_id,
            [a.position for a in plan],
            [a.action for a in plan],
            [a.owner for a in plan],
            [a.due_on for a in plan],
        )
    [visit] = await list_visits_by_ids(conn, [visit_id])
    return visit


async def list_visits_by_ids(conn: Connection, ids: list[int]) -> list[Visit]:
    return [Visit.from_row(r) for r in await conn.fetch(Q.list_visits_by_ids, ids)]


async def list_visits_by_household_ids(conn: Connection, ids: list[int]) -> list[Visit]:
    return [Visit.from_row(r) for r in await conn.fetch(Q.list_visits_by_household_ids, ids)]


async def list_overdue_page(
    conn: Connection,
    as_of: date,
    per_year: int,
    after_id: int,
    limit: int,
    *,
    region_prefix: str | None = None,
    union_id: int | None = None,
    scope: ListScope = EVERYTHING,
) -> list[OverdueVisit]:
    rows = await conn.fetch(
        Q.list_overdue_page,
        as_of,
        per_year,
        after_id,
        limit,
        region_prefix,
        union_id,
        *scope.household_params(),
    )
    return [OverdueVisit.from_row(r) for r in rows]


async def count_overdue(
    conn: Connection,
    as_of: date,
    per_year: int,
    *,
    region_prefix: str | None = None,
    union_id: int | None = None,
    scope: ListScope = EVERYTHING,
) -> int:
    total: int = await conn.fetchval(
        Q.count_overdue, as_of, per_year, region_prefix, union_id, *scope.household_params()
    )
    return total


async def list_leaving_suggestions_page(
    conn: Connection, as_of: date, months: int, after_id: int, limit: int, *, scope: ListScope = EVERYTHING
) -> list[LeavingSuggestion]:
    rows = await conn.fetch(
        Q.list_leaving_suggestions_page, as_of, months, after_id, limit, *scope.household_params()
    )
    return [LeavingSuggestion.from_row(r) for r in rows]


async def count_leaving_suggestions(
    conn: Connection, as_of: date, months: int, *, scope: ListScope = EVERYTHING
) -> int:
    total: int = await conn.fetchval(Q.count_leaving_suggestions, as_of, months, *scope.household_params())
    return total
