"""SQL access for aid. Functions take the connection first and never commit."""

from __future__ import annotations

from datetime import date

from lianxin.access.rules import EVERYTHING, ListScope
from lianxin.aid.models import AidBatch, AidProgram, AidTotal, Disbursement
from lianxin.core.db import Connection
from lianxin.core.sql import load_queries

Q = load_queries(__package__)


async def get_household(conn: Connection, household_id: int) -> tuple[str, str] | None:
    """(status, region code), or None when the household does not exist."""
    row = await conn.fetchrow(Q.get_household, household_id)
    return (row["status"], row["region_code"]) if row else None


async def member_household(conn: Connection, member_id: int) -> int | None:
    found: int | None = await conn.fetchval(Q.member_household, member_id)
    return found


async def union_exists(conn: Connection, union_id: int, scope: ListScope) -> bool:
    """The union exists and lies in `scope`'s union subtree (when it has one)."""
    return bool(await conn.fetchval(Q.union_exists, union_id, scope.union_root))


async def insert_disbursement(
    conn: Connection,
    household_id: int,
    program: AidProgram,
    period: str,
    amount_fen: int,
    member_id: int | None,
    paid_on: date,
    note: str | None,
) -> Disbursement | None:
    """The new row, or None when the household was already paid for this program and period."""
    row = await conn.fetchrow(
        Q.insert_disbursement, household_id, program.value, period, amount_fen, member_id, paid_on, note
    )
    return Disbursement.from_row(row) if row else None


async def list_disbursements_by_ids(conn: Connection, ids: list[int]) -> list[Disbursement]:
    return [Disbursement.from_row(r) for r in await conn.fetch(Q.list_disbursements_by_ids, ids)]


async def list_disbursements_by_household_ids(conn: Connection, ids: list[int]) -> list[Disbursement]:
    rows = await conn.fetch(Q.list_disbursements_by_household_ids, ids)
    return [Disbursement.from_row(r) for r in rows]


async def insert_batch(
    conn: Connection,
    program: AidProgram,
    period: str,
    amount_fen: int,
    region_code: str | None,
    union_id: int | None,
    paid_on: date,
    requested_by: str | None,
    *,
    scope: ListScope,
) -> AidBatch:
    row = await conn.fetchrow(
        Q.insert_batch,
        program.value,
        period,
        amount_fen,
        region_code,
        union_id,
        paid_on,
        requested_by,
        *scope.household_params(),
    )
    assert row is not None
    return AidBatch.from_row(row)


async def list_batches_by_ids(conn: Connection, ids: list[int]) -> list[AidBatch]:
    return [AidBatch.from_row(r) for r in await conn.fetch(Q.list_batches_by_ids, ids)]


async def pay_households(conn: Connection, ids: list[int], batch: AidBatch) -> list[tuple[int, str]]:
    """Pay the batch's amount to each of `ids` not yet paid for the period: (id, region) newly paid."""
    rows = await conn.fetch(
        Q.pay_households, ids, batch.program.value, batch.period, batch.amount_fen, batch.paid_on, batch.id
    )
    return [(r["household_id"], r["region_code"]) for r in rows]


async def aid_totals(
    conn: Connection, program: AidProgram | None, period_prefix: str | None, *, scope: ListScope = EVERYTHING
) -> list[AidTotal]:
    value = program.value if program else None
    rows = await conn.fetch(Q.aid_totals, value, period_prefix, *scope.household_params())
    return [AidTotal.from_row(r) for r in rows]


async def list_disbursements_page(
    conn: Connection,
    household_id: int | None,
    program: AidProgram | None,
    period_prefix: str | None,
    after_id: int,
    limit: int,
    *,
    scope: ListScope = EVERYTHING,
) -> list[Disbursement]:
    value = program.value if program else None
    rows = await conn.fetch(
        Q.list_disbursements_page,
        household_id,
        value,
        period_prefix,
        after_id,
        limit,
        *scope.household_params(),
    )
    return [Disbursement.from_row(r) for r in rows]


async def count_disbursements(
    conn: Connection,
    household_id: int | None,
    program: AidProgram | None,
    period_prefix: str | None,
    *,
    scope: ListScope = EVERYTHING,
) -> int:
    value = program.value if program else None
    total: int = await conn.fetchval(
        Q.count_disbursements, household_id, value, period_prefix, *scope.household_params()
    )
    return total
