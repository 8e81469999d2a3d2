"""Page-level prefetch for `households`: nested lists loaded once per page (one statement each).

The statements run directly (not through a DataLoader's per-key futures); their results are primed
into the request's loaders, so a later `load` of the same household is answered from the cache just
as before."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from lianxin.core.db import Connection, Pool
from lianxin.household import repository as household_repo
from lianxin.household.models import Member
from lianxin.organization.models import Organization
from lianxin.sponsorship import repository as sponsorship_repo
from lianxin.sponsorship.models import Sponsorship
from lianxin_api.context import Info

T = TypeVar("T")


@dataclass
class HouseholdPrefetch:
    members: dict[int, list[Member]] = field(default_factory=dict)
    sponsorships: dict[int, list[Sponsorship]] = field(default_factory=dict)
    sponsors: dict[int, Organization] = field(default_factory=dict)
    has_members: bool = False
    has_sponsorships: bool = False
    has_sponsors: bool = False


async def _grouped(
    pool: Pool, fetch: Callable[[Connection, list[int]], Awaitable[list[T]]], ids: list[int]
) -> dict[int, list[T]]:
    """One statement on its own pooled connection; the rows by household, every id present."""
    async with pool.acquire() as conn:
        rows = await fetch(conn, ids)
    groups: dict[int, list[T]] = {i: [] for i in ids}
    for row in rows:
        groups[row.household_id].append(row)  # type: ignore[attr-defined]
    return groups


async def prefetch_households(info: Info, ids: list[int], paths: set[str], base: str) -> HouseholdPrefetch:
    """Load what the selection under `base` (e.g. "edges.node.") needs for households `ids`."""
    context = info.context
    loaders, pool = context.loaders, context.pool
    p = HouseholdPrefetch()
    want_members = f"{base}members" in paths
    want_pairs = f"{base}sponsorships" in paths
    if not ids or not (want_members or want_pairs):
        return p
    members: dict[int, list[Member]] = {}
    pairs: dict[int, list[Sponsorship]] = {}
    if want_members and want_pairs:  # two statements at once, each on its own pooled connection
        members, pairs = await asyncio.gather(
            _grouped(pool, household_repo.list_members_by_household_ids, ids),
            _grouped(pool, sponsorship_repo.list_sponsorships_by_household_ids, ids),
        )
    elif want_members:
        members = await _grouped(pool, household_repo.list_members_by_household_ids, ids)
    else:
        pairs = await _grouped(pool, sponsorship_repo.list_sponsorships_by_household_ids, ids)
    if want_members:
        loaders.members_by_household.prime_many(members)
        p.members, p.has_members = members, True
    if want_pairs:
        loaders.sponsorships_by_household.prime_many(pairs)
        p.sponsorships, p.has_sponsorships = pairs, True
        if f"{base}sponsorships.sponsor" in paths:
            org_ids = sorted({s.sponsor_id for group in pairs.values() for s in group})
            orgs = await loaders.organization_by_id.load_many(org_ids)
            p.sponsors = {o.id: o for o in orgs if o is not None}
            p.has_sponsors = True
    return p
