"""Turn stored ledger rows into the engine's pure `HouseholdFacts`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lianxin.eligibility import AssetFacts, ExpenditureFacts, HouseholdFacts, IncomeFacts, MemberFacts
from lianxin.household.models import Asset, Expenditure, Income, Member


def household_facts(
    members: Sequence[Member],
    incomes: Sequence[Income],
    expenditures: Sequence[Expenditure],
    assets: Sequence[Asset],
) -> HouseholdFacts:
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
    )


def group_by_household(items: Sequence[Any]) -> dict[int, list[Any]]:
    """Rows of many households → household id → its rows (order kept)."""
    grouped: dict[int, list[Any]] = {}
    for item in items:
        grouped.setdefault(item.household_id, []).append(item)
    return grouped
