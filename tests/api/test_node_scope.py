"""`node(id)` for every kind × role × side: a record inside the caller's scope is returned, one outside it
answers exactly like an id that does not exist (DESIGN.md §7). Every token is scoped to side A of the
scope world; the expectations below are written out by hand, not derived from the rules under test."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin_api.graphql.node import RESOLVERS

from conftest import GraphQLClient
from scope_world import SIDES, World, api_fixture, scope_world_fixture  # noqa: F401 - registers the fixtures

pytestmark = pytest.mark.no_db

NODE = "query($id: ID!) { node(id: $id) { id __typename } }"

BOTH, A, NONE = {"A", "B"}, {"A"}, set[str]()
STAFF, AGENCY, SPONSOR = Role.UNION_STAFF, Role.CIVIL_AFFAIRS, Role.SPONSOR

# kind → the sides UNION_STAFF (of union A), CIVIL_AFFAIRS (of region 371002 and agency A) and SPONSOR
# (SA, paired with household A) see; ADMIN and AUDITOR see both sides of everything.
SEEN: dict[str, dict[Role, set[str]]] = {
    "TradeUnion": {STAFF: A, AGENCY: NONE, SPONSOR: NONE},
    "Organization": {STAFF: BOTH, AGENCY: NONE, SPONSOR: A},
    "Household": {STAFF: A, AGENCY: A, SPONSOR: A},
    "Sponsorship": {STAFF: A, AGENCY: NONE, SPONSOR: A},
    "EligibilityDecision": {STAFF: A, AGENCY: A, SPONSOR: NONE},
    "DibaoPolicy": {STAFF: BOTH, AGENCY: BOTH, SPONSOR: NONE},
    "EligibilityRun": {STAFF: A, AGENCY: NONE, SPONSOR: NONE},
    "Agency": {STAFF: BOTH, AGENCY: BOTH, SPONSOR: NONE},
    "Referral": {STAFF: A, AGENCY: A, SPONSOR: NONE},
    "DibaoSimulation": {STAFF: NONE, AGENCY: NONE, SPONSOR: NONE},
    "Cooperative": {STAFF: A, AGENCY: NONE, SPONSOR: NONE},
    "Visit": {STAFF: A, AGENCY: NONE, SPONSOR: NONE},
    "AidDisbursement": {STAFF: A, AGENCY: NONE, SPONSOR: NONE},
    "AidBatch": {STAFF: A, AGENCY: NONE, SPONSOR: NONE},
    "MutualAidPlan": {STAFF: BOTH, AGENCY: NONE, SPONSOR: NONE},
    "MutualAidClaim": {STAFF: A, AGENCY: NONE, SPONSOR: NONE},
    "Reminder": {STAFF: A, AGENCY: NONE, SPONSOR: A},
}


def _sees(kind: str, role: Role, side: str) -> bool:
    if role in (Role.ADMIN, Role.AUDITOR):
        return True
    return side in SEEN[kind][role]


CELLS = [(kind, role, side) for kind in SEEN for role in Role for side in SIDES]


def test_every_resolvable_kind_has_a_row_of_expectations() -> None:
    """A kind added to `node` without a decision about who sees it fails here."""
    assert set(RESOLVERS) == set(SEEN)


def test_the_world_holds_a_record_of_every_kind_on_both_sides(scope_world: World) -> None:
    assert {k for k, sides in scope_world.ids.items() if set(sides) >= set(SIDES)} == set(SEEN)


@pytest.mark.parametrize(("kind", "role", "side"), CELLS, ids=[f"{k}-{r.value}-{s}" for k, r, s in CELLS])
async def test_node_answers_in_scope_and_hides_the_rest(
    api: GraphQLClient, scope_world: World, kind: str, role: Role, side: str
) -> None:
    token = scope_world.tokens[role]
    record = scope_world.ids[kind][side]
    body: dict[str, Any] = await api.raw(NODE, {"id": record}, token=token)
    if _sees(kind, role, side):
        assert body == {"data": {"node": {"id": record, "__typename": kind}}}
        return
    missing = await api.raw(NODE, {"id": to_global_id(kind, 10**9)}, token=token)
    assert missing == {"data": {"node": None}}
    assert body == missing  # byte for byte: no error, no hint that the record exists
