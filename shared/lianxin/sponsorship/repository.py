"""SQL access for sponsorships. Functions take the connection first and never commit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from lianxin.access.rules import EVERYTHING, ListScope
from lianxin.core.db import Connection
from lianxin.core.plan_shapes import for_ids
from lianxin.core.rows import by_value, partial_builder
from lianxin.core.sql import load_queries
from lianxin.organization.models import Organization, OrganizationKind
from lianxin.sponsorship.models import Sponsorship

Q = load_queries(__package__)


async def lock_sponsorship(conn: Connection, sponsorship_id: int) -> Sponsorship | None:
    row = await conn.fetchrow(Q.lock_sponsorship, sponsorship_id)
    return Sponsorship.from_row(row) if row else None


async def list_sponsorships_by_ids(conn: Connection, ids: list[int]) -> list[Sponsorship]:
    return [Sponsorship.from_row(r) for r in await conn.fetch(Q.list_sponsorships_by_ids, ids)]


async def list_sponsorships_by_household_ids(conn: Connection, ids: list[int]) -> list[Sponsorship]:
    return Sponsorship.from_rows(await conn.fetch(*for_ids(Q.list_sponsorships_by_household_ids, ids)))


def sponsorships_part() -> tuple[str, Callable[[Sequence[Any]], list[Sponsorship]]]:
    """`list_sponsorships_by_household_ids` as a part of a combined statement (`plan_shapes.combined`)."""
    return Q.list_sponsorships_by_household_ids, Sponsorship.from_rows


# the columns of `list_sponsorships_with_sponsors_by_household_ids`: the pairing's, then its sponsor's
SPONSORSHIP_FIELDS = ("id", "household_id", "sponsor_id", "started_on", "ended_on", "end_reason")
SPONSOR_FIELDS = ("id", "name", "credit_code", "kind", "union_id", "region_code", "created_at")


def sponsorships_with_sponsors_part() -> tuple[
    str, Callable[[Sequence[Any]], list[tuple[Sponsorship, Organization]]]
]:
    """The pairings of households (`$1`) each with its sponsor, read by one join as plain rows (a page's
    pairings and sponsors without an array of rows each to decode), as a part of a read of several
    lists (`plan_shapes.combined` for one household): (pairing, sponsor) per row, whole models."""
    return Q.list_sponsorships_with_sponsors_by_household_ids, _with_sponsors


_PAIRING = partial_builder(Sponsorship, SPONSORSHIP_FIELDS, (), tuple(range(len(SPONSORSHIP_FIELDS))))
_SPONSOR = partial_builder(
    Organization,
    SPONSOR_FIELDS,
    (("kind", by_value(OrganizationKind)),),
    tuple(range(len(SPONSORSHIP_FIELDS), len(SPONSORSHIP_FIELDS) + len(SPONSOR_FIELDS))),
)


def _with_sponsors(rows: Sequence[Any]) -> list[tuple[Sponsorship, Organization]]:
    sponsors: dict[int, Organization] = {}
    out = []
    for row in rows:
        sponsor = sponsors.get(row[2])
        if sponsor is None:  # (one model per sponsor, shared by its pairings)
            sponsor = sponsors[row[2]] = _SPONSOR(row)
        out.append((_PAIRING(row), sponsor))
    return out


async def open_pair_exists(conn: Connection, household_id: int, sponsor_id: int) -> bool:
    return await conn.fetchval(Q.find_open_pair, household_id, sponsor_id) is not None


async def list_sponsorships_page(
    conn: Connection,
    active: bool | None,
    sponsor_id: int | None,
    after_id: int,
    limit: int,
    *,
    scope: ListScope = EVERYTHING,
) -> list[Sponsorship]:
    rows = await conn.fetch(
        Q.list_sponsorships_page,
        active,
        sponsor_id,
        after_id,
        limit,
        scope.union_root,
        scope.region_prefix,
        scope.sponsor_id,
    )
    return [Sponsorship.from_row(r) for r in rows]


async def count_sponsorships(
    conn: Connection, active: bool | None, sponsor_id: int | None, *, scope: ListScope = EVERYTHING
) -> int:
    total: int = await conn.fetchval(
        Q.count_sponsorships, active, sponsor_id, scope.union_root, scope.region_prefix, scope.sponsor_id
    )
    return total


async def insert_sponsorship(
    conn: Connection, household_id: int, sponsor_id: int, started_on: date
) -> Sponsorship:
    row = await conn.fetchrow(Q.insert_sponsorship, household_id, sponsor_id, started_on)
    assert row is not None
    return Sponsorship.from_row(row)


async def end_sponsorship(conn: Connection, sponsorship_id: int, ended_on: date, reason: str) -> Sponsorship:
    row = await conn.fetchrow(Q.end_sponsorship, sponsorship_id, ended_on, reason)
    assert row is not None
    return Sponsorship.from_row(row)
