"""Issue 11, *agencies receive casework events*: an event is seen as the record it is about would be
(`lianxin.access.events`). A CIVIL_AFFAIRS token reads households, decisions and referrals of its region
through GraphQL but no payment, visit, pairing, claim, reminder or union; its subscription and its
webhook endpoint now get exactly the same: household.*, eligibility.decided, referral.*, not aid.paid,
visit.recorded, sponsorship.created, mutual_aid.claim_filed, reminder.due or union.created."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from gqlws import GqlWs, live_server

from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Principal, Role
from lianxin.events.outbox import record_event
from lianxin.events.reader import StoredEvent, encode_cursor, horizon
from lianxin.events.visibility import agency_may_see, may_see
from lianxin.notification import webhook

from conftest import make_token
from factories import make_household, make_union

SEEN = ["household.updated", "eligibility.decided", "referral.created"]
NOT_SEEN = [
    "aid.paid",
    "visit.recorded",
    "sponsorship.created",
    "mutual_aid.claim_filed",
    "reminder.due",
    "union.created",
]


@pytest.fixture
async def server(settings: Settings, migrated: str) -> AsyncIterator[str]:
    async with live_server(settings) as url:
        yield url


async def _casework(pool: Pool, agency_id: int) -> None:
    """One event of each type about a household of 环翠区 (371002), as the services write them (the
    union's creation, union.created, is the factory's)."""
    union = await make_union(pool, name="环翠区总工会", region_code="371002")
    household = to_global_id("Household", await make_household(pool, union.id, archived_on=date(2025, 1, 1)))
    payloads: dict[str, dict[str, Any]] = {
        "household.updated": {"archiveNo": "HH1", "version": 2, "changed": ["status"]},
        "eligibility.decided": {"outcome": "ELIGIBLE"},
        "referral.created": {"agencyId": to_global_id("Agency", agency_id)},
        "aid.paid": {"disbursementId": to_global_id("AidDisbursement", 1), "amount": "500"},
        "visit.recorded": {"visitId": to_global_id("Visit", 1), "year": 2026, "round": 1},
        "sponsorship.created": {"sponsorId": to_global_id("Organization", 1), "startedOn": "2026-01-01"},
        "mutual_aid.claim_filed": {"claimId": to_global_id("MutualAidClaim", 1), "amount": "3000"},
        "reminder.due": {"kind": "CONDOLENCE_DUE", "period": "2026-Q3"},
    }
    async with pool.acquire() as conn, conn.transaction():
        for type_, payload in payloads.items():
            await record_event(conn, type_, household, payload, "371002")


async def test_an_agency_subscriber_gets_no_casework_events(server: str, pool: Pool) -> None:
    async with pool.acquire() as conn:
        now = encode_cursor(await horizon(conn))
    agency = await GqlWs.open(server, make_token(Role.CIVIL_AFFAIRS, region_code="371002", agency_id=7))
    await agency.subscribe("a", after=now)
    admin = await GqlWs.open(server, make_token())
    await admin.subscribe("all", after=now)
    await _casework(pool, agency_id=7)
    assert {e["type"] for e in await admin.events(len(SEEN) + len(NOT_SEEN))} == {*SEEN, *NOT_SEEN}
    assert [e["type"] for e in await agency.events(len(SEEN))] == SEEN
    await agency.nothing_within(0.3)
    for client in (agency, admin):
        await client.close()


async def test_an_agency_webhook_gets_no_casework_events(pool: Pool) -> None:
    async with pool.acquire() as conn:
        agency_id = await conn.fetchval(
            "INSERT INTO agency (name, region_code) VALUES ('环翠区民政局', '371002') RETURNING id"
        )
        for owner in (agency_id, None):  # the agency's endpoint, and an ADMIN one for comparison
            await conn.execute(
                "INSERT INTO webhook_endpoint (agency_id, url, secret, created_by, created_at) "
                "VALUES ($1, 'http://127.0.0.1:9/hook', 'whsec_x', 'test', now() - interval '1 minute')",
                owner,
            )
    await _casework(pool, agency_id)
    async with pool.acquire() as conn:
        while await webhook.fan_out(conn):
            pass
        rows = await conn.fetch(
            "SELECT e.agency_id IS NULL AS admin, d.event_type FROM webhook_delivery d "
            "JOIN webhook_endpoint e ON e.id = d.endpoint_id ORDER BY d.id"
        )
    assert sorted(r["event_type"] for r in rows if not r["admin"]) == sorted(SEEN)
    assert sorted(r["event_type"] for r in rows if r["admin"]) == sorted(SEEN + NOT_SEEN)


def _event(type_: str, region: str = "371002", **payload: Any) -> StoredEvent:
    return StoredEvent(
        id=1,
        txid=1,
        type=type_,
        subject_id=to_global_id("Household", 1),
        region_code=region,
        payload=payload,
        occurred_at=None,  # type: ignore[arg-type]
        union_path=(1, 3),
    )


@pytest.mark.parametrize("type_", NOT_SEEN[:-1])
def test_a_referral_to_the_agency_does_not_carry_casework_of_another_kind(type_: str) -> None:
    """Naming the agency in the payload opens a referral event to it, nothing else."""
    event = _event(type_, region="370200", agencyId=to_global_id("Agency", 7))
    assert not agency_may_see("371002", 7, event)
    assert agency_may_see(
        "371002", 7, _event("referral.updated", region="370200", agencyId=event.payload["agencyId"])
    )


def test_an_unknown_event_type_reaches_admin_and_auditor_only() -> None:
    event = _event("something.new")
    assert may_see(Principal("a", Role.ADMIN), event)
    assert may_see(Principal("a", Role.AUDITOR), event)
    assert not may_see(Principal("s", Role.UNION_STAFF, union_id=1), event)
    assert not may_see(Principal("c", Role.CIVIL_AFFAIRS, region_code="371002", agency_id=7), event)
