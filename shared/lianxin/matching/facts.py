"""Turn stored ledger rows into the engine's pure `HouseholdFacts`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from lianxin.core.db import Connection
from lianxin.eligibility import AssetFacts, ExpenditureFacts, HouseholdFacts, IncomeFacts, MemberFacts
from lianxin.household import repository as household_repo
from lianxin.household.enums import ArchiveExclusion
from lianxin.household.models import Asset, Expenditure, Income, Member
from lianxin.matching import repository as matching_repo


def household_facts(
    members: Sequence[Member],
    incomes: Sequence[Income],
    expenditures: Sequence[Expenditure],
    assets: Sequence[Asset],
    *,
    major_event_casualty: bool = False,
    exclusions: Iterable[str] = (),
) -> HouseholdFacts:
    """The engine's facts: the lists, and the household's own RULES.md v2 facts (give them: a household
    row's `major_event_casualty` and `exclusions`, so that they reach the decision and its fingerprint)."""
    ordered = sorted(members, key=lambda m: m.position)
    index_of = {m.position: i for i, m in enumerate(ordered)}
    return HouseholdFacts(
        members=tuple(MemberFacts(m.birth_date, m.health, m.employment) for m in ordered),
        incomes=tuple(
            IncomeFacts(
                i.kind,
                i.monthly_fen,
                index_of.get(i.member_position) if i.member_position is not None else None,
            )
            for i in incomes
        ),
        expenditures=tuple(ExpenditureFacts(e.kind, e.annual_fen) for e in expenditures),
        assets=tuple(AssetFacts(a.kind, a.value_fen, a.count) for a in assets),
        major_event_casualty=major_event_casualty,
        exclusions=frozenset(ArchiveExclusion(e) for e in exclusions),
    )


def group_by_household(items: Sequence[Any]) -> dict[int, list[Any]]:
    """Rows of many households → household id → its rows (order kept)."""
    grouped: dict[int, list[Any]] = {}
    for item in items:
        grouped.setdefault(item.household_id, []).append(item)
    return grouped


async def load_facts(conn: Connection, ids: list[int]) -> dict[int, HouseholdFacts]:
    """The engine's facts of each of these households (every list and the v2 facts), in four list
    queries and one for the households' own facts."""
    members = group_by_household(await household_repo.list_members_by_household_ids(conn, ids))
    incomes = group_by_household(await household_repo.list_incomes_by_household_ids(conn, ids))
    expenditures = group_by_household(await household_repo.list_expenditures_by_household_ids(conn, ids))
    assets = group_by_household(await household_repo.list_assets_by_household_ids(conn, ids))
    own = await matching_repo.v2_facts_by_household_ids(conn, ids)
    result = {}
    for hid in ids:
        casualty, exclusions = own.get(hid, (False, ()))
        result[hid] = household_facts(
            members.get(hid, []),
            incomes.get(hid, []),
            expenditures.get(hid, []),
            assets.get(hid, []),
            major_event_casualty=casualty,
            exclusions=exclusions,
        )
    return result
