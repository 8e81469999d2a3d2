"""Page-level prefetch for `households`: nested lists loaded once per page (one statement each)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from lianxin.household.models import Member
from lianxin.organization.models import Organization
from lianxin.sponsorship.models import Sponsorship
from lianxin_api.context import Info


@dataclass
class HouseholdPrefetch:
    members: dict[int, list[Member]] = field(default_factory=dict)
    sponsorships: dict[int, list[Sponsorship]] = field(default_factory=dict)
    sponsors: dict[int, Organization] = field(default_factory=dict)
    has_members: bool = False
    has_sponsorships: bool = False
    has_sponsors: bool = False


async def prefetch_households(info: Info, ids: list[int], paths: set[str], base: str) -> HouseholdPrefetch:
    """Load what the selection under `base` (e.g. "edges.node.") needs for households `ids`."""
    loaders = info.context.loaders
    p = HouseholdPrefetch()
    want_members = f"{base}members" in paths
    want_pairs = f"{base}sponsorships" in paths
    members: list[list[Member]] = []
    pairs: list[list[Sponsorship]] = []
    if want_members and want_pairs:  # two batches at once, each on its own pooled connection
        members, pairs = await asyncio.gather(
            loaders.members_by_household.load_many(ids), loaders.sponsorships_by_household.load_many(ids)
        )
    elif want_members:
        members = await loaders.members_by_household.load_many(ids)
    elif want_pairs:
        pairs = await loaders.sponsorships_by_household.load_many(ids)
    if want_members:
        p.members, p.has_members = dict(zip(ids, members, strict=True)), True
    if want_pairs:
        p.sponsorships, p.has_sponsorships = dict(zip(ids, pairs, strict=True)), True
        if f"{base}sponsorships.sponsor" in paths:
            org_ids = sorted({s.sponsor_id for group in pairs for s in group})
            orgs = await loaders.organization_by_id.load_many(org_ids)
            p.sponsors = {o.id: o for o in orgs if o is not None}
            p.has_sponsors = True
    return p
