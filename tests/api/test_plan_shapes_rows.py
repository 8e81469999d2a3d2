"""Issue 12: statements PostgreSQL plans once (`lianxin.core.plan_shapes`) read exactly the rows of the
statements as written: a household list with every combination of its filters and scope limits given
or not (absent ones written as NULL), and every by-ids read of a household's screen for one id (written
`= $1` instead of `= ANY($1)`)."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date
from typing import Any

from lianxin.access.rules import ListScope
from lianxin.core.db import Pool
from lianxin.core.plan_shapes import single_id_form, without_null_arguments
from lianxin.eligibility import DEMO_PARAMETERS
from lianxin.household import repository as household_repo
from lianxin.household.enums import EligibilityOutcome, HouseholdStatus
from lianxin.matching import repository as matching_repo
from lianxin.matching.service import decide_households
from lianxin.organization import repository as org_repo
from lianxin.organization.models import OrganizationKind
from lianxin.sponsorship import repository as sponsorship_repo
from lianxin.trade_union import repository as union_repo
from lianxin.trade_union.models import UnionKind

from factories import make_household, make_organization, make_sponsorship, make_union, resident_id


async def _world(pool: Pool) -> dict[str, Any]:
    root = await make_union(pool, name="威海市总工会")
    a = await make_union(pool, kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id)
    b = await make_union(pool, kind=UnionKind.DISTRICT_FEDERATION, region_code="371082", parent_id=root.id)
    sponsor = await make_organization(pool, kind=OrganizationKind.SPONSOR)
    ids = [
        await make_household(pool, a.id),
        await make_household(
            pool, a.id, status="OUT_OF_HARDSHIP", contact_name="王芳", contact_phone="13800000000"
        ),
        await make_household(pool, b.id, region_code="371082"),
        await make_household(
            pool, b.id, region_code="371082", contact_name="李强", contact_phone="13900000000"
        ),
        await make_household(pool, a.id, region_code="371003"),
    ]
    await make_sponsorship(pool, ids[0], sponsor.id, date(2024, 1, 1))
    await make_sponsorship(pool, ids[2], sponsor.id, date(2023, 1, 1), ended_on=date(2024, 1, 1))
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO dibao_policy (region_code, effective_from, parameters) VALUES ('371000', '2020-01-01', $1)",
            dict(DEMO_PARAMETERS),
        )
        async with conn.transaction():
            await decide_households(conn, ids[:3], as_of=date(2026, 11, 30))
    return {"root": root.id, "a": a.id, "b": b.id, "sponsor": sponsor.id, "ids": ids}


async def test_every_combination_of_filters_reads_the_rows_of_the_statement_as_written(pool: Pool) -> None:
    w = await _world(pool)
    unions = [None, w["root"], w["b"]]
    prefixes = [None, "3710", "371082"]
    statuses = [None, HouseholdStatus.ACTIVE, HouseholdStatus.OUT_OF_HARDSHIP]
    outcomes = [None, EligibilityOutcome.NOT_ELIGIBLE, EligibilityOutcome.DIBAO]
    scopes = [
        ListScope(),
        ListScope(union_root=w["a"]),
        ListScope(region_prefix="371082"),
        ListScope(sponsor_id=w["sponsor"]),
    ]
    contacts = [None, True, False]
    seen: set[tuple[int, ...]] = set()
    checked = 0
    async with pool.acquire() as conn:
        for union, prefix, status, outcome, scope, contact in itertools.product(
            unions, prefixes, statuses, outcomes, scopes, contacts
        ):
            for after, limit in ((0, 10), (w["ids"][1], 2)):
                args = (union, prefix, status.value if status else None, after, limit)
                args += (outcome.value if outcome else None, *scope.household_params(), contact)
                expected = [r["id"] for r in await conn.fetch(household_repo.Q.list_households_page, *args)]
                got = await household_repo.list_households_page(
                    conn, union, prefix, status, after, limit, outcome, scope=scope, without_contact=contact
                )
                assert [h.id for h in got] == expected, args
                seen.add(tuple(expected))
            count_args = (union, prefix, status.value if status else None, outcome.value if outcome else None)
            count_args += (*scope.household_params(), contact)
            expected_count = await conn.fetchval(household_repo.Q.count_households, *count_args)
            got_count = await household_repo.count_households(
                conn, union, prefix, status, outcome, scope=scope, without_contact=contact
            )
            assert got_count == expected_count, count_args
            checked += 1
    assert checked == 3 * 3 * 3 * 3 * 4 * 3
    assert len(seen) > 8  # the filters select different households: the comparison can fail


async def test_reads_of_one_household_read_the_rows_of_the_array_form(pool: Pool) -> None:
    w = await _world(pool)
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO member (household_id, position, name, relation, id_number, sex, birth_date, health, "
            "employment) VALUES ($1, 1, '张三', 'HEAD', $2, 'MALE', '1980-01-01', 'HEALTHY', 'UNEMPLOYED'), "
            "($1, 2, '李四', 'SPOUSE', $3, 'FEMALE', '1982-02-02', 'HEALTHY', 'UNEMPLOYED')",
            w["ids"][0],
            resident_id("19800101"),
            resident_id("19820202", sex="F"),
        )
        await conn.execute(
            "INSERT INTO income (household_id, kind, monthly_fen) VALUES ($1, 'WAGE', 120000)", w["ids"][0]
        )
        await conn.execute(
            "INSERT INTO expenditure (household_id, kind, annual_fen) VALUES ($1, 'MEDICAL', 900000)",
            w["ids"][0],
        )
        await conn.execute(
            "INSERT INTO asset (household_id, kind, value_fen) VALUES ($1, 'DEPOSIT', 5000)", w["ids"][0]
        )
        reads = [
            household_repo.list_households_by_ids,
            household_repo.list_members_by_household_ids,
            household_repo.list_incomes_by_household_ids,
            household_repo.list_expenditures_by_household_ids,
            household_repo.list_assets_by_household_ids,
            sponsorship_repo.list_sponsorships_by_household_ids,
            matching_repo.latest_decisions_by_household_ids,
            matching_repo.list_decisions_by_household_ids,
        ]
        found_any = 0
        for one in w["ids"][:3]:
            for read in reads:
                # one id: the `= $1` form; [one, -1] (no household -1): the statement as written
                got, written = await read(conn, [one]), await read(conn, [one, -1])
                assert [_values(x) for x in got] == [_values(x) for x in written], (read.__name__, one)
                found_any += bool(got)
            narrowed = await household_repo.list_members_by_household_ids(
                conn, [one], ("household_id", "id", "name", "position")
            )
            whole = await household_repo.list_members_by_household_ids(conn, [one, -1])
            assert [(m.id, m.name) for m in narrowed] == [(m.id, m.name) for m in whole]
            traceless = await matching_repo.latest_decisions_by_household_ids(conn, [one], trace=False)
            full = await matching_repo.latest_decisions_by_household_ids(conn, [one, -1])
            assert [d.id for d in traceless] == [d.id for d in full]
        for read, key in (
            (org_repo.list_organizations_by_ids, w["sponsor"]),
            (union_repo.list_unions_by_ids, w["a"]),
        ):
            got, written = await read(conn, [key]), await read(conn, [key, -1])
            assert [_values(x) for x in got] == [_values(x) for x in written]
            assert got[0].id == key
        assert found_any >= 12  # rows were there to compare


def _values(x: Any) -> tuple[Any, ...]:
    return dataclasses.astuple(x)


async def test_a_household_screen_and_an_unfiltered_page_are_planned_once(pool: Pool) -> None:
    """What the rewriting is for: after PostgreSQL's five custom plans, these reads run a generic plan
    (`pg_prepared_statements.generic_plans`) instead of planning every execution anew."""
    w = await _world(pool)
    async with pool.acquire() as conn:
        for _ in range(8):
            await household_repo.list_incomes_by_household_ids(conn, [w["ids"][0]])
            await matching_repo.latest_decisions_by_household_ids(conn, [w["ids"][0]], trace=False)
            await household_repo.list_households_page(conn, None, None, None, 0, 51)
            await household_repo.count_households(conn, None, None, None)
        plans = {
            r["statement"]: (r["generic_plans"], r["custom_plans"])
            for r in await conn.fetch(
                "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
            )
        }
    page, _ = without_null_arguments(
        household_repo.Q.list_households_page,
        (None,) * 3 + (0, 51) + (None,) * 5,
        household_repo._PAGE_NULLABLE,
    )
    count, _ = without_null_arguments(
        household_repo.Q.count_households, (None,) * 8, household_repo._COUNT_NULLABLE
    )
    statements = [
        single_id_form(household_repo.Q.list_incomes_by_household_ids),
        single_id_form(matching_repo.Q.latest_decisions_without_trace_by_household_ids),
        page,
        count,
    ]
    for sql in statements:
        generic, custom = plans[sql]
        assert generic >= 3, (sql, generic, custom)
