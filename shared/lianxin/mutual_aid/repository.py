"""SQL access for medical mutual aid. Functions take the connection first and never commit."""

from __future__ import annotations

from datetime import date

from lianxin.access.rules import EVERYTHING, ListScope
from lianxin.core.db import Connection
from lianxin.core.sql import load_queries
from lianxin.mutual_aid.models import (
    Claim,
    ClaimStatus,
    ClaimTotals,
    Coverage,
    CoverageCap,
    Enrollment,
    MutualAidPlan,
)

Q = load_queries(__package__)


async def find_plan(conn: Connection, year: int, name: str) -> int | None:
    found: int | None = await conn.fetchval(Q.find_plan, year, name)
    return found


async def insert_plan(
    conn: Connection, year: int, name: str, women_only: bool, caps: dict[Coverage, int]
) -> MutualAidPlan:
    row = await conn.fetchrow(Q.insert_plan, year, name, women_only)
    assert row is not None
    plan = MutualAidPlan.from_row(row)
    await conn.execute(Q.insert_coverages, plan.id, [c.value for c in caps], list(caps.values()))
    return plan


async def get_plan(conn: Connection, plan_id: int) -> MutualAidPlan | None:
    row = await conn.fetchrow(Q.get_plan, plan_id)
    return MutualAidPlan.from_row(row) if row else None


async def list_plans_by_ids(conn: Connection, ids: list[int]) -> list[MutualAidPlan]:
    return [MutualAidPlan.from_row(r) for r in await conn.fetch(Q.list_plans_by_ids, ids)]


async def list_enrollments_by_ids(conn: Connection, ids: list[int]) -> list[Enrollment]:
    return [Enrollment.from_row(r) for r in await conn.fetch(Q.list_enrollments_by_ids, ids)]


async def list_plans(conn: Connection, year: int | None) -> list[MutualAidPlan]:
    return [MutualAidPlan.from_row(r) for r in await conn.fetch(Q.list_plans, year)]


async def list_coverages_by_plan_ids(conn: Connection, ids: list[int]) -> list[CoverageCap]:
    return [CoverageCap.from_row(r) for r in await conn.fetch(Q.list_coverages_by_plan_ids, ids)]


async def household_status(conn: Connection, household_id: int) -> str | None:
    status: str | None = await conn.fetchval(Q.household_status, household_id)
    return status


async def list_members(conn: Connection, household_id: int) -> list[tuple[int, str]]:
    """(member id, sex) of the household's members in order."""
    return [(r["id"], r["sex"]) for r in await conn.fetch(Q.list_members, household_id)]


async def enroll_members(
    conn: Connection, plan_id: int, household_id: int, member_ids: list[int], enrolled_on: date
) -> list[Enrollment]:
    await conn.execute(Q.enroll_members, plan_id, household_id, member_ids, enrolled_on)
    return await list_enrollments_of_household(conn, plan_id, household_id)


async def list_enrollments_of_household(
    conn: Connection, plan_id: int, household_id: int
) -> list[Enrollment]:
    rows = await conn.fetch(Q.list_enrollments_of_household, plan_id, household_id)
    return [Enrollment.from_row(r) for r in rows]


async def lock_enrollment(conn: Connection, plan_id: int, member_id: int) -> Enrollment | None:
    row = await conn.fetchrow(Q.lock_enrollment, plan_id, member_id)
    return Enrollment.from_row(row) if row else None


async def claimed_fen(conn: Connection, enrollment_id: int, coverage: Coverage) -> int:
    total: int = await conn.fetchval(Q.claimed_fen, enrollment_id, coverage.value)
    return total


async def insert_claim(
    conn: Connection, enrollment: Enrollment, coverage: Coverage, amount_fen: int, incurred_on: date
) -> Claim:
    row = await conn.fetchrow(
        Q.insert_claim, enrollment.id, enrollment.plan_id, coverage.value, amount_fen, incurred_on
    )
    assert row is not None
    return Claim.from_row(row)


async def lock_claim(conn: Connection, claim_id: int) -> Claim | None:
    row = await conn.fetchrow(Q.lock_claim, claim_id)
    return Claim.from_row(row) if row else None


async def update_claim(conn: Connection, claim_id: int, status: ClaimStatus, reason: str | None) -> Claim:
    row = await conn.fetchrow(Q.update_claim, claim_id, status.value, reason)
    assert row is not None
    return Claim.from_row(row)


async def list_claims_by_ids(conn: Connection, ids: list[int]) -> list[Claim]:
    return [Claim.from_row(r) for r in await conn.fetch(Q.list_claims_by_ids, ids)]


async def claim_totals(
    conn: Connection, first_year: int, last_year: int, *, scope: ListScope = EVERYTHING
) -> ClaimTotals:
    row = await conn.fetchrow(Q.claim_totals, first_year, last_year, *scope.household_params())
    assert row is not None
    return ClaimTotals.from_row(row)


async def enrollment_household(conn: Connection, enrollment_id: int) -> int:
    household_id: int = await conn.fetchval(Q.enrollment_household, enrollment_id)
    return household_id


async def list_claims_page(
    conn: Connection,
    plan_id: int | None,
    member_id: int | None,
    status: ClaimStatus | None,
    after_id: int,
    limit: int,
    *,
    scope: ListScope = EVERYTHING,
) -> list[Claim]:
    value = status.value if status else None
    rows = await conn.fetch(
        Q.list_claims_page, plan_id, member_id, value, after_id, limit, *scope.household_params()
    )
    return [Claim.from_row(r) for r in rows]


async def count_claims(
    conn: Connection,
    plan_id: int | None,
    member_id: int | None,
    status: ClaimStatus | None,
    *,
    scope: ListScope = EVERYTHING,
) -> int:
    value = status.value if status else None
    total: int = await conn.fetchval(Q.count_claims, plan_id, member_id, value, *scope.household_params())
    return total
