"""Mutations reach only records the caller may see: a UNION_STAFF of side A naming side B's household,
union, member or claim is answered exactly as if the id did not exist, nothing is written, and the
refusal is audited. Inside its scope the same mutation works."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin_api.graphql.node import RESOLVERS
from lianxin_api.graphql.visibility import LOADER_OF_KIND

from conftest import GraphQLClient
from factories import row_counts
from scope_world import World, api_fixture, scope_world_fixture  # noqa: F401 - registers the fixtures

pytestmark = pytest.mark.no_db

MADE_UP = 987_654_321

# mutation → (its document, a function of (world, side or None for a made-up id) giving its input)
CASES: dict[str, tuple[str, Any]] = {
    "updateHousehold": (
        """mutation($input: UpdateHouseholdInput!) { updateHousehold(input: $input) {
             household { id } errors { code field message } } }""",
        lambda w, s: {"id": _id(w, "Household", s), "contactName": "改名"},
    ),
    "recordVisit": (
        """mutation($input: RecordVisitInput!) { recordVisit(input: $input) {
             visit { id } errors { code field message } } }""",
        lambda w, s: {
            "householdId": _id(w, "Household", s),
            "visitedOn": f"{w.year}-01-02",
            "visitors": ["王老师"],
            "findings": {"familySituation": "复访"},
        },
    ),
    "payDisbursement": (
        """mutation($input: PayDisbursementInput!) { payDisbursement(input: $input) {
             disbursement { id } errors { code field message } } }""",
        lambda w, s: {
            "householdId": _id(w, "Household", s),
            "program": "EMERGENCY",
            "period": f"{w.year}-02-01",
            "amount": "100",
        },
    ),
    "createHousehold": (
        """mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) {
             household { id } errors { code field message } } }""",
        lambda w, s: {
            "unionId": _id(w, "TradeUnion", s),
            "archiveNo": f"SCOPE-NEW-{s}",
            "level": "MUNICIPAL",
            "category": "RELATIVE",
            "hardshipReasons": ["UNEMPLOYMENT"],
            "regionCode": "371002",
            "contactName": "联系人",
            "contactPhone": "13812345678",
            "members": [
                {
                    "name": "新户主",
                    "relation": "HEAD",
                    "idNumber": "11010519491231002X",
                    "employment": "UNEMPLOYED",
                    "health": "HEALTHY",
                }
            ],
        },
    ),
    "fileClaim": (
        """mutation($input: FileClaimInput!) { fileClaim(input: $input) {
             claim { id } errors { code field message } } }""",
        lambda w, s: {
            "planId": w.ids["MutualAidPlan"]["A"],
            "memberId": w.members[s] if s else to_global_id("Member", MADE_UP),
            "coverage": "HOSPITAL_ALLOWANCE",
            "amount": "10",
            "incurredOn": f"{w.year}-01-03",
        },
    ),
}


def _id(world: World, kind: str, side: str | None) -> str:
    if side is None:
        return to_global_id(kind, MADE_UP)
    return world.unions[side] if kind == "TradeUnion" else world.ids[kind][side]


TABLES = ("household", "member", "visit", "aid_disbursement", "mutual_aid_claim")


async def _run(api: GraphQLClient, world: World, name: str, side: str | None) -> dict[str, Any]:
    document, make_input = CASES[name]
    data: dict[str, Any] = (
        await api(document, {"input": make_input(world, side)}, token=world.tokens[Role.UNION_STAFF])
    )[name]
    return data


@pytest.mark.parametrize("name", list(CASES))
async def test_another_subtrees_record_is_answered_like_a_missing_one(
    api: GraphQLClient, scope_world: World, pool: Any, name: str
) -> None:
    before = await row_counts(pool, *TABLES)
    hidden = await _run(api, scope_world, name, "B")
    missing = await _run(api, scope_world, name, None)
    assert hidden["errors"], hidden
    assert hidden == missing
    assert all(e["code"].endswith("NOT_FOUND") for e in hidden["errors"])
    assert await row_counts(pool, *TABLES) == before
    async with pool.acquire() as conn:
        outcome = await conn.fetchval(
            "SELECT outcome FROM audit_entry WHERE operation = $1 ORDER BY id DESC LIMIT 1", name
        )
    assert outcome == [e["code"] for e in missing["errors"]]
    admin = (await api(CASES[name][0], {"input": CASES[name][1](scope_world, None)}))[name]
    if name != "fileClaim":  # an unknown member is NOT_ENROLLED to the domain, MEMBER_NOT_FOUND to the guard
        assert {e["code"] for e in hidden["errors"]} <= {e["code"] for e in admin["errors"]}


@pytest.mark.parametrize("name", list(CASES))
async def test_inside_its_subtree_the_same_mutation_works(
    api: GraphQLClient, scope_world: World, name: str
) -> None:
    data = await _run(api, scope_world, name, "A")
    assert data["errors"] == [], data


async def test_an_admin_still_gets_the_domains_own_answer_for_a_missing_record(
    api: GraphQLClient, scope_world: World
) -> None:
    document, make_input = CASES["updateHousehold"]
    data = (await api(document, {"input": make_input(scope_world, None)}))["updateHousehold"]
    assert [e["code"] for e in data["errors"]] == ["NOT_FOUND"]


@pytest.mark.no_db
def test_every_node_kind_has_a_loader_for_reference_checks() -> None:
    assert set(RESOLVERS) == set(LOADER_OF_KIND)
