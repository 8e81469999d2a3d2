"""Issue 15: the demo data carries the seed story's 2018–2020 trend (49 national-level households
archived in 2018, 18 still on file at the end of 2020), so the yearly figures and chart show it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

from lianxin.core.db import Pool
from lianxin.demo.households import load_generated, load_seed_household
from lianxin.demo.trend import load_trend
from lianxin.organization.models import OrganizationKind
from lianxin.trade_union.models import UnionKind

from factories import make_organization, make_union

TODAY = date(2026, 5, 20)
DISTRICTS = ["371002", "371003", "371082", "371083", "371073"]


async def test_the_demo_trend_shows_in_the_yearly_figures_and_chart(gql: Any, pool: Pool) -> None:
    root = await make_union(pool, name="威海市总工会")
    unions = [
        await make_union(
            pool, name=f"区{code}", kind=UnionKind.DISTRICT_FEDERATION, region_code=code, parent_id=root.id
        )
        for code in DISTRICTS
    ]
    sponsor = await make_organization(pool, name="威海城建集团有限公司", kind=OrganizationKind.SPONSOR)
    assert await load_seed_household(pool, None, union_id=unions[0].id, sponsor_id=sponsor.id, today=TODAY)
    ids = [u.id for u in unions]
    # the districts' other generated households come first, as in the demo set: no person is shared
    assert (
        await load_generated(pool, None, 40, seed=100, union_ids=ids, region_codes=DISTRICTS, today=TODAY)
        == 40
    )
    assert await load_trend(pool, None, ids, DISTRICTS, TODAY) == 48
    assert await load_trend(pool, None, ids, DISTRICTS, TODAY) == 0  # a rerun changes nothing

    figures = await gql(
        """{ yearlyHouseholdFigures(fromYear: 2017, toYear: 2021, level: NATIONAL) {
             year archived onFile outOfHardship } }"""
    )
    assert figures["yearlyHouseholdFigures"] == [
        {"year": 2017, "archived": 0, "onFile": 0, "outOfHardship": 0},
        {"year": 2018, "archived": 49, "onFile": 49, "outOfHardship": 0},
        {"year": 2019, "archived": 0, "onFile": 35, "outOfHardship": 14},
        {"year": 2020, "archived": 0, "onFile": 18, "outOfHardship": 17},
        {"year": 2021, "archived": 0, "onFile": 18, "outOfHardship": 0},
    ]
    svg = (await gql("{ yearlyHouseholdChart(fromYear: 2018, toYear: 2020, level: NATIONAL) }"))[
        "yearlyHouseholdChart"
    ]
    bars = ET.fromstring(svg).findall("{http://www.w3.org/2000/svg}rect[@class='bar']")
    assert [b.get("data-value") for b in bars] == ["49", "35", "18"]
    # each household that left has its change on record, dated the day it left
    history = await gql(
        """{ households(first: 50, filter: {status: OUT_OF_HARDSHIP}) { totalCount edges { node {
             archivedOn statusHistory { changedOn from to reason } } } } }"""
    )
    assert history["households"]["totalCount"] == 31
    for edge in history["households"]["edges"]:
        node = edge["node"]
        assert node["archivedOn"].startswith("2018-")
        [change] = node["statusHistory"]
        assert (change["from"], change["to"]) == ("ACTIVE", "OUT_OF_HARDSHIP")
        assert change["changedOn"][:4] in ("2019", "2020")
        assert change["reason"]
