"""Every root list, total and export × every role over the scope world: only records inside the caller's
scope (tokens are scoped to side A), totalCount agreeing, a filter outside the scope matching nothing
(as the fields' descriptions say), and FORBIDDEN for a role with no business there. Nested fields that
lead to another record do not step out of the scope either.

The expectations are written out by hand: ADMIN and AUDITOR see both sides; `None` is FORBIDDEN."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from openpyxl import load_workbook

from lianxin.core.db import Pool
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role

from conftest import GraphQLClient
from scope_world import World, api_fixture, scope_world_fixture  # noqa: F401 - registers the fixtures

pytestmark = pytest.mark.no_db

STAFF, AGENCY, SPONSOR = Role.UNION_STAFF, Role.CIVIL_AFFAIRS, Role.SPONSOR
A, B, BOTH, NOTHING = {"A"}, {"B"}, {"A", "B"}, set[str]()
PAGE = "totalCount edges { node { id } }"


@dataclass(frozen=True)
class Case:
    """A list query; `seen` gives, per scoped role, the labels of the records it returns (None:
    FORBIDDEN); ADMIN and AUDITOR get `full`. Labels are sides, or the world's union names."""

    name: str
    query: str
    kind: str
    seen: dict[Role, set[str] | None]
    full: set[str] = field(default_factory=lambda: set(BOTH))
    variables: Callable[[World], dict[str, Any]] = lambda w: {}
    ids: Callable[[dict[str, Any]], list[str]] | None = None  # default: a connection's node ids


def _household_ids(data: dict[str, Any]) -> list[str]:
    [connection] = data.values()
    return [e["node"]["household"]["id"] for e in connection["edges"]]


def _plain_ids(data: dict[str, Any]) -> list[str]:
    [items] = data.values()
    return [i["id"] for i in items]


def _year_end(w: World) -> str:
    return f"{w.year}-12-31"


