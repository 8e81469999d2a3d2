"""Issue 12: a household's lists (members, incomes, expenditures, assets, pairings with their sponsors,
the latest decision) are read by few statements: a household's screen by one (its row and every
list: `plan_shapes.combined`, one array of rows per list), a page by one per long list and one for
the short ones (pairings and sponsors). Each part builds exactly the models its repository's own list
statement does, from its array or from its rows, for one id and for several."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest
from test_executor_columns import world

from lianxin.core.db import Pool
from lianxin.core.ids import parse_global_id, to_global_id
from lianxin.core.plan_shapes import combined, for_ids, rows_array
from lianxin.household import repository as household_repo
from lianxin.matching import repository as matching_repo
from lianxin.matching.models import TRACE_NOT_READ
from lianxin.organization import repository as org_repo
from lianxin.sponsorship import repository as sponsorship_repo

from conftest import make_token

__all__ = ["world"]  # the fixture, imported for these tests


def test_rows_array_reads_whole_rows_or_listed_columns_in_order() -> None:
    assert rows_array("SELECT * FROM member WHERE household_id = $1 ORDER BY position;") == (
        "ARRAY(SELECT member FROM member WHERE household_id = $1 ORDER BY position)"
    )
    assert rows_array("SELECT d.* FROM x c JOIN eligibility_decision d ON d.id = c.d WHERE c.h = $1") == (
        "ARRAY(SELECT d FROM x c JOIN eligibility_decision d ON d.id = c.d WHERE c.h = $1)"
    )
    assert rows_array("SELECT id, d.name, d.trace::text FROM t d WHERE id = $1") == (
        "ARRAY(SELECT ROW(id, d.name, d.trace::text) FROM t d WHERE id = $1)"
    )
    for refused in ("SELECT count(*) FROM t", "SELECT a AS b FROM t", "UPDATE t SET a = 1"):
        with pytest.raises(ValueError, match="rows_array"):
            rows_array(refused)
    both = combined(
        (
            "-- why\nSELECT * FROM a WHERE x = ANY($1::bigint[]);",
            "SELECT * FROM b WHERE y = ANY($1::bigint[])",
        ),
        True,
    )
    assert both == (
        "SELECT ARRAY(SELECT a FROM a WHERE x = $1::bigint) AS r0, ARRAY(SELECT b FROM b WHERE y = $1::bigint) AS r1"
    )


def _fields(model: Any, names: tuple[str, ...] | None = None) -> dict[str, Any]:
    names = names or tuple(f.name for f in dataclasses.fields(model))
    return {n: getattr(model, n) for n in names}


async def test_each_part_builds_the_models_of_its_own_statement(pool: Pool, world: dict[str, Any]) -> None:
    async with pool.acquire() as conn:
        all_ids = [r["id"] for r in await conn.fetch("SELECT id FROM household ORDER BY id")]
        narrow = ("household_id", "id", "name", "position", "relation")
        cases = [
            (household_repo.members_part(), household_repo.list_members_by_household_ids, None),
            (
                household_repo.members_part(narrow),
                lambda c, ids: household_repo.list_members_by_household_ids(c, ids, narrow),
                narrow,
            ),
            (household_repo.incomes_part(), household_repo.list_incomes_by_household_ids, None),
            (household_repo.expenditures_part(), household_repo.list_expenditures_by_household_ids, None),
            (household_repo.assets_part(), household_repo.list_assets_by_household_ids, None),
            (sponsorship_repo.sponsorships_part(), sponsorship_repo.list_sponsorships_by_household_ids, None),
            (matching_repo.latest_decisions_part(), matching_repo.latest_decisions_by_household_ids, None),
            (
                matching_repo.latest_decisions_part(trace=False),
                lambda c, ids: matching_repo.latest_decisions_by_household_ids(c, ids, trace=False),
                None,
            ),
        ]
        for ids in ([all_ids[0]], all_ids):
            row = await conn.fetchrow(
                combined(tuple(sql for (sql, _), _, _ in cases), len(ids) == 1),
                *([ids[0]] if len(ids) == 1 else [ids]),
            )
            for k, ((sql, build), alone, names) in enumerate(cases):
                got, expected = build(row[k]), await alone(conn, ids)
                assert expected, k  # every list has rows in this world
                assert [_fields(m, names) for m in got] == [_fields(m, names) for m in expected], k
                as_rows = build(await conn.fetch(*for_ids(sql, ids)))  # (a page's long lists)
                assert [_fields(m, names) for m in as_rows] == [_fields(m, names) for m in expected], k
            decisions = cases[7][0][1](row[7])
            assert all(d.trace_as_stored is TRACE_NOT_READ for d in decisions)
            assert all(d.trace_as_stored is not TRACE_NOT_READ for d in cases[6][0][1](row[6]))
            # the pairings each with its sponsor (one join): the pairings of their own statement, and
            # their sponsors' organizations by id, one model per sponsor
            (pairs_sql, build_pairs) = sponsorship_repo.sponsorships_with_sponsors_part()
            pairings = await sponsorship_repo.list_sponsorships_by_household_ids(conn, ids)
            expected_orgs = await org_repo.list_organizations_by_ids(
                conn, sorted({p.sponsor_id for p in pairings})
            )
            as_array = await conn.fetchrow(
                combined((pairs_sql,), len(ids) == 1), ids[0] if len(ids) == 1 else ids
            )
            for pairs in (build_pairs(as_array[0]), build_pairs(await conn.fetch(*for_ids(pairs_sql, ids)))):
                assert [pairing for pairing, _ in pairs] == pairings
                assert all(sponsor.id == pairing.sponsor_id for pairing, sponsor in pairs)
                sponsors = {id(sponsor): sponsor for _, sponsor in pairs}.values()
                assert sorted(sponsors, key=lambda o: o.id) == expected_orgs


DETAIL = """query($id: ID!) { node(id: $id) { ... on Household { id archiveNo
  members { id name relation sex birthDate employment } incomes { kind monthlyAmount memberId }
  expenditures { kind annualAmount } assets { kind value count }
  sponsorships { startedOn active sponsor { name } } latestDecision { outcome monthlyBenefit } } } }"""
PAGE = """query($first: Int!) { households(first: $first) { edges { node { id archiveNo
  members { name relation } sponsorships { startedOn active sponsor { name } } } } } }"""


async def test_a_screen_reads_its_lists_in_one_statement_a_page_in_few(
    client: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    auth = {"Authorization": f"Bearer {make_token()}"}
    for query, variables in ((DETAIL, {"id": world["ids"][0]}), (PAGE, {"first": 2}), (PAGE, {"first": 3})):
        response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=auth)
        body = response.json()
        assert "errors" not in body, body
        # the screen: its row and lists; a page: the page, its members, its pairings with their sponsors
        assert int(response.headers["x-sql-statements"]) == (1 if query is DETAIL else 3), (query, variables)
    assert body["data"]["households"]["edges"][0]["node"]["sponsorships"][0]["sponsor"]["name"]


async def test_ids_made_when_read_are_the_records_global_ids(
    client: httpx.AsyncClient, pool: Pool, world: dict[str, Any]
) -> None:
    # (`lazy_global_id`: pairings, sponsors and decisions encode their ids only when selected)
    query = """query($id: ID!) { node(id: $id) { ... on Household {
      sponsorships { id sponsor { id } } latestDecision { id } } } }"""
    auth = {"Authorization": f"Bearer {make_token()}"}
    response = await client.post(
        "/graphql", json={"query": query, "variables": {"id": world["ids"][0]}}, headers=auth
    )
    node = response.json()["data"]["node"]
    household = parse_global_id(world["ids"][0])[1]  # type: ignore[index]
    async with pool.acquire() as conn:
        pairing = await conn.fetchval("SELECT id FROM sponsorship WHERE household_id = $1", household)
        decision = await conn.fetchval(
            "SELECT decision_id FROM household_eligibility WHERE household_id = $1", household
        )
    assert node["sponsorships"] == [
        {
            "id": to_global_id("Sponsorship", pairing),
            "sponsor": {"id": to_global_id("Organization", world["sponsor"])},
        }
    ]
    assert node["latestDecision"] == {"id": to_global_id("EligibilityDecision", decision)}
