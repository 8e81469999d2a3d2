"""A generated matrix role × node kind × field, from the live schema (DESIGN.md §7): for every kind `node(id)`
resolves, every field of its type (leaf fields directly, value objects field by field, a field leading to
another record by its `id`; arguments left to their defaults, so `TradeUnion.households` is its first
page) is read by every role that sees the record, and compared with ADMIN's answer.
Each cell is ALLOW (ADMIN's value), MASK (ID numbers masked), NULL (null or empty where ADMIN's is not),
FILTER (a list without its entries outside the caller's scope, or a count or sum over such a list
below ADMIN's) or DENY (FORBIDDEN on that field); and
every record a field leads to, the caller may read through `node(id)` as well.

The cells that are not ALLOW are written out by hand in `EXPECTED` and `ELSEWHERE`: a field added without
a decision is expected to read like ADMIN's, and fails here if it does not. Tokens are scoped to side A
of the scope world. The records read: side A's; side B's where a scoped role sees them (organization and
agency B); a referral of household B to agency A, which civil affairs A sees without the household or
decision it leads to; sponsor A's ended pairing with household B and its festival reminder, which the
sponsor sees without the household. To make more fields hold data the module adds a child union and
subtree counts, expenditures and assets, a second (side B) sponsor of household A, a household of each
side in cooperative A, a leased asset and a year of accounts.

Matrix size: 577 cells in 51 (record, role) pairs over 203 fields of 17 types (23 of them leading to
another record): 538 ALLOW, 32 NULL, 6 FILTER, 1 MASK, 0 DENY (AUDITOR 225, UNION_STAFF 197,
CIVIL_AFFAIRS 82, SPONSOR 73 cells; ADMIN's answers are the reference).

Not exercised (null for ADMIN too on side A, so their cells cannot show a difference; `NOT_EXERCISED`
keeps this list exact): AidBatch.finishedAt and .regionCode, AidDisbursement.batchId and .memberId,
EligibilityRun.regionCode, Household.statusChangedOn, .statusReason and .exclusions, MutualAidClaim.reason,
Referral.reason, Sponsorship.endedOn and .endReason, DibaoSimulation.outcomeChanges and .categoryChanges
(the candidate is the published policy). (The sizes above predate RULES.md v2's fields.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from graphql import GraphQLObjectType, get_named_type, is_leaf_type, is_non_null_type
from test_node_scope import SEEN

from lianxin.core.db import Pool
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.household.resident_id import mask_resident_id
from lianxin.trade_union import repository as union_repo
from lianxin.trade_union.models import UnionKind
from lianxin_api.graphql.node import RESOLVERS
from lianxin_api.schema import schema

from conftest import GraphQLClient
from factories import make_union
from scope_world import World, api_fixture, scope_world_fixture  # noqa: F401 - registers the fixtures

pytestmark = pytest.mark.no_db

ALLOW, MASK, NULL, FILTER, DENY = "ALLOW", "MASK", "NULL", "FILTER", "DENY"
STAFF, AGENCY, SPONSOR, AUDITOR = Role.UNION_STAFF, Role.CIVIL_AFFAIRS, Role.SPONSOR, Role.AUDITOR
CROSS = "B→agency A"  # the referral of household B to agency A
ENDED = "B, ended, SA"  # sponsor A's ended pairing with household B, and its reminder
SHARED = {"DibaoPolicy", "DibaoSimulation", "MutualAidPlan"}  # one record for both sides

# (kind, field) → the roles for which the field does not read like ADMIN's; a dotted field is one of a
# value object (`contactPerson.phone`) or of each item of a list (`members.idNumber`).
EXPECTED: dict[tuple[str, str], dict[Role, str]] = {
    ("TradeUnion", "parent"): {STAFF: NULL},  # above the top of the staff's subtree
    ("Organization", "union"): {SPONSOR: NULL},
    ("Household", "contactPhone"): {SPONSOR: NULL},
    ("Household", "contactPerson.phone"): {SPONSOR: NULL},
    ("Household", "contactCardUrl"): {AGENCY: NULL, SPONSOR: NULL, AUDITOR: NULL},  # printed by staff
    ("Household", "union"): {AGENCY: NULL, SPONSOR: NULL},
    ("Household", "members.idNumber"): {AUDITOR: MASK, SPONSOR: NULL},
    ("Household", "members.health"): {SPONSOR: NULL},
    # a birth date narrows an ID number to ~500 candidates: a sponsor gets `birthYear` only
    ("Household", "members.birthDate"): {SPONSOR: NULL},
    # household A's only reason is ILLNESS, health detail a sponsor does not get (statusReason, hidden
    # from sponsors too, is empty on side A: tests/security/test_sec_sponsor.py shows it)
    ("Household", "hardshipReasons"): {SPONSOR: NULL},
    ("Household", "majorEventCasualty"): {SPONSOR: NULL},  # RULES.md v2: an injury is health detail
    # a pairing needs no finances; medical spending is health detail
    ("Household", "incomes.kind"): {SPONSOR: NULL},
    ("Household", "incomes.monthlyAmount"): {SPONSOR: NULL},
    ("Household", "incomes.memberId"): {SPONSOR: NULL},
    ("Household", "expenditures.kind"): {SPONSOR: NULL},
    ("Household", "expenditures.annualAmount"): {SPONSOR: NULL},
    ("Household", "assets.kind"): {SPONSOR: NULL},
    ("Household", "assets.value"): {SPONSOR: NULL},
    ("Household", "assets.count"): {SPONSOR: NULL},
    ("Household", "sponsorships"): {AGENCY: NULL, SPONSOR: FILTER},  # a sponsor: its own pairing only
    ("Household", "latestDecision"): {SPONSOR: NULL},
    ("Household", "decisions"): {SPONSOR: NULL},
    ("Household", "referrals"): {SPONSOR: NULL},
    ("Household", "visits"): {AGENCY: NULL, SPONSOR: NULL},
    # cooperative A has a member household of each side: the staff of union A sees side A's only
    ("Cooperative", "members.landShareMu"): {STAFF: FILTER},
    ("Cooperative", "members.joinedOn"): {STAFF: FILTER},
    ("Cooperative", "members.household"): {STAFF: FILTER},
    ("Cooperative", "memberCount"): {STAFF: FILTER},  # counted over the members listed (issue 11)
    ("Cooperative", "totalShareMu"): {STAFF: FILTER},
}
# (kind, record, field) → the same, for the other records read, where they differ from `EXPECTED`.
ELSEWHERE: dict[tuple[str, str, str], dict[Role, str]] = {
    ("Organization", "B", "union"): {STAFF: NULL},  # every organization is seen, not every union
    ("Referral", CROSS, "household"): {AGENCY: NULL},
    ("Referral", CROSS, "decision"): {AGENCY: NULL},
    ("Sponsorship", ENDED, "household"): {SPONSOR: NULL},  # no longer the sponsor's to see
    ("Sponsorship", ENDED, "endReason"): {SPONSOR: NULL},  # the caseworker's note, not the sponsor's
    ("Reminder", ENDED, "household"): {SPONSOR: NULL},
}
# Side A fields that read null or empty for ADMIN too: their cells cannot show a difference.
NOT_EXERCISED: set[tuple[str, str]] = {
    ("AidBatch", "finishedAt"),  # the batch is left QUEUED
    ("AidBatch", "regionCode"),  # a union's batch
    ("AidDisbursement", "batchId"),  # paid one by one
    ("AidDisbursement", "memberId"),  # TRAINING only
    ("EligibilityRun", "regionCode"),  # a union's run
    ("Household", "statusChangedOn"),  # ACTIVE since archived
    # no status history either (tests/security/test_sec_status_history.py: the reason hidden from sponsors)
    ("Household", "statusHistory.changedOn"),
    ("Household", "statusHistory.from"),
    ("Household", "statusHistory.to"),
    ("Household", "statusHistory.reason"),
    ("Household", "exclusions"),  # RULES.md v2: none recorded
    ("DibaoSimulation", "outcomeChanges.before"),  # the candidate is the published policy: no change
    ("DibaoSimulation", "outcomeChanges.after"),
    ("DibaoSimulation", "outcomeChanges.households"),
    ("DibaoSimulation", "categoryChanges.before"),
    ("DibaoSimulation", "categoryChanges.after"),
    ("DibaoSimulation", "categoryChanges.households"),
    ("Household", "statusReason"),
    ("MutualAidClaim", "reason"),  # not rejected
    ("Referral", "reason"),  # still open (the cross referral, rejected, has one)
    ("Sponsorship", "endReason"),  # active: the sponsor's way to household A
    ("Sponsorship", "endedOn"),
}


@dataclass(frozen=True)
class Record:
    kind: str
    label: str  # "A", "B", CROSS or ENDED
    roles: tuple[Role, ...]  # the roles besides ADMIN that see it


def _records() -> list[Record]:
    found = []
    for kind, seen in SEEN.items():
        found.append(Record(kind, "A", (AUDITOR, *(r for r, sides in seen.items() if "A" in sides))))
        on_b = tuple(r for r, sides in seen.items() if "B" in sides)
        if kind not in SHARED and on_b:
            found.append(Record(kind, "B", on_b))
    found.append(Record("Referral", CROSS, (AUDITOR, AGENCY)))
    found.extend(Record(kind, ENDED, (AUDITOR, SPONSOR)) for kind in ("Sponsorship", "Reminder"))
    return found


RECORDS = _records()
PAIRS = [(record, role) for record in RECORDS for role in record.roles]


def _is_node(object_type: GraphQLObjectType) -> bool:
    return any(i.name == "Node" for i in object_type.interfaces)


def _select(
    object_type: GraphQLObjectType, keep: Callable[[str], bool], prefix: str = ""
) -> tuple[str, dict[str, bool]]:
    """The selection of every field of `object_type` whose cell `keep` keeps (another record by its
    `id`, a value object field by field), and those cells, each saying whether it links to a record."""
    parts: list[str] = []
    cells: dict[str, bool] = {}
    for name, field in object_type.fields.items():
        assert all(not is_non_null_type(a.type) for a in field.args.values()), (object_type.name, name)
        cell = f"{prefix}{name}"
        inner = get_named_type(field.type)
        link = isinstance(inner, GraphQLObjectType) and _is_node(inner)
        if is_leaf_type(inner) or link:
            if keep(cell):
                parts.append(f"{name} {{ id }}" if link else name)
                cells[cell] = link
            continue
        assert isinstance(inner, GraphQLObjectType), (object_type.name, name, inner)
        selection, found = _select(inner, keep, f"{cell}.")
        if found:
            parts.append(f"{name} {{ {selection} }}")
            cells.update(found)
    return " ".join(parts), cells


def _kind_type(kind: str) -> GraphQLObjectType:
    found = schema._schema.type_map[kind]
    assert isinstance(found, GraphQLObjectType)
    return found


# kind → its cells, each saying whether it links to another record
CELLS: dict[str, dict[str, bool]] = {kind: _select(_kind_type(kind), lambda _: True)[1] for kind in RESOLVERS}


def _expected(record: Record, role: Role, cell: str) -> str:
    override = ELSEWHERE.get((record.kind, record.label, cell), {})
    if role in override:
        return override[role]
    return EXPECTED.get((record.kind, cell), {}).get(role, ALLOW)


def _pick(value: Any, path: Sequence[str]) -> Any:
    if not path or value is None:
        return value
    if isinstance(value, list):
        return [_pick(v, path) for v in value]
    return _pick(value[path[0]], path[1:])


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, list) and all(_empty(v) for v in value))


def _masked(value: Any) -> Any:
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return mask_resident_id(value) if isinstance(value, str) else value


def _filtered(full: Any, got: Any) -> bool:
    """`got` keeps some of the items of `full`, in order, and not all; or, for a count or a sum over
    such a list, is a smaller number."""
    if isinstance(full, int | str) and isinstance(got, int | str) and not isinstance(full, bool):
        try:
            return 0 <= Decimal(str(got)) < Decimal(str(full))
        except InvalidOperation:
            return False
    if not (isinstance(full, list) and isinstance(got, list) and 0 < len(got) < len(full)):
        return False
    rest = iter(full)
    return all(any(g == f for f in rest) for g in got)


def _verdict(full: Any, got: Any) -> str:
    if got == full:
        return ALLOW
    if _empty(got):
        return NULL
    if got == _masked(full):
        return MASK
    if _filtered(full, got):
        return FILTER
    return f"something else: {got!r} (ADMIN: {full!r})"


def _error_cells(body: dict[str, Any]) -> dict[str, str]:
    """Field errors by cell: the dotted path under `node`, list indices left out."""
    found = {}
    for error in body.get("errors", []):
        path = [p for p in error.get("path", [])[1:] if isinstance(p, str)]
        found[".".join(path)] = error.get("extensions", {}).get("code", error["message"])
    return found


async def _read(
    api: GraphQLClient, world: World, record: Record, role: Role, keep: Callable[[str], bool]
) -> Any:
    selection, _ = _select(_kind_type(record.kind), keep)
    query = f"query($id: ID!) {{ node(id: $id) {{ ... on {record.kind} {{ {selection} }} }} }}"
    return await api.raw(query, {"id": world.ids[record.kind][record.label]}, token=world.tokens[role])


ADD_MEMBER = """mutation($input: AddCooperativeMemberInput!) {
  addCooperativeMember(input: $input) { errors { code field } } }"""
ADD_ASSET = """mutation($input: AddCooperativeAssetInput!) {
  addCooperativeAsset(input: $input) { errors { code field } } }"""
RECORD_YEAR = """mutation($input: RecordCooperativeYearInput!) {
  recordCooperativeYear(input: $input) { errors { code field } } }"""
UPDATE_HOUSEHOLD = """mutation($input: UpdateHouseholdInput!) {
  updateHousehold(input: $input) { errors { code field } } }"""
PAIR = """mutation($input: CreateSponsorshipInput!) {
  createSponsorship(input: $input) { sponsorship { id } errors { code field } } }"""
END_PAIR = (
    """mutation($input: EndSponsorshipInput!) { endSponsorship(input: $input) { errors { code field } } }"""
)


async def _ok(api: GraphQLClient, query: str, payload: dict[str, Any]) -> dict[str, Any]:
    [answer] = (await api(query, {"input": payload})).values()
    assert answer["errors"] == [], answer
    return dict(answer)


@pytest.fixture(scope="module")
async def world(scope_world: World, api: GraphQLClient, pool: Pool) -> World:
    """The scope world with more fields holding data, and a few links across the sides."""
    w = scope_world
    households, cooperative = w.ids["Household"], w.ids["Cooperative"]["A"]
    child = await make_union(
        pool,
        name="竹岛街道工会",
        kind=UnionKind.GRASSROOTS,
        region_code="371002",
        parent_id=w.pk("TradeUnion", "A"),
    )
    async with pool.acquire() as conn:
        await union_repo.recount_union_and_ancestors(conn, child.id)
    for side in ("A", "B"):
        await _ok(
            api,
            UPDATE_HOUSEHOLD,
            {
                "id": households[side],
                "expenditures": [{"kind": "MEDICAL", "annualAmount": "3000"}],
                "assets": [{"kind": "DEPOSIT", "value": "2000"}],
            },
        )
        await _ok(
            api,
            ADD_MEMBER,
            {
                "cooperativeId": cooperative,
                "householdId": households[side],
                "landShareMu": "5",
                "joinedOn": "2021-03-01",
            },
        )
    await _ok(
        api,
        PAIR,
        {"householdId": households["A"], "sponsorId": w.ids["Organization"]["B"], "startedOn": "2021-01-01"},
    )
    await _ok(
        api,
        ADD_ASSET,
        {
            "cooperativeId": cooperative,
            "kind": "GREENHOUSE",
            "count": 2,
            "description": "冬暖式大棚",
            "crop": "圣女果",
            "lease": {"lessee": "种植大户", "annualRent": "6000"},
        },
    )
    await _ok(
        api,
        RECORD_YEAR,
        {"cooperativeId": cooperative, "year": w.year - 1, "income": "50000", "dividend": "20000"},
    )
    async with pool.acquire() as conn:
        referral = await conn.fetchval(
            """INSERT INTO referral (household_id, agency_id, decision_id, status, reason)
               VALUES ($1, $2, $3, 'REJECTED', '不属本辖区') RETURNING id""",
            w.pk("Household", "B"),
            w.pk("Agency", "A"),
            w.pk("EligibilityDecision", "B"),
        )
    w.add("Referral", CROSS, to_global_id("Referral", referral))
    await _ended_pairing(api, pool, w)
    return w


async def _ended_pairing(api: GraphQLClient, pool: Pool, w: World) -> None:
    """Sponsor A paired with household B once: the pairing and its festival reminder stay the sponsor's
    to see, the household does not."""
    given = {"householdId": w.ids["Household"]["B"], "sponsorId": w.ids["Organization"]["A"]}
    paired = await _ok(api, PAIR, {**given, "startedOn": "2019-06-01"})
    pairing = paired["sponsorship"]["id"]
    await _ok(api, END_PAIR, {"id": pairing, "endedOn": "2020-01-31", "reason": "单位改制"})
    w.add("Sponsorship", ENDED, pairing)
    async with pool.acquire() as conn:
        reminder = await conn.fetchval(
            """INSERT INTO reminder (kind, household_id, sponsorship_id, period, due_on)
               VALUES ('FESTIVAL_VISIT_DUE', $1, $2, $3, $4) RETURNING id""",
            w.pk("Household", "B"),
            w.pk("Sponsorship", ENDED),
            f"{w.year - 1}-MID_AUTUMN",
            date(w.year - 1, 9, 15),
        )
    w.add("Reminder", ENDED, to_global_id("Reminder", reminder))


@pytest.fixture(scope="module")
def admin_answers() -> dict[tuple[str, str], Any]:
    return {}


async def _admin(api: GraphQLClient, world: World, record: Record, cache: dict[tuple[str, str], Any]) -> Any:
    key = (record.kind, record.label)
    if key not in cache:
        body = await _read(api, world, record, Role.ADMIN, lambda _: True)
        assert "errors" not in body, body["errors"]
        assert body["data"]["node"] is not None
        cache[key] = body["data"]["node"]
    return cache[key]


def _cell_verdict(cell: str, full: Any, node: Any, errors: dict[str, str]) -> str:
    error = next((code for at, code in errors.items() if cell == at or cell.startswith(f"{at}.")), None)
    if error is not None:
        return DENY if error == "FORBIDDEN" else f"error {error}"
    path = cell.split(".")
    return _verdict(_pick(full, path), _pick(node, path))


def _ids(value: Any) -> set[str]:
    if isinstance(value, list):
        return set().union(*(_ids(v) for v in value))
    return {value["id"]} if value is not None else set()


async def _hidden_links(api: GraphQLClient, token: str, node: Any, links: list[str]) -> list[str]:
    """The records `node` links to that `node(id)` does not show the caller."""
    linked = sorted(set().union(*(_ids(_pick(node, c.split("."))) for c in links)))
    if not linked:
        return []
    query = "{ " + " ".join(f'l{i}: node(id: "{gid}") {{ id }}' for i, gid in enumerate(linked)) + " }"
    found = await api(query, token=token)
    return [gid for i, gid in enumerate(linked) if found[f"l{i}"] is None]


@pytest.mark.parametrize(
    ("record", "role"), PAIRS, ids=[f"{r.kind}-{r.label}-{role.value}" for r, role in PAIRS]
)
async def test_every_field_reads_as_the_table_says(
    api: GraphQLClient, world: World, admin_answers: dict[tuple[str, str], Any], record: Record, role: Role
) -> None:
    """One request for every field but those expected FORBIDDEN, one for each of those; every cell is
    compared with ADMIN's. Whatever a field links to, the caller may also read through `node(id)`."""
    full = await _admin(api, world, record, admin_answers)
    cells = CELLS[record.kind]
    expected = {c: _expected(record, role, c) for c in cells}
    denied = {c for c, v in expected.items() if v == DENY}
    body = await _read(api, world, record, role, lambda c: c not in denied)
    assert body["data"] is not None, body
    node = body["data"]["node"]
    assert node is not None, body
    got = {c: _cell_verdict(c, full, node, _error_cells(body)) for c in cells if c not in denied}
    for cell in denied:
        alone = _error_cells(await _read(api, world, record, role, lambda c, cell=cell: c == cell))
        got[cell] = DENY if alone == {cell: "FORBIDDEN"} else f"not refused: {alone}"
    assert {c: v for c, v in got.items() if v != expected[c]} == {}
    unexercised = [c for c, v in expected.items() if v != ALLOW and _empty(_pick(full, c.split(".")))]
    assert unexercised == []  # ADMIN sees data there: the difference is real
    links = [c for c, link in cells.items() if link and c not in denied]
    assert await _hidden_links(api, world.tokens[role], node, links) == []