CASES = [
    Case(
        "households",
        f"{{ households(first: 50) {{ {PAGE} }} }}",
        "Household",
        {STAFF: A, AGENCY: A, SPONSOR: None},
    ),
    Case(
        "households of union B",
        f"query($u: ID) {{ households(first: 50, filter: {{unionId: $u}}) {{ {PAGE} }} }}",
        "Household",
        {STAFF: NOTHING, AGENCY: NOTHING, SPONSOR: None},
        full=B,
        variables=lambda w: {"u": w.unions["B"]},
    ),
    Case(
        "households of union A",
        f"query($u: ID) {{ households(first: 50, filter: {{unionId: $u}}) {{ {PAGE} }} }}",
        "Household",
        {STAFF: A, AGENCY: A, SPONSOR: None},
        full=A,
        variables=lambda w: {"u": w.unions["A"]},
    ),
    Case(
        "households of region 370202",
        f'{{ households(first: 50, filter: {{regionCode: "370202"}}) {{ {PAGE} }} }}',
        "Household",
        {STAFF: NOTHING, AGENCY: NOTHING, SPONSOR: None},
        full=B,
    ),
    Case(
        "unions",
        f"{{ unions(first: 50) {{ {PAGE} }} }}",
        "TradeUnion",
        {STAFF: A, AGENCY: None, SPONSOR: None},
        full={"root", "A", "B", "below B"},
    ),
    Case(
        "unions under B",
        f"query($p: ID) {{ unions(first: 50, parent: $p) {{ {PAGE} }} }}",
        "TradeUnion",
        {STAFF: NOTHING, AGENCY: None, SPONSOR: None},
        full={"below B"},
        variables=lambda w: {"p": w.unions["B"]},
    ),
    Case(
        "organizations",
        f"{{ organizations(first: 50) {{ {PAGE} }} }}",
        "Organization",
        {STAFF: BOTH, AGENCY: None, SPONSOR: A},
    ),
    Case(
        "organizations of union B",
        f"query($u: ID) {{ organizations(first: 50, unionId: $u) {{ {PAGE} }} }}",
        "Organization",
        {STAFF: B, AGENCY: None, SPONSOR: NOTHING},
        full=B,
        variables=lambda w: {"u": w.unions["B"]},
    ),
    Case(
        "sponsorships",
        f"{{ sponsorships(first: 50) {{ {PAGE} }} }}",
        "Sponsorship",
        {STAFF: A, AGENCY: None, SPONSOR: A},
    ),
    Case(
        "dibaoPolicies",
        '{ dibaoPolicies(regionCode: "370000") { id } }',
        "DibaoPolicy",
        {STAFF: A, AGENCY: A, SPONSOR: None},
        full=A,  # one policy, shared by both sides
        ids=_plain_ids,
    ),
    Case(
        "agencies",
        "{ agencies { id } }",
        "Agency",
        {STAFF: BOTH, AGENCY: BOTH, SPONSOR: None},
        ids=_plain_ids,
    ),
    Case(
        "referrals",
        f"{{ referrals(first: 50) {{ {PAGE} }} }}",
        "Referral",
        {STAFF: A, AGENCY: A, SPONSOR: None},
    ),
    Case(
        "cooperatives",
        f"{{ cooperatives(first: 50) {{ {PAGE} }} }}",
        "Cooperative",
        {STAFF: A, AGENCY: None, SPONSOR: None},
    ),
    Case(
        "overdueVisits",
        "query($d: Date) { overdueVisits(first: 50, asOf: $d) { totalCount edges { node { household { id } } } } }",
        "Household",
        {STAFF: A, AGENCY: None, SPONSOR: None},
        variables=lambda w: {"d": _year_end(w)},
        ids=_household_ids,
    ),
    Case(
        "overdueVisits of union B",
        "query($d: Date, $u: ID) { overdueVisits(first: 50, asOf: $d, unionId: $u) "
        "{ totalCount edges { node { household { id } } } } }",
        "Household",
        {STAFF: NOTHING, AGENCY: None, SPONSOR: None},
        full=B,
        variables=lambda w: {"d": _year_end(w), "u": w.unions["B"]},
        ids=_household_ids,
    ),
    Case(
        "overdueVisits of region 370202",
        'query($d: Date) { overdueVisits(first: 50, asOf: $d, regionCode: "370202") '
        "{ totalCount edges { node { household { id } } } } }",
        "Household",
        {STAFF: NOTHING, AGENCY: None, SPONSOR: None},
        full=B,
        variables=lambda w: {"d": _year_end(w)},
        ids=_household_ids,
    ),
    Case(
        "leavingHardshipSuggestions",
        "query($d: Date) { leavingHardshipSuggestions(first: 50, asOf: $d) "
        "{ totalCount edges { node { household { id } } } } }",
        "Household",
        {STAFF: A, AGENCY: None, SPONSOR: None},
        variables=lambda w: {"d": _year_end(w)},
        ids=_household_ids,
    ),
    Case(
        "aidDisbursements",
        f"{{ aidDisbursements(first: 50) {{ {PAGE} }} }}",
        "AidDisbursement",
        {STAFF: A, AGENCY: None, SPONSOR: None},
    ),
    Case(
        "aidDisbursements of household B",
        f"query($h: ID) {{ aidDisbursements(first: 50, householdId: $h) {{ {PAGE} }} }}",
        "AidDisbursement",
        {STAFF: NOTHING, AGENCY: None, SPONSOR: None},
        full=B,
        variables=lambda w: {"h": w.ids["Household"]["B"]},
    ),
    Case(
        "mutualAidPlans",
        "{ mutualAidPlans { id } }",
        "MutualAidPlan",
        {STAFF: A, AGENCY: None, SPONSOR: None},
        full=A,  # one plan, shared by both sides
        ids=_plain_ids,
    ),
    Case(
        "mutualAidClaims",
        f"{{ mutualAidClaims(first: 50) {{ {PAGE} }} }}",
        "MutualAidClaim",
        {STAFF: A, AGENCY: None, SPONSOR: None},
    ),
    Case(
        "mutualAidClaims of member B",
        f"query($m: ID) {{ mutualAidClaims(first: 50, memberId: $m) {{ {PAGE} }} }}",
        "MutualAidClaim",
        {STAFF: NOTHING, AGENCY: None, SPONSOR: None},
        full=B,
        variables=lambda w: {"m": w.members["B"]},
    ),
]
LIST_CELLS = [(case, role) for case in CASES for role in Role]


def _expected(case: Case, role: Role) -> set[str] | None:
    return case.full if role in (Role.ADMIN, Role.AUDITOR) else case.seen[role]


def _forbidden(body: dict[str, Any]) -> None:
    """Refused, with nothing answered (a nullable field reads null beside its error)."""
    assert body["data"] is None or set(body["data"].values()) == {None}, body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


@pytest.fixture(scope="module")
async def world(scope_world: World, pool: Pool) -> World:
    """The scope world, aged: archived on 1 January (visits come due by the year's end) and decided
    without a union category (RULES.md v2) three years ago (both households are leaving candidates)."""
    async with pool.acquire() as conn:
        await conn.execute("UPDATE household SET archived_on = make_date($1, 1, 1)", scope_world.year)
        await conn.execute(
            "UPDATE eligibility_decision SET per_capita_income_fen = 100000000, suggested_category = NULL, "
            "evaluated_on = evaluated_on - interval '3 years'"
        )
    return scope_world


