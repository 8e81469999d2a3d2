"""SQL access for households and their lists. Functions take the connection first and never commit."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from lianxin.access.rules import EVERYTHING, ListScope
from lianxin.core.db import Connection
from lianxin.core.plan_shapes import for_ids, without_null_arguments
from lianxin.core.sql import load_queries
from lianxin.household.drafts import ValidAsset, ValidExpenditure, ValidIncome, ValidMember
from lianxin.household.enums import EligibilityOutcome, HouseholdStatus
from lianxin.household.models import Asset, Expenditure, Household, Income, Member, StatusChange

Q = load_queries(__package__)

# The columns a read may be narrowed to (`columns=`): the models' attributes, in table order. A read
# of some of them builds partial models (`from_columns`), whose other attributes are unset. Names are
# only ever taken from these tuples, never from a caller's text.
HOUSEHOLD_COLUMNS = (
    "id",
    "archive_no",
    "level",
    "category",
    "status",
    "status_changed_on",
    "status_reason",
    "hardship_reasons",
    "region_code",
    "union_id",
    "contact_name",
    "contact_phone",
    "archived_on",
    "version",
    "updated_at",
    "major_event_casualty",
    "exclusions",
)
MEMBER_COLUMNS = (
    "id",
    "household_id",
    "position",
    "name",
    "relation",
    "id_number",
    "sex",
    "birth_date",
    "health",
    "employment",
)


@functools.lru_cache(maxsize=256)
def _narrowed(
    sql: str, star: str, alias: str, allowed: tuple[str, ...], columns: frozenset[str]
) -> tuple[str, tuple[str, ...]]:
    """`sql` (its one `SELECT <star>`) reading only `columns`, in table order, and that order; refuses
    a name that is not a column."""
    unknown = columns - set(allowed)
    if unknown:
        raise ValueError(f"not columns of the model: {sorted(unknown)}")
    ordered = tuple(c for c in allowed if c in columns)
    head = f"SELECT {star} "
    assert sql.count(head) == 1, sql
    return sql.replace(head, "SELECT " + ", ".join(f"{alias}{c}" for c in ordered) + " ", 1), ordered


async def get_household(conn: Connection, household_id: int) -> Household | None:
    row = await conn.fetchrow(Q.get_household, household_id)
    return Household.from_rows([row])[0] if row else None


async def lock_household(conn: Connection, household_id: int) -> Household | None:
    row = await conn.fetchrow(Q.lock_household, household_id)
    return Household.from_row(row) if row else None


async def list_households_by_ids(conn: Connection, ids: list[int]) -> list[Household]:
    return Household.from_rows(await conn.fetch(*for_ids(Q.list_households_by_ids, ids)))


async def archive_no_taken(conn: Connection, archive_no: str) -> bool:
    return await conn.fetchval(Q.find_by_archive_no, archive_no) is not None


async def find_household_id(conn: Connection, archive_no: str) -> int | None:
    found: int | None = await conn.fetchval(Q.find_by_archive_no, archive_no)
    return found


# The optional filters and scope limits of `list_households_page` and `count_households` (their
# parameter numbers and types in queries.sql): those not given are written into the statement as NULL
# (`plan_shapes.without_null_arguments`), so PostgreSQL plans each combination once instead of planning
# the whole filtered statement on every page.
_PAGE_NULLABLE = {
    1: "bigint",
    2: "text",
    3: "text",
    6: "text",
    7: "bigint",
    8: "text",
    9: "bigint",
    10: "boolean",
}
_COUNT_NULLABLE = {
    1: "bigint",
    2: "text",
    3: "text",
    4: "text",
    5: "bigint",
    6: "text",
    7: "bigint",
    8: "boolean",
}


async def list_households_page(
    conn: Connection,
    union_root: int | None,
    region_prefix: str | None,
    status: HouseholdStatus | None,
    after_id: int,
    limit: int,
    outcome: EligibilityOutcome | None = None,
    *,
    scope: ListScope = EVERYTHING,
    without_contact: bool | None = None,
    columns: Sequence[str] | None = None,
) -> list[Household]:
    """The page; with `columns` (of HOUSEHOLD_COLUMNS) only those are read, as partial models."""
    sql, ordered = Q.list_households_page, None
    if columns is not None:
        sql, ordered = _narrowed(sql, "h.*", "h.", HOUSEHOLD_COLUMNS, frozenset(columns))
    args = (
        union_root,
        region_prefix,
        status.value if status else None,
        after_id,
        limit,
        outcome.value if outcome else None,
        scope.union_root,
        scope.region_prefix,
        scope.sponsor_id,
        without_contact,
    )
    sql, kept = without_null_arguments(sql, args, _PAGE_NULLABLE)
    rows = await conn.fetch(sql, *kept)
    if ordered is not None:
        return list(map(Household.from_columns(ordered), rows))
    return Household.from_rows(rows)


async def count_households(
    conn: Connection,
    union_root: int | None,
    region_prefix: str | None,
    status: HouseholdStatus | None,
    outcome: EligibilityOutcome | None = None,
    *,
    scope: ListScope = EVERYTHING,
    without_contact: bool | None = None,
) -> int:
    args = (
        union_root,
        region_prefix,
        status.value if status else None,
        outcome.value if outcome else None,
        scope.union_root,
        scope.region_prefix,
        scope.sponsor_id,
        without_contact,
    )
    sql, kept = without_null_arguments(Q.count_households, args, _COUNT_NULLABLE)
    total: int = await conn.fetchval(sql, *kept)
    return total


async def list_households_by_union_page(
    conn: Connection, union_id: int, after_id: int, limit: int, columns: Sequence[str] | None = None
) -> list[Household]:
    """The union's page; with `columns` (of HOUSEHOLD_COLUMNS) only those are read, as partial models."""
    if columns is None:
        rows = await conn.fetch(Q.list_households_by_union_page, union_id, after_id, limit)
        return Household.from_rows(rows)
    sql, ordered = _narrowed(Q.list_households_by_union_page, "*", "", HOUSEHOLD_COLUMNS, frozenset(columns))
    return list(map(Household.from_columns(ordered), await conn.fetch(sql, union_id, after_id, limit)))


