"""A run's partition decided column-wise from the database (lianxin.matching.vectorised) writes, for
every generated household, the decision the exact engine makes from the same rows: outcome, figures,
category, single-person members, fingerprint (computed in SQL) and the trace rendered on read; v2 policy
keys present or absent; and the same `eligibility.decided` event (keys and values) the exact engine
writes (lianxin.matching.service._decided_event). And a partition decided once is skipped the next
time (fingerprint unchanged)."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_vector_properties import households, raw_parameters

from lianxin.core.db import Pool
from lianxin.eligibility import (
    DEMO_PARAMETERS,
    Decision,
    HouseholdFacts,
    IncomeFacts,
    MemberFacts,
    decide,
    fingerprint,
    parse_parameters,
)
from lianxin.eligibility.render import trace_json
from lianxin.household.enums import Employment, Health, IncomeKind
from lianxin.matching import repository as repo
from lianxin.matching.facts import load_facts
from lianxin.matching.models import StoredDecision
from lianxin.matching.service import _decided_event, _row
from lianxin.matching.vectorised import decide_partition
from lianxin.policy import repository as policy_repo

from factories import make_union


async def _insert(conn: Any, union_id: int, batch: list[HouseholdFacts]) -> list[int]:
    ids, seq = [], 0
    for k, f in enumerate(batch):
        hid = await conn.fetchval(
            "INSERT INTO household (archive_no, level, category, region_code, union_id, major_event_casualty, "
            "exclusions) VALUES ($1, 'MUNICIPAL', 'RELATIVE', '371002', $2, $3, $4) RETURNING id",
            f"VP{k:04d}",
            union_id,
            f.major_event_casualty,
            sorted(str(e) for e in f.exclusions),
        )
        ids.append(hid)
        for pos, m in enumerate(f.members):
            seq += 1
            await conn.execute(
                "INSERT INTO member (household_id, position, name, relation, id_number, sex, birth_date, health, "
                "employment) VALUES ($1, $2, '成员', 'OTHER', $3, 'MALE', $4, $5, $6)",
                hid,
                pos,
                f"371002{m.birth_date:%Y%m%d}{seq:03d}X",
                m.birth_date,
                str(m.health),
                str(m.employment),
            )
        await conn.executemany(
            "INSERT INTO income (household_id, kind, monthly_fen, member_position) VALUES ($1, $2, $3, $4)",
            [(hid, str(i.kind), i.monthly_fen, i.member_index) for i in f.incomes],
        )
        await conn.executemany(
            "INSERT INTO expenditure (household_id, kind, annual_fen) VALUES ($1, $2, $3)",
            [(hid, str(e.kind), e.annual_fen) for e in f.expenditures],
        )
        await conn.executemany(
            "INSERT INTO asset (household_id, kind, value_fen, count) VALUES ($1, $2, $3, $4)",
            [(hid, str(a.kind), a.value_fen, max(a.count, 1)) for a in f.assets],
        )
    return ids


async def _assert_decided_events(
    conn: Any, as_of: date, stored: dict[int, StoredDecision], exact: dict[int, Decision]
) -> None:
    """Each household's `eligibility.decided` payload is the one the exact engine's writer builds."""
    policy = await policy_repo.find_policy_for(conn, "371002", as_of)
    assert policy is not None
    for hid, got in stored.items():
        expected = _decided_event(
            _row(hid, policy, got.fingerprint, exact[hid]), {hid: got.id}, {hid: "371002"}
        )
        payload = await conn.fetchval(
            "SELECT payload FROM event WHERE type = 'eligibility.decided' AND subject_id = $1 "
            "AND payload->>'decisionId' = $2",
            expected["subject_id"],
            expected["payload"]["decisionId"],
        )
        assert payload == expected["payload"]


class _Rollback(Exception):
    pass


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(households(), min_size=1, max_size=6),
    raw_parameters,
    st.dates(date(2000, 1, 1), date(2030, 12, 31)),
)
async def test_a_partition_decides_as_the_exact_engine(
    pool: Pool, batch: list[HouseholdFacts], raw: dict[str, object], as_of: date
) -> None:
    union = await make_union(pool, name="威海市总工会")
    params = parse_parameters(raw)
    try:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO dibao_policy (region_code, effective_from, parameters) VALUES ('371000', '2000-01-01', $1)",
                raw,
            )
            ids = await _insert(conn, union.id, batch)
            result = await decide_partition(conn, ids, as_of=as_of, run_id=None)
            assert (result.considered, result.decided) == (len(ids), len(ids))
            facts = await load_facts(conn, ids)
            stored = {d.household_id: d for d in await repo.latest_decisions_by_household_ids(conn, ids)}
            for hid in ids:
                exact, got = decide(facts[hid], params, as_of), stored[hid]
                assert got.fingerprint == fingerprint(facts[hid], params, as_of=as_of)
                assert (
                    got.outcome,
                    got.monthly_benefit_fen,
                    got.counted_income_fen,
                    got.per_capita_income_fen,
                    got.standard_fen,
                    got.suggested_category,
                    got.category_income_fen,
                    got.rules_version,
                ) == (
                    exact.outcome,
                    exact.monthly_benefit_fen,
                    exact.counted_income_fen,
                    exact.per_capita_income_fen,
                    exact.standard_fen,
                    exact.suggested_category,
                    exact.category_income_fen,
                    exact.rules_version,
                )
                assert got.trace == trace_json(exact)
                single = await conn.fetchval(
                    "SELECT single_person_members FROM eligibility_decision WHERE id = $1", got.id
                )
                assert tuple(single) == exact.single_person_members
            await _assert_decided_events(
                conn, as_of, stored, {hid: decide(facts[hid], params, as_of) for hid in ids}
            )
            # nothing changed: the second pass skips every household before evaluating it
            again = await decide_partition(conn, ids, as_of=as_of, run_id=None)
            assert again.decided == 0
            raise _Rollback
    except _Rollback:
        pass
    finally:
        async with pool.acquire() as conn:
            await conn.execute("DELETE FROM trade_union WHERE id = $1", union.id)


async def test_sums_past_the_vectorised_bound_are_decided_by_the_exact_engine(pool: Pool) -> None:
    union = await make_union(pool, name="威海市总工会")
    raw = {k: v for k, v in DEMO_PARAMETERS.items() if k != "accident_cost_share"}
    huge = HouseholdFacts(
        members=(MemberFacts(date(1980, 1, 1), Health.HEALTHY, Employment.EMPLOYED),),
        incomes=(IncomeFacts(IncomeKind.WAGE, 3 * 10**15, 0),),
    )
    plain = HouseholdFacts(members=(MemberFacts(date(1980, 1, 1), Health.HEALTHY, Employment.UNEMPLOYED),))
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO dibao_policy (region_code, effective_from, parameters) VALUES ('371000', '2000-01-01', $1)",
            raw,
        )
        ids = await _insert(conn, union.id, [huge, plain])
        result = await decide_partition(conn, ids, as_of=date(2026, 11, 29), run_id=None)
        assert result.decided == 2
        stored = {d.household_id: d for d in await repo.latest_decisions_by_household_ids(conn, ids)}
        traces = {
            r["household_id"]: r["kind"]
            for r in await conn.fetch(
                "SELECT household_id, json_typeof(trace) AS kind FROM eligibility_decision "
                "WHERE household_id = ANY($1::bigint[])",
                ids,
            )
        }
        params = parse_parameters(raw)
        for hid, facts in zip(ids, [huge, plain], strict=True):
            exact = decide(facts, params, date(2026, 11, 29))
            assert stored[hid].counted_income_fen == exact.counted_income_fen
            assert stored[hid].trace == trace_json(exact)
        # the exact engine's own trace (a list of steps) for the one, structured figures for the other
        assert traces == {ids[0]: "array", ids[1]: "object"}
        # the exact engine's event for the one, the SQL writer's for the other: the same payload
        await _assert_decided_events(
            conn,
            date(2026, 11, 29),
            stored,
            {hid: decide(f, params, date(2026, 11, 29)) for hid, f in zip(ids, [huge, plain], strict=True)},
        )


async def test_a_current_decision_is_one_of_its_households_decisions(pool: Pool) -> None:
    """household_eligibility's one composite key (migration 0020): a current row cannot name another
    household's decision; deleting a household takes its decisions and its current decision along."""
    union = await make_union(pool, name="威海市总工会")
    one = HouseholdFacts(members=(MemberFacts(date(1980, 1, 1), Health.HEALTHY, Employment.UNEMPLOYED),))
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO dibao_policy (region_code, effective_from, parameters) VALUES ('371000', '2000-01-01', $1)",
            dict(DEMO_PARAMETERS),
        )
        first, second = await _insert(conn, union.id, [one, one])
        assert (
            await decide_partition(conn, [first, second], as_of=date(2026, 11, 29), run_id=None)
        ).decided == 2
        theirs = await conn.fetchval(
            "SELECT decision_id FROM household_eligibility WHERE household_id = $1", second
        )
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            async with conn.transaction():
                await conn.execute(
                    "UPDATE household_eligibility SET decision_id = $2 WHERE household_id = $1", first, theirs
                )
        await conn.execute("DELETE FROM household WHERE id = $1", first)
        left = await conn.fetch(
            "SELECT household_id FROM household_eligibility WHERE household_id = ANY($1::bigint[]) "
            "UNION ALL SELECT household_id FROM eligibility_decision WHERE household_id = ANY($1::bigint[])",
            [first, second],
        )
        assert [r["household_id"] for r in left] == [second, second]
        await conn.execute("DELETE FROM household WHERE id = $1", second)