async def test_the_fields_null_for_admin_too_are_those_listed(
    api: GraphQLClient, world: World, admin_answers: dict[tuple[str, str], Any]
) -> None:
    empty = set()
    for record in RECORDS:
        if record.label == "A":
            full = await _admin(api, world, record, admin_answers)
            empty |= {(record.kind, c) for c in CELLS[record.kind] if _empty(_pick(full, c.split(".")))}
    assert empty == NOT_EXERCISED


def test_every_node_kind_is_in_the_matrix() -> None:
    assert {r.kind for r in RECORDS} == set(RESOLVERS) == set(SEEN)


def test_every_entry_of_the_table_names_a_cell_and_a_role_that_reads_it() -> None:
    readers = {(r.kind, r.label): set(r.roles) for r in RECORDS}
    for (kind, cell), roles in EXPECTED.items():
        assert cell in CELLS[kind], (kind, cell)
        assert set(roles) <= readers[(kind, "A")], (kind, cell)
    for (kind, label, cell), roles in ELSEWHERE.items():
        assert cell in CELLS[kind], (kind, cell)
        assert set(roles) <= readers[(kind, label)], (kind, label, cell)


def test_the_shared_kinds_are_one_record_for_both_sides(world: World) -> None:
    assert {k for k, ids in world.ids.items() if ids["A"] == ids["B"]} == SHARED
