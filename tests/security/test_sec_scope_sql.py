"""The SQL side of a caller's scope is one set of database functions (migration 0015), not a filter
copied into each query: their semantics on a small union tree, that PostgreSQL inlines them (so list
queries keep their index plans), and that no queries.sql file writes the old filter out again."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import lianxin
from lianxin.organization.models import OrganizationKind
from lianxin.trade_union.models import UnionKind

from factories import make_household, make_organization, make_sponsorship, make_union

QUERY_FILES = sorted(Path(lianxin.__file__).parent.glob("*/queries.sql"))
# The copied filter as it was written ~40 times: a union subtree test on `path`, and the "actively
# paired with this sponsor" EXISTS. Both live only in 0015_access_scope.sql now.
OLD_FILTERS = [
    re.compile(r"path\s*@>\s*ARRAY\["),
    re.compile(
        r"FROM\s+sponsorship\s+\w+\s+WHERE\s+\w+\.household_id\s*=\s*h\.id\s+AND\s+\w+\.sponsor_id\s*="
    ),
]


def test_there_are_query_files_to_check() -> None:
    assert len(QUERY_FILES) >= 14


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.parent.name)
def test_no_query_copies_the_scope_filter(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for pattern in OLD_FILTERS:
        found = pattern.search(text)
        assert found is None, (
            f"{path.parent.name}/queries.sql writes the scope filter out ({found[0]!r}): read households "
            "through lianxin_households_in_scope(...) and unions through lianxin_unions_in_subtree(...)"
        )


@pytest.fixture
async def tree(pool: Any) -> dict[str, int]:
    """root ─┬─ a (371002) ── a1 (371002)     households: ha (a), ha1 (a1), hb (b, 371003)
    └─ b (371003)                     sponsor s paired with ha1 (active) and hb (ended)"""
    root = await make_union(pool, name="市总工会", region_code="371000")
    a = await make_union(
        pool, name="A区", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    a1 = await make_union(pool, name="A1", kind=UnionKind.GRASSROOTS, region_code="371002", parent_id=a.id)
    b = await make_union(
        pool, name="B区", kind=UnionKind.DISTRICT_FEDERATION, region_code="371003", parent_id=root.id
    )
    ha = await make_household(pool, a.id, region_code="371002")
    ha1 = await make_household(pool, a1.id, region_code="371002")
    hb = await make_household(pool, b.id, region_code="371003")
    sponsor = await make_organization(pool, kind=OrganizationKind.SPONSOR)
    await make_sponsorship(pool, ha1, sponsor.id, date(2025, 1, 1))
    await make_sponsorship(pool, hb, sponsor.id, date(2024, 1, 1), ended_on=date(2024, 12, 31))
    return {
        "root": root.id,
        "a": a.id,
        "a1": a1.id,
        "b": b.id,
        "ha": ha,
        "ha1": ha1,
        "hb": hb,
        "s": sponsor.id,
    }


async def households(pool: Any, union_root: int | None, prefix: str | None, sponsor: int | None) -> set[int]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT id FROM lianxin_households_in_scope($1, $2, $3)", union_root, prefix, sponsor
        )
    return {r["id"] for r in rows}


async def test_households_in_scope_on_a_small_tree(pool: Any, tree: dict[str, int]) -> None:
    t = tree
    everyone = {t["ha"], t["ha1"], t["hb"]}
    assert await households(pool, None, None, None) == everyone  # NULL everywhere: no limit
    assert await households(pool, t["root"], None, None) == everyone
    assert await households(pool, t["a"], None, None) == {t["ha"], t["ha1"]}  # a union and its subtree
    assert await households(pool, t["a1"], None, None) == {t["ha1"]}  # not the parent's
    assert await households(pool, t["b"], None, None) == {t["hb"]}
    assert await households(pool, None, "3710", None) == everyone  # region prefix
    assert await households(pool, None, "371003", None) == {t["hb"]}
    assert await households(pool, None, "3711", None) == set()
    assert await households(pool, None, None, t["s"]) == {t["ha1"]}  # an ended pairing does not count
    assert await households(pool, t["a"], "371003", None) == set()  # every limit applies at once
    assert await households(pool, t["a"], None, t["s"]) == {t["ha1"]}
    assert await households(pool, None, None, 987654321) == set()


async def test_unions_in_subtree_on_a_small_tree(pool: Any, tree: dict[str, int]) -> None:
    t = tree
    async with pool.acquire() as conn:

        async def subtree(root: int | None) -> set[int]:
            return {r["id"] for r in await conn.fetch("SELECT id FROM lianxin_unions_in_subtree($1)", root)}

        assert await subtree(t["a"]) == {t["a"], t["a1"]}
        assert await subtree(t["a1"]) == {t["a1"]}
        assert await subtree(t["root"]) == {t["root"], t["a"], t["a1"], t["b"]}
        assert await subtree(None) == {t["root"], t["a"], t["a1"], t["b"]}
        assert await subtree(987654321) == set()


async def test_the_functions_are_inlined_into_the_calling_query(pool: Any, tree: dict[str, int]) -> None:
    """Inlined, the planner sees the tables themselves (no Function Scan that would run the function as a
    black box), so it plans a keyset page as it planned the filter written out by hand."""
    async with pool.acquire() as conn:
        plan = "\n".join(
            r[0]
            for r in await conn.fetch(
                "EXPLAIN SELECT h.* FROM lianxin_households_in_scope($1, $2, $3) h WHERE h.id > $4 "
                "ORDER BY h.id LIMIT 50",
                tree["a"],
                None,
                tree["s"],
                0,
            )
        )
        unions = "\n".join(
            r[0]
            for r in await conn.fetch("EXPLAIN SELECT count(*) FROM lianxin_unions_in_subtree($1)", tree["a"])
        )
    assert "Function Scan" not in plan, plan
    assert " on household h" in plan, plan
    assert "Function Scan" not in unions, unions
    assert " on trade_union t" in unions, unions