@pytest.mark.parametrize(("case", "role"), LIST_CELLS, ids=[f"{c.name}-{r.value}" for c, r in LIST_CELLS])
async def test_a_list_holds_only_what_the_caller_may_see(
    api: GraphQLClient, world: World, case: Case, role: Role
) -> None:
    body = await api.raw(case.query, case.variables(world), token=world.tokens[role])
    expected = _expected(case, role)
    if expected is None:
        _forbidden(body)
        return
    assert "errors" not in body, body["errors"]
    got = case.ids(body["data"]) if case.ids else [e["node"]["id"] for e in _connection(body)["edges"]]
    assert sorted(got) == sorted(world.ids[case.kind][label] for label in expected)
    if case.ids is not _plain_ids:
        assert _connection(body)["totalCount"] == len(expected)


def _connection(body: dict[str, Any]) -> dict[str, Any]:
    [connection] = body["data"].values()
    return dict(connection)


# Totals and exports: how many households each role's figures count (None: FORBIDDEN).
COUNTED: dict[Role, int | None] = {
    Role.ADMIN: 2,
    Role.AUDITOR: 2,
    STAFF: 1,
    AGENCY: None,
    SPONSOR: None,
}
AGGREGATES = {
    "aidTotals": (
        "query($p: String) { aidTotals(period: $p) { households } }",
        lambda w: {"p": str(w.year)},
        lambda d: sum(t["households"] for t in d["aidTotals"]),
    ),
    "mutualAidTotals": (
        "query($y: Int!) { mutualAidTotals(fromYear: $y, toYear: $y) { claims } }",
        lambda w: {"y": w.year},
        lambda d: d["mutualAidTotals"]["claims"],
    ),
    "householdStatistics": (
        "{ householdStatistics { byStatus { key households } } }",
        lambda w: {},
        lambda d: sum(c["households"] for c in d["householdStatistics"]["byStatus"]),
    ),
    "yearlyHouseholdFigures": (
        "query($y: Int!) { yearlyHouseholdFigures(fromYear: $y, toYear: $y) { archived } }",
        lambda w: {"y": w.year},
        lambda d: d["yearlyHouseholdFigures"][0]["archived"],
    ),
    "yearlyHouseholdChart": (
        "query($y: Int!) { yearlyHouseholdChart(fromYear: $y, toYear: $y) }",
        lambda w: {"y": w.year},
        lambda d: None,  # an SVG: only who may draw it is checked
    ),
    "ledgerExport": (
        "{ ledgerExport }",
        lambda w: {},
        lambda d: load_workbook(io.BytesIO(base64.b64decode(d["ledgerExport"])))["households"].max_row - 1,
    ),
}
LEDGER_ROLES = {Role.ADMIN, STAFF}  # the workbook is for those who keep the ledger
AGGREGATE_CELLS = [(name, role) for name in AGGREGATES for role in Role]


@pytest.mark.parametrize(
    ("name", "role"), AGGREGATE_CELLS, ids=[f"{n}-{r.value}" for n, r in AGGREGATE_CELLS]
)
async def test_totals_count_only_households_in_scope(
    api: GraphQLClient, world: World, name: str, role: Role
) -> None:
    query, variables, count = AGGREGATES[name]
    body = await api.raw(query, variables(world), token=world.tokens[role])
    expected = COUNTED[role] if name != "ledgerExport" or role in LEDGER_ROLES else None
    if expected is None:
        _forbidden(body)
        return
    assert "errors" not in body, body["errors"]
    got = count(body["data"])
    assert got is None or got == expected


async def test_statistics_of_a_union_or_region_outside_the_scope_count_nothing(
    api: GraphQLClient, world: World
) -> None:
    query = """query($u: ID, $r: String) { householdStatistics(unionId: $u, regionCode: $r) {
      byRegion { key households } } }"""
    staff = world.tokens[STAFF]
    mine = await api(query, {"u": world.unions["A"]}, token=staff)
    assert mine["householdStatistics"]["byRegion"] == [{"key": "371002", "households": 1}]
    # a union outside the subtree reads exactly like one that does not exist (not as an empty count)
    outside = await api.raw(query, {"u": world.unions["B"]}, token=staff)
    missing = await api.raw(query, {"u": to_global_id("TradeUnion", 987654321)}, token=staff)
    assert outside["data"] is None
    assert [e["message"] for e in outside["errors"]] == [e["message"] for e in missing["errors"]]
    assert [e["extensions"]["code"] for e in outside["errors"]] == ["UNION_NOT_FOUND"]
    for given in ({"r": "370202"}, {"r": "370000"}):
        data = await api(query, given, token=staff)
        expected = [{"key": "371002", "households": 1}] if given == {"r": "370000"} else []
        assert data["householdStatistics"]["byRegion"] == expected, given
    everything = await api(query, {"r": "370000"})
    assert {c["key"] for c in everything["householdStatistics"]["byRegion"]} == {"371002", "370202"}