async def count_households_by_union(conn: Connection, union_id: int) -> int:
    total: int = await conn.fetchval(Q.count_households_by_union, union_id)
    return total


async def insert_household(
    conn: Connection,
    archive_no: str,
    level: str,
    category: str,
    reasons: Sequence[str],
    region_code: str,
    union_id: int,
    contact_name: str | None,
    contact_phone: str | None,
    major_event_casualty: bool = False,
    exclusions: Sequence[str] = (),
    archived_on: date | None = None,
) -> Household:
    row = await conn.fetchrow(
        Q.insert_household,
        archive_no,
        level,
        category,
        list(reasons),
        region_code,
        union_id,
        contact_name,
        contact_phone,
        major_event_casualty,
        list(exclusions),
        archived_on,
    )
    assert row is not None
    return Household.from_row(row)


async def insert_status_change(
    conn: Connection, household_id: int, on: date, before: str, after: str, reason: str | None
) -> None:
    await conn.execute(Q.insert_status_change, household_id, on, before, after, reason)


async def list_status_changes_by_household_ids(
    conn: Connection, household_ids: Sequence[int]
) -> list[StatusChange]:
    rows = await conn.fetch(*for_ids(Q.list_status_changes_by_household_ids, list(household_ids)))
    return [StatusChange.from_row(r) for r in rows]


async def update_household_header(conn: Connection, h: Household) -> Household:
    row = await conn.fetchrow(
        Q.update_household_header,
        h.id,
        h.category.value,
        h.status.value,
        h.status_changed_on,
        h.status_reason,
        h.contact_name,
        h.contact_phone,
        [r.value for r in h.hardship_reasons],
        h.major_event_casualty,
        [e.value for e in h.exclusions],
    )
    assert row is not None
    return Household.from_row(row)


async def set_members_active(conn: Connection, household_id: int, active: bool) -> None:
    await conn.execute(Q.set_members_active, household_id, active)


async def active_holders(conn: Connection, id_numbers: list[str], household_id: int) -> dict[str, str]:
    """ID number → archive number of the other active household it is an active member of."""
    rows = await conn.fetch(Q.active_holders_of_id_numbers, id_numbers, household_id)
    return {r["id_number"]: r["archive_no"] for r in rows}


async def replace_members(
    conn: Connection, household_id: int, members: Sequence[ValidMember], active: bool
) -> None:
    await conn.execute(Q.delete_members, household_id)
    if members:
        await conn.execute(
            Q.insert_members,
            household_id,
            active,
            [m.position for m in members],
            [m.name for m in members],
            [m.relation.value for m in members],
            [m.id_number for m in members],
            [m.sex.value for m in members],
            [m.birth_date for m in members],
            [m.health.value for m in members],
            [m.employment.value for m in members],
        )


