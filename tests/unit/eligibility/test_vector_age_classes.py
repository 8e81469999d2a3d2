"""The partition SQL finds each member's age classes (minor, elderly) of the fingerprint by comparing the
birth date with the evaluation date moved back 18 and `elderly_age` years; on the boundaries (the
birthday itself, the day before and after, 29 February births in leap and common years, evaluation on
28/29 February and 1 March) its fingerprint is the exact engine's."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from test_vector_partition import _insert

from lianxin.core.db import Pool
from lianxin.eligibility import (
    DEMO_PARAMETERS,
    HouseholdFacts,
    MemberFacts,
    fingerprint,
    parse_parameters,
)
from lianxin.household.enums import Employment, Health
from lianxin.matching import repository as repo
from lianxin.matching.facts import load_facts
from lianxin.matching.vectorised import decide_partition

from factories import make_union


def _years_back(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return date(day.year - years, 2, 28)


def _births(as_of: date, ages: tuple[int, ...]) -> list[date]:
    births = set()
    for age in ages:
        base = _years_back(as_of, age)
        births |= {base - timedelta(days=1), base, base + timedelta(days=1)}
        for year in range(base.year - 1, base.year + 2):
            if year % 4 == 0:
                births |= {date(year, 2, 28), date(year, 2, 29), date(year, 3, 1)}
            else:
                births |= {date(year, 2, 28), date(year, 3, 1)}
    return sorted(births)


class _Rollback(Exception):
    pass


@pytest.mark.parametrize(
    "as_of",
    [
        date(2026, 11, 29),
        date(2028, 2, 29),
        date(2028, 2, 28),
        date(2028, 3, 1),
        date(2027, 2, 28),
        date(2027, 3, 1),
    ],
)
async def test_age_classes_on_the_boundaries_fingerprint_as_the_exact_engine(pool: Pool, as_of: date) -> None:
    union = await make_union(pool, name="威海市总工会")
    raw = {**DEMO_PARAMETERS}
    params = parse_parameters(raw)
    births = _births(as_of, (18, params.elderly_age))
    households = [
        HouseholdFacts(
            members=tuple(MemberFacts(b, Health.HEALTHY, Employment.UNEMPLOYED) for b in births[k : k + 8]),
            incomes=(),
            expenditures=(),
            assets=(),
        )
        for k in range(0, len(births), 8)
    ]
    try:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO dibao_policy (region_code, effective_from, parameters) VALUES ('371000', '2000-01-01', $1)",
                raw,
            )
            ids = await _insert(conn, union.id, households)
            result = await decide_partition(conn, ids, as_of=as_of, run_id=None)
            assert result.decided == len(ids)
            facts = await load_facts(conn, ids)
            stored = {d.household_id: d for d in await repo.latest_decisions_by_household_ids(conn, ids)}
            for hid in ids:
                assert stored[hid].fingerprint == fingerprint(facts[hid], params, as_of=as_of)
            raise _Rollback
    except _Rollback:
        pass