@pytest.mark.parametrize("side", ["A", "B"])
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
async def test_an_aid_batch_is_seen_in_scope_only(
    api: GraphQLClient, world: World, role: Role, side: str
) -> None:
    batch = world.ids["AidBatch"][side]
    body = await api.raw(
        "query($id: ID!) { aidBatch(id: $id) { id } }", {"id": batch}, token=world.tokens[role]
    )
    if role in (AGENCY, SPONSOR):
        _forbidden(body)
        return
    seen = role in (Role.ADMIN, Role.AUDITOR) or side == "A"
    assert body == {"data": {"aidBatch": {"id": batch} if seen else None}}


HOUSEHOLD_LINKS = """query($id: ID!) { node(id: $id) { ... on Household {
  union { id } sponsorships { id } latestDecision { id } decisions { id } referrals { id } visits { id } } } }"""


async def test_a_household_s_links_stay_in_the_callers_scope(api: GraphQLClient, world: World) -> None:
    ids = world.ids

    def links(side: str, **overrides: Any) -> dict[str, Any]:
        full: dict[str, Any] = {
            "union": {"id": world.unions[side]},
            "sponsorships": [{"id": ids["Sponsorship"][side]}],
            "latestDecision": {"id": ids["EligibilityDecision"][side]},
            "decisions": [{"id": ids["EligibilityDecision"][side]}],
            "referrals": [{"id": ids["Referral"][side]}],
            "visits": [{"id": ids["Visit"][side]}],
        }
        return {**full, **overrides}

    household = ids["Household"]["A"]
    tokens = world.tokens
    for role in (Role.ADMIN, Role.AUDITOR, STAFF):
        assert (await api(HOUSEHOLD_LINKS, {"id": household}, token=tokens[role]))["node"] == links("A")
    # civil affairs: no union tree, no pairings, no casework
    assert (await api(HOUSEHOLD_LINKS, {"id": household}, token=tokens[AGENCY]))["node"] == links(
        "A", union=None, sponsorships=[], visits=[]
    )
    # a sponsor: its own pairing, nothing of the union, the decisions or the casework
    assert (await api(HOUSEHOLD_LINKS, {"id": household}, token=tokens[SPONSOR]))["node"] == links(
        "A", union=None, latestDecision=None, decisions=[], referrals=[], visits=[]
    )


async def test_the_top_of_a_staff_subtree_has_no_parent(api: GraphQLClient, world: World) -> None:
    query = "query($id: ID!) { node(id: $id) { ... on TradeUnion { parent { id } } } }"
    district = world.unions["A"]
    assert (await api(query, {"id": district}))["node"] == {"parent": {"id": world.unions["root"]}}
    assert (await api(query, {"id": district}, token=world.tokens[STAFF]))["node"] == {"parent": None}


async def test_a_referral_leads_only_to_households_in_scope(api: GraphQLClient, world: World) -> None:
    query = "{ referrals(first: 10) { edges { node { household { id } decision { id } agency { id } } } } }"
    [edge] = (await api(query, token=world.tokens[AGENCY]))["referrals"]["edges"]
    assert edge["node"] == {
        "household": {"id": world.ids["Household"]["A"]},
        "decision": {"id": world.ids["EligibilityDecision"]["A"]},
        "agency": {"id": world.ids["Agency"]["A"]},
    }


async def test_a_staff_page_of_households_lists_their_pairings(api: GraphQLClient, world: World) -> None:
    """Through the page's prefetch too, a household's pairings are those the caller may see."""
    query = "{ households(first: 10) { edges { node { sponsorships { id sponsor { id } } } } } }"
    [edge] = (await api(query, token=world.tokens[STAFF]))["households"]["edges"]
    assert edge["node"]["sponsorships"] == [
        {"id": world.ids["Sponsorship"]["A"], "sponsor": {"id": world.ids["Organization"]["A"]}}
    ]
