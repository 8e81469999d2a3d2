"""`Event.data` (issue 15): each event family typed with the API's scalars (Decimal yuan, Date, global
ids), read by a real graphql-transport-ws subscriber, replayed and live; `payload` unchanged beside it;
every event type the code writes has a family."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from gqlws import GqlWs, live_server

from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin.core.ids import to_global_id
from lianxin.events.outbox import record_event
from lianxin.events.reader import START, encode_cursor
from lianxin_api.graphql.event.types import FAMILIES, event_data

from conftest import make_token

ROOT = Path(__file__).resolve().parents[2]
DATA = """subscription($after: String, $types: [String!]) {
  events(after: $after, types: $types) { type payload data {
    __typename
    ... on EligibilityDecidedData { decisionId outcome monthlyBenefit policyId suggestedCategory categoryIncome }
    ... on AidPaidData { disbursementId batchId program period amount }
    ... on SponsorshipEventData { sponsorshipId sponsorId startedOn endedOn }
    ... on ReminderDueData { reminderId reminderKind dueOn unionPath sponsorId }
    ... on UnionEventData { name unionKind parentId }
    ... on HouseholdEventData { archiveNo version changed }
    ... on OtherEventData { eventType }
  } } }"""
H = to_global_id("Household", 7)
DECIDED = {
    "decisionId": to_global_id("EligibilityDecision", 3),
    "outcome": "DIBAO",
    "monthlyBenefitFen": 85012,
    "policyId": to_global_id("DibaoPolicy", 1),
    "suggestedCategory": "RELATIVE",
    "categoryIncomeFen": -12345,
}
PAID = {
    "program": "QUARTERLY_CONDOLENCE",
    "period": "2026Q1",
    "amount": "800.00",
    "batchId": to_global_id("AidBatch", 2),
}
PAIRED = {
    "sponsorshipId": to_global_id("Sponsorship", 4),
    "sponsorId": to_global_id("Organization", 5),
    "startedOn": "2026-01-20",
    "endedOn": None,
}


@pytest.fixture
async def server(settings: Settings, migrated: str) -> AsyncIterator[str]:
    async with live_server(settings) as url:
        yield url


async def _subscribe(server: str, after: str | None, types: list[str] | None = None) -> GqlWs:
    ws = await GqlWs.open(server, make_token())
    payload = {"query": DATA, "variables": {"after": after, "types": types}}
    await ws.send({"id": "1", "type": "subscribe", "payload": payload})
    return ws


async def test_replayed_events_carry_typed_data(server: str, pool: Pool) -> None:
    async with pool.acquire() as conn:
        await record_event(conn, "eligibility.decided", H, DECIDED, region_code="371002")
        await record_event(conn, "aid.paid", H, PAID, region_code="371002")
        await record_event(conn, "sponsorship.created", H, PAIRED, region_code="371002")
        await record_event(conn, "something.new", H, {"x": 1}, region_code="371002")
    ws = await _subscribe(server, encode_cursor(START))
    decided, paid, paired, other = await ws.events(4)
    assert decided["payload"] == DECIDED  # unchanged for existing subscribers
    assert decided["data"] == {
        "__typename": "EligibilityDecidedData",
        "decisionId": DECIDED["decisionId"],
        "outcome": "DIBAO",
        "monthlyBenefit": "850.12",
        "policyId": DECIDED["policyId"],
        "suggestedCategory": "RELATIVE",
        "categoryIncome": "-123.45",
    }
    assert paid["data"] == {
        "__typename": "AidPaidData",
        "disbursementId": None,
        "batchId": PAID["batchId"],
        "program": "QUARTERLY_CONDOLENCE",
        "period": "2026Q1",
        "amount": "800.00",
    }
    assert paired["data"] == {
        "__typename": "SponsorshipEventData",
        "sponsorshipId": PAIRED["sponsorshipId"],
        "sponsorId": PAIRED["sponsorId"],
        "startedOn": "2026-01-20",
        "endedOn": None,
    }
    assert other["data"] == {"__typename": "OtherEventData", "eventType": "something.new"}
    await ws.close()


async def test_live_events_from_mutations_carry_typed_data(server: str) -> None:
    ws = await _subscribe(server, None, ["union.*"])
    await ws.nothing_within(0.3)
    base = server.replace("ws://", "http://").removesuffix("/graphql")
    create = """mutation($input: CreateUnionInput!) { createUnion(input: $input) { union { id } errors { code } } }"""
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {make_token()}"}) as http:
        root = await http.post(
            "/graphql",
            json={
                "query": create,
                "variables": {"input": {"name": "市总", "kind": "FEDERATION", "regionCode": "371000"}},
            },
        )
        root_id = root.json()["data"]["createUnion"]["union"]["id"]
        child = {"name": "区总", "kind": "DISTRICT_FEDERATION", "regionCode": "371002", "parentId": root_id}
        made = await http.post("/graphql", json={"query": create, "variables": {"input": child}})
        assert made.json()["data"]["createUnion"]["errors"] == [], made.json()
    first, second = await ws.events(2)
    assert first["data"] == {
        "__typename": "UnionEventData",
        "name": "市总",
        "unionKind": "FEDERATION",
        "parentId": None,
    }
    assert second["data"] == {
        "__typename": "UnionEventData",
        "name": "区总",
        "unionKind": "DISTRICT_FEDERATION",
        "parentId": root_id,
    }
    assert isinstance(second["payload"]["parentId"], int)  # the payload keeps its raw number
    await ws.close()


def _written_event_types() -> set[str]:
    """Every `family.action` literal the shared code records (record_event/record_events, EVENT_TYPE)."""
    found: set[str] = set()
    for path in (ROOT / "shared" / "lianxin").rglob("*.py"):
        if "events" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "record_event" not in text and "EVENT_TYPE" not in text:
            continue
        found |= set(re.findall(r"\"([a-z_]+\.[a-z_]+)\"", text))
    return {t for t in found if not t.startswith("lianxin.") and not t.endswith((".py", ".sql", ".json"))}


def test_every_event_type_written_has_a_family() -> None:
    written = _written_event_types()
    assert {"eligibility.decided", "household.updated", "reminder.due", "aid.paid"} <= written
    assert {t.split(".")[0] for t in written} <= set(FAMILIES), written


@pytest.mark.no_db
@pytest.mark.parametrize(
    ("event_type", "payload", "expected"),
    [
        (
            "household.updated",
            {"archiveNo": "A1", "version": 3, "changed": ["address"]},
            {"changed": ["address"]},
        ),
        (
            "visit.recorded",
            {"visitId": "V", "visitedOn": "2026-03-01", "year": 2026, "round": 1, "actions": 2},
            {"round": 1},
        ),
        (
            "cooperative.year_recorded",
            {"year": 2025, "income": "1200.50", "dividend": "300.00"},
            {"year": 2025},
        ),
        (
            "mutual_aid.claim_filed",
            {"claimId": "C", "coverage": "HOSPITAL_ALLOWANCE", "amount": "50.00", "status": "FILED"},
            {"claim_id": "C"},
        ),
        ("eligibility.decided", {"monthlyBenefitFen": "not a number"}, {"monthly_benefit": None}),
        # an event written before RULES.md v2 has neither key; a stray value reads as null too
        ("eligibility.decided", {"outcome": "DIBAO"}, {"suggestedCategory": None, "categoryIncome": None}),
        (
            "eligibility.decided",
            {"suggestedCategory": "POOR", "categoryIncomeFen": 1.5},
            {"suggestedCategory": None, "categoryIncome": None},
        ),
        (
            "eligibility.decided",
            {"suggestedCategory": "DEEP", "categoryIncomeFen": 0},
            {"suggestedCategory": "DEEP", "categoryIncome": Decimal("0.00")},
        ),
    ],
)
def test_event_data_is_a_pure_function_of_the_event(
    event_type: str, payload: dict[str, Any], expected: dict[str, Any]
) -> None:
    data = event_data(event_type, payload)
    assert event_data(event_type, payload) == data
    for name, value in expected.items():
        attribute = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        assert getattr(data, attribute) == value
