"""Page-level prefetch for `households`: nested lists loaded once per page (one statement each).

The statements run directly, one after the other on one pooled connection (not through DataLoaders'
per-key futures, each batch on a connection of its own: every acquire costs the pool's reset round
trip, which under load costs more than the statements' concurrency saves); the results are primed into
the request's loaders, so a later `load` of the same key is answered from the cache as before."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from lianxin.household import repository as household_repo
from lianxin.household.models import Member
from lianxin.organization import repository as org_repo
from lianxin.organization.models import Organization
from lianxin.sponsorship import repository as sponsorship_repo
from lianxin.sponsorship.models import Sponsorship
from lianxin.trade_union import repository as union_repo
from lianxin.trade_union.models import TradeUnion
from lianxin_api.context import Info

T = TypeVar("T")


@dataclass
class HouseholdPrefetch:
    members: dict[int, list[Member]] = field(default_factory=dict)
    sponsorships: dict[int, list[Sponsorship]] = field(default_factory=dict)
    sponsors: dict[int, Organization] = field(default_factory=dict)
    unions: dict[int, TradeUnion] = field(default_factory=dict)
    # the GraphQL objects made of `unions`, one per union (shared by its households)
    union_types: dict[int, Any] = field(default_factory=dict)
    has_members: bool = False
    has_sponsorships: bool = False
    has_sponsors: bool = False
    has_unions: bool = False


def _grouped(rows: list[T], ids: list[int]) -> dict[int, list[T]]:
    """The rows by household, every id present."""
    groups: dict[int, list[T]] = {i: [] for i in ids}
    for row in rows:
        groups[row.household_id].append(row)  # type: ignore[attr-defined]
    return groups


async def prefetch_households(
    info: Info, ids: list[int], paths: set[str], base: str, union_ids: list[int] | None = None
) -> HouseholdPrefetch:
    """Load what the selection under `base` (e.g. "edges.node.") needs for households `ids` (whose
    unions are `union_ids`)."""
    context = info.context
    loaders = context.loaders
    p = HouseholdPrefetch()
    want_members = f"{base}members" in paths
    want_pairs = f"{base}sponsorships" in paths
    want_sponsors = want_pairs and f"{base}sponsorships.sponsor" in paths
    want_unions = union_ids is not None and f"{base}union" in paths
    if not ids or not (want_members or want_pairs or want_unions):
        return p
    async with loaders.reads.acquire() as conn:
        if want_members:
            p.members = _grouped(await household_repo.list_members_by_household_ids(conn, ids), ids)
            p.has_members = True
        if want_pairs:
            p.sponsorships = _grouped(
                await sponsorship_repo.list_sponsorships_by_household_ids(conn, ids), ids
            )
            p.has_sponsorships = True
            org_ids = sorted({s.sponsor_id for group in p.sponsorships.values() for s in group})
            if want_sponsors and org_ids:
                orgs = await org_repo.list_organizations_by_ids(conn, org_ids)
                p.sponsors = {o.id: o for o in orgs}
            p.has_sponsors = want_sponsors
        if want_unions and union_ids is not None:
            unions = await union_repo.list_unions_by_ids(conn, sorted(set(union_ids)))
            p.unions = {u.id: u for u in unions}
            p.has_unions = True
    if p.has_members:
        loaders.members_by_household.prime_many(p.members)
    if p.has_sponsorships:
        loaders.sponsorships_by_household.prime_many(p.sponsorships)
    if p.sponsors:
        loaders.organization_by_id.prime_many(p.sponsors)
    if p.unions:
        loaders.union_by_id.prime_many(p.unions)
    return p
