"""Review of the household prefetch read with `node(id:)` (its row and lists in one statement, before
visibility is decided): a household the caller does not see reads exactly like a missing one, whatever
the selection, the aliases around it and the role; what was read for it is never served to a later
field of the same request; a sponsor still reads only its own pairings."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from test_sec_review7 import page

from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role

from conftest import make_token

__all__ = ["page"]  # the fixture, imported for these tests

H = """fragment H on Household { id archiveNo regionCode contactPhone hardshipReasons
  members { id name idNumber relation } m2: members { health idNumber }
  incomes { kind monthlyAmount memberId } expenditures { kind annualAmount } assets { kind value count }
  sponsorships { id active startedOn sponsor { id name } } s2: sponsorships { sponsor { name } }
  latestDecision { id outcome trace { rule } } union { id name } }"""

ONE = "query($a: ID!) { node(id: $a) { __typename ...H } }\n" + H
TWO = (
    """query($a: ID!, $b: ID!) {
  first: node(id: $a) { __typename ...H } second: node(id: $b) { __typename ...H }
  again: node(id: $a) { ... on Household { members { idNumber } sponsorships { sponsor { name } } } }
  households(first: 10) { edges { node { archiveNo sponsorships { id sponsor { name } } members { idNumber } } } }
}
"""
    + H
)


def _missing(number: int) -> str:
    return to_global_id("Household", number)


@pytest.mark.parametrize("who", ["staff_other", "civil_other", "s1", "s2", "sponsor_none"])
async def test_an_unseen_household_reads_like_a_missing_one_with_every_list(
    gql: Any, page: dict[str, Any], pool: Any, who: str
) -> None:
    from lianxin.organization.models import OrganizationKind

    from factories import make_organization, make_union

    other = await make_union(pool, name="烟台市总工会")
    lonely = await make_organization(pool, name="三号爱心单位", kind=OrganizationKind.SPONSOR)
    tokens = {
        "staff_other": make_token(Role.UNION_STAFF, union_id=other.id),
        "civil_other": make_token(Role.CIVIL_AFFAIRS, region_code="110000"),
        "s1": page["s1"],
        "s2": page["s2"],
        "sponsor_none": make_token(Role.SPONSOR, sponsor_id=lonely.id),
    }
    token = tokens[who]
    async with pool.acquire() as conn:
        top = await conn.fetchval("SELECT max(id) FROM household")
    nowhere = _missing(top + 1000)
    for hid in page["ids"]:
        seen = await gql.raw(ONE, {"a": hid}, token=token)
        missing = await gql.raw(ONE, {"a": nowhere}, token=token)
        if seen["data"]["node"] is not None:
            continue  # (a sponsor's own household)
        assert seen == missing
        # around a household the caller sees, and a page, in one request: the same as with a missing one
        for visible in page["ids"]:
            with_unseen = await gql.raw(TWO, {"a": hid, "b": visible}, token=token)
            with_missing = await gql.raw(TWO, {"a": nowhere, "b": visible}, token=token)
            assert with_unseen == with_missing, (hid, visible)


@pytest.mark.parametrize("who", ["s1", "s2"])
async def test_a_sponsor_reads_only_its_own_pairings_of_a_node_and_its_page(
    gql: Any, page: dict[str, Any], pool: Any, who: str
) -> None:
    own = {"s1": "一号爱心单位", "s2": "二号爱心单位"}[who]
    a, b, c = page["ids"]
    for first, second in ((a, b), (b, a), (a, a), (c, a)):
        body = await gql.raw(TWO, {"a": first, "b": second}, token=page[who])
        data = body.get("data") or {}
        for key in ("first", "second", "again"):
            node = data.get(key)
            if node:
                names = [p["sponsor"]["name"] for p in node["sponsorships"]]
                assert set(names) <= {own}, (key, names)
                if "s2" in node:
                    assert {p["sponsor"]["name"] for p in node["s2"]} <= {own}
        for edge in (data.get("households") or {"edges": []})["edges"]:  # (a sponsor lists none)
            assert {p["sponsor"]["name"] for p in edge["node"]["sponsorships"]} <= {own}
    # an ended pairing: the household no longer reads
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE sponsorship SET ended_on = $1, end_reason = 'x' WHERE sponsor_id = "
            "(SELECT id FROM organization WHERE name = $2)",
            datetime.date(2019, 1, 1),
            own,
        )
    for hid in page["ids"]:
        assert (await gql.raw(ONE, {"a": hid}, token=page[who]))["data"]["node"] is None


async def test_a_household_without_any_list_row_reads_empty_lists(gql: Any, page: dict[str, Any]) -> None:
    c = page["ids"][2]  # no pairing, no income, no decision
    node = (await gql(ONE, {"a": c}))["node"]
    assert node["incomes"] == node["expenditures"] == node["assets"] == node["sponsorships"] == []
    assert node["latestDecision"] is None
    assert [m["relation"] for m in node["members"]] == ["HEAD", "SPOUSE"]
    assert node["union"]["name"] == "环翠区总工会"


PAGE = "query($n: Int!) { households(first: $n) { edges { node { __typename ...H } } } }\n" + H


@pytest.mark.parametrize("who", ["admin", "staff", "auditor", "civil"])
async def test_a_household_reads_the_same_from_a_screen_a_page_of_one_and_a_page(
    gql: Any, page: dict[str, Any], who: str
) -> None:
    """Three readings of the same lists (one combined statement for one id; a statement per long list
    and one combined for the short ones for a page; the loaders for a screen): the differential check
    compares two executors over the same reading, this compares the readings."""
    token = make_token(Role.CIVIL_AFFAIRS, region_code="371000") if who == "civil" else page[who]
    one = await gql.raw(PAGE, {"n": 1}, token=token)
    many = await gql.raw(PAGE, {"n": 3}, token=token)
    assert "errors" not in one, one
    assert "errors" not in many, many
    edges = many["data"]["households"]["edges"]
    assert one["data"]["households"]["edges"] == edges[:1]
    for edge in edges:
        screen = await gql.raw(ONE, {"a": edge["node"]["id"]}, token=token)
        assert "errors" not in screen, screen
        assert screen["data"]["node"] == edge["node"]


async def test_an_unseen_household_s_lists_are_not_even_made_models(
    gql: Any, page: dict[str, Any], pool: Any
) -> None:
    """node(id:) reads a household's lists with its row, before visibility is decided: they become
    models only for a household the caller sees, so nothing in them (here a member whose relation the
    code no longer knows, as after a schema drift) can make an unseen household answer differently
    from a missing one."""
    from lianxin.core.ids import parse_global_id

    from factories import make_union

    token = make_token(Role.UNION_STAFF, union_id=(await make_union(pool, name="烟台市总工会")).id)
    hid = page["ids"][0]
    parsed = parse_global_id(hid)
    assert parsed is not None
    pk = parsed[1]
    async with pool.acquire() as conn:
        nowhere = _missing(await conn.fetchval("SELECT max(id) FROM household") + 1000)
        name, definition = await conn.fetchrow(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'member'::regclass"
            " AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%relation%'"
        )
        kept = await conn.fetch("SELECT id, relation FROM member WHERE household_id = $1", pk)
        assert kept, "the page's household has members"
        await conn.execute(f'ALTER TABLE member DROP CONSTRAINT "{name}"')
        try:
            await conn.execute("UPDATE member SET relation = 'NOT_A_RELATION' WHERE household_id = $1", pk)
            unseen = await gql.raw(ONE, {"a": hid}, token=token)
            assert unseen == await gql.raw(ONE, {"a": nowhere}, token=token) == {"data": {"node": None}}
            assert (await gql.raw(ONE, {"a": hid}))["errors"]  # (one who sees it meets the bad row)
        finally:
            await conn.executemany("UPDATE member SET relation = $2 WHERE id = $1", [tuple(r) for r in kept])
            await conn.execute(f'ALTER TABLE member ADD CONSTRAINT "{name}" {definition}')