async def replace_incomes(conn: Connection, household_id: int, incomes: Sequence[ValidIncome]) -> None:
    await conn.execute(Q.delete_incomes, household_id)
    if incomes:
        await conn.execute(
            Q.insert_incomes,
            household_id,
            [i.kind.value for i in incomes],
            [i.monthly_fen for i in incomes],
            [i.member_position for i in incomes],
        )


async def replace_expenditures(
    conn: Connection, household_id: int, items: Sequence[ValidExpenditure]
) -> None:
    await conn.execute(Q.delete_expenditures, household_id)
    if items:
        await conn.execute(
            Q.insert_expenditures, household_id, [e.kind.value for e in items], [e.annual_fen for e in items]
        )


async def replace_assets(conn: Connection, household_id: int, items: Sequence[ValidAsset]) -> None:
    await conn.execute(Q.delete_assets, household_id)
    if items:
        await conn.execute(
            Q.insert_assets,
            household_id,
            [a.kind.value for a in items],
            [a.value_fen for a in items],
            [a.count for a in items],
        )


async def list_members_by_ids(conn: Connection, ids: list[int]) -> list[Member]:
    return Member.from_rows(await conn.fetch(*for_ids(Q.list_members_by_ids, ids)))


async def list_members_by_household_ids(
    conn: Connection, ids: list[int], columns: Sequence[str] | None = None
) -> list[Member]:
    """Members of the households, in order; with `columns` (of MEMBER_COLUMNS) only those are read,
    as partial models."""
    if columns is None:
        return Member.from_rows(await conn.fetch(*for_ids(Q.list_members_by_household_ids, ids)))
    sql, ordered = _narrowed(Q.list_members_by_household_ids, "*", "", MEMBER_COLUMNS, frozenset(columns))
    return list(map(Member.from_columns(ordered), await conn.fetch(*for_ids(sql, ids))))


# A list read as one part of a combined statement (`plan_shapes.combined`): the list statement (of
# household ids, `$1`) and what builds the models of its rows.
RowsPart = tuple[str, Callable[[Sequence[Any]], list[Any]]]


def members_part(columns: Sequence[str] | None = None) -> RowsPart:
    """`list_members_by_household_ids` as a part of a combined statement."""
    if columns is None:
        return Q.list_members_by_household_ids, Member.from_rows
    sql, ordered = _narrowed(Q.list_members_by_household_ids, "*", "", MEMBER_COLUMNS, frozenset(columns))
    build = Member.from_columns(ordered)
    return sql, lambda rows: list(map(build, rows))


def member_rows_part(columns: Sequence[str]) -> tuple[RowsPart, tuple[str, ...]]:
    """`list_members_by_household_ids` reading only `columns`, as a part whose rows are kept as read
    (not made models: `Member.view_builder` makes them into what the caller needs), and the order of
    the columns in each row."""
    sql, ordered = _narrowed(Q.list_members_by_household_ids, "*", "", MEMBER_COLUMNS, frozenset(columns))
    return (sql, list), ordered


def households_part() -> RowsPart:
    """`list_households_by_ids` (whole rows) as a part of a combined statement."""
    return Q.list_households_by_ids, Household.from_rows


def incomes_part() -> RowsPart:
    return Q.list_incomes_by_household_ids, Income.from_rows


def expenditures_part() -> RowsPart:
    return Q.list_expenditures_by_household_ids, Expenditure.from_rows


def assets_part() -> RowsPart:
    return Q.list_assets_by_household_ids, Asset.from_rows


async def list_incomes_by_household_ids(conn: Connection, ids: list[int]) -> list[Income]:
    return Income.from_rows(await conn.fetch(*for_ids(Q.list_incomes_by_household_ids, ids)))


async def list_expenditures_by_household_ids(conn: Connection, ids: list[int]) -> list[Expenditure]:
    return Expenditure.from_rows(await conn.fetch(*for_ids(Q.list_expenditures_by_household_ids, ids)))


async def list_assets_by_household_ids(conn: Connection, ids: list[int]) -> list[Asset]:
    return Asset.from_rows(await conn.fetch(*for_ids(Q.list_assets_by_household_ids, ids)))
