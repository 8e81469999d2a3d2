"""A what-if simulation on the lean facts path (lianxin.matching.simulation_facts: narrow rows reduced
in numpy, evaluated column-wise) counts exactly what deciding each household with the exact engine
counts: by outcome, benefit, category, and every change against the current decisions; under random
policies, with the RULES.md v2 facts (ACCIDENT_LOSS, exclusions, casualty, rigid expenditure),
boundaries, households outside the simulated region or not ACTIVE (never counted), partitions dense
and sparse in their id ranges, and the households only the exact engine decides (more than 62
members, sums past 10^15 fen)."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_vector_partition import _insert
from test_vector_properties import households, raw_parameters

from lianxin.core.db import Pool
from lianxin.eligibility import (
    DEMO_PARAMETERS,
    ExpenditureFacts,
    HouseholdFacts,
    IncomeFacts,
    MemberFacts,
    decide,
    parse_parameters,
)
from lianxin.household.enums import Employment, ExpenditureKind, Health, IncomeKind
from lianxin.matching import repository as repo
from lianxin.matching.facts import load_facts
from lianxin.matching.simulation import Tally, run_simulation
from lianxin.matching.vectorised import decide_partition

from factories import make_union


class _Rollback(Exception):
    pass


async def _expected(conn: Any, ids: list[int], raw: dict[str, object], as_of: date) -> dict[str, Any]:
    """The simulation's results as the exact engine gives them, household by household."""
    params = parse_parameters(raw)
    facts = await load_facts(conn, ids)
    current = {d.household_id: d for d in await repo.latest_decisions_by_household_ids(conn, ids)}
    tally = Tally()
    for hid in ids:
        d = decide(facts[hid], params, as_of)
        category = d.suggested_category.value if d.suggested_category else None
        tally.add(d.outcome.value, d.monthly_benefit_fen, category, current.get(hid))
    return tally.as_json()


async def _simulate(
    conn: Any,
    union_id: int,
    batch: list[HouseholdFacts],
    places: list[tuple[str, str, bool]],
    raw: dict[str, object],
    as_of: date,
    chunk: int,
    churn: int = 0,
) -> None:
    """Insert `batch` (each household in its region, with its status, decided now or not under the
    demo policy), simulate `raw` over region 371000 and compare with the exact engine's counts.
    `churn`: the first household decided again that many times (an income changed each time), so that
    its current decision lies far from the others' (their ids sparse)."""
    await conn.execute(
        "INSERT INTO dibao_policy (region_code, effective_from, parameters) VALUES ('370000', '2000-01-01', $1)",
        dict(DEMO_PARAMETERS),
    )
    ids = await _insert(conn, union_id, batch)
    for hid, (region, _, _) in zip(ids, places, strict=True):
        await conn.execute("UPDATE household SET region_code = $2 WHERE id = $1", hid, region)
    decided = [hid for hid, (_, _, now) in zip(ids, places, strict=True) if now]
    if decided:
        await decide_partition(conn, decided, as_of=as_of, run_id=None)
    for _ in range(churn):
        await conn.execute(
            "UPDATE income SET monthly_fen = monthly_fen + 1 WHERE household_id = $1", decided[0]
        )
        await decide_partition(conn, decided[:1], as_of=as_of, run_id=None)
    for hid, (_, status, _) in zip(ids, places, strict=True):
        if status != "ACTIVE":
            await conn.execute(
                "UPDATE household SET status = $2, status_changed_on = $3, status_reason = 'test' "
                "WHERE id = $1",
                hid,
                status,
                as_of,
            )
    counted = [
        hid
        for hid, (region, status, _) in zip(ids, places, strict=True)
        if region.startswith("3710") and status == "ACTIVE"
    ]
    sim_id = await conn.fetchval(repo.Q.insert_simulation, "371000", raw, None)
    results = await run_simulation(conn, sim_id, as_of=as_of, chunk_size=chunk)
    assert results == await _expected(conn, counted, raw, as_of)
    row = await conn.fetchrow("SELECT status, total, done FROM policy_simulation WHERE id = $1", sim_id)
    assert (row["status"], row["total"], row["done"]) == ("DONE", len(counted), len(counted))


places = st.tuples(
    st.sampled_from(["371002", "371002", "371003", "372001"]),
    st.sampled_from(["ACTIVE", "ACTIVE", "ACTIVE", "OUT_OF_HARDSHIP", "CLOSED"]),
    st.booleans(),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(st.tuples(households(), places), min_size=1, max_size=8),
    raw_parameters,
    st.dates(date(2000, 1, 1), date(2030, 12, 31)),
    st.integers(1, 5),
)
async def test_the_lean_simulation_counts_as_the_exact_engine(
    pool: Pool,
    drawn: list[tuple[HouseholdFacts, tuple[str, str, bool]]],
    raw: dict[str, object],
    as_of: date,
    chunk: int,
) -> None:
    union = await make_union(pool)
    try:
        async with pool.acquire() as conn, conn.transaction():
            await _simulate(conn, union.id, [h for h, _ in drawn], [p for _, p in drawn], raw, as_of, chunk)
            raise _Rollback
    except _Rollback:
        pass


async def test_households_past_the_vector_path_are_counted_by_the_exact_engine(pool: Pool) -> None:
    people = tuple(
        MemberFacts(date(1980, 1, 1 + k % 28), Health.HEALTHY, Employment.UNEMPLOYED) for k in range(63)
    )
    crowd = HouseholdFacts(members=people, incomes=(IncomeFacts(IncomeKind.PENSION, 100_000, 0),))
    # past 10^15 fen: clipped, the costs would pass the accident share of the income (ACCIDENT); exactly,
    # they do not
    fortune = HouseholdFacts(
        members=people[:2],
        incomes=(IncomeFacts(IncomeKind.TRANSFER, 2 * 10**15, None),),
        expenditures=(ExpenditureFacts(ExpenditureKind.MEDICAL, 9 * 10**14),),
    )
    sick = HouseholdFacts(
        members=(MemberFacts(date(1952, 2, 29), Health.CRITICAL_ILLNESS, Employment.EMPLOYED),),
        incomes=(IncomeFacts(IncomeKind.WAGE, 90_000, 0),),
    )
    plain = HouseholdFacts(
        members=people[:2],
        incomes=(IncomeFacts(IncomeKind.WAGE, 150_000, 0),),
        expenditures=(ExpenditureFacts(ExpenditureKind.ACCIDENT_LOSS, 300_000),),
    )
    raw = {**DEMO_PARAMETERS, "standard_monthly": "1100.00", "accident_cost_share": "0.05"}
    union = await make_union(pool)
    try:
        async with pool.acquire() as conn, conn.transaction():
            await _simulate(
                conn,
                union.id,
                [plain, crowd, fortune, sick],
                [("371002", "ACTIVE", True)] * 3 + [("371002", "ACTIVE", False)],
                raw,
                date(2026, 11, 29),
                2,
                churn=5,
            )
            raise _Rollback
    except _Rollback:
        pass
