"""`reminder.due` events over a real websocket and to agency webhooks: union staff get their
subtree's, a sponsor (subscribed to `reminder.*` only) its own pairings', an agency none."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from gqlws import GqlWs, live_server

from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.events.reader import encode_cursor, horizon
from lianxin.notification import webhook
from lianxin.organization.models import OrganizationKind
from lianxin.reminder import service
from lianxin.reminder.service import ReminderSchedule
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_household, make_organization, make_sponsorship, make_union

DAY = date(2026, 9, 20)  # Mid-Autumn in 5 days: festival visits due (and Q3's condolence money)
TYPES = ["reminder.due"]


@pytest.fixture
async def server(settings: Settings, migrated: str) -> AsyncIterator[str]:
    async with live_server(settings) as url:
        yield url


async def test_each_subscriber_gets_the_reminders_it_may_see(server: str, pool: Pool) -> None:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    other = await make_union(pool, name="青岛市总工会", region_code="370200")
    first = await make_organization(pool, name="威海城建集团", kind=OrganizationKind.SPONSOR)
    second = await make_organization(pool, name="威海商业银行", kind=OrganizationKind.SPONSOR)
    mine = await make_household(pool, district.id, archived_on=date(2025, 1, 1))
    theirs = await make_household(pool, other.id, region_code="370202", archived_on=date(2025, 1, 1))
    await make_sponsorship(pool, mine, first.id, date(2025, 1, 1))
    await make_sponsorship(pool, theirs, second.id, date(2025, 1, 1))
    async with pool.acquire() as conn:
        now = encode_cursor(await horizon(conn))

    clients = {
        "staff": await GqlWs.open(server, make_token(Role.UNION_STAFF, union_id=root.id)),
        "other_staff": await GqlWs.open(server, make_token(Role.UNION_STAFF, union_id=other.id)),
        "sponsor": await GqlWs.open(server, make_token(Role.SPONSOR, sponsor_id=first.id)),
        "agency": await GqlWs.open(server, make_token(Role.CIVIL_AFFAIRS, region_code="371002", agency_id=1)),
    }
    for name, client in clients.items():
        await client.subscribe(name, after=now, types=TYPES)
    # a sponsor may not subscribe to anything but reminders
    refused = await GqlWs.open(server, make_token(Role.SPONSOR, sponsor_id=first.id))
    await refused.subscribe("all", after=now, types=["household.*", "reminder.due"])
    message = await refused.receive()
    assert message["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    async with pool.acquire() as conn:
        result = await service.scan_reminders(conn, ReminderSchedule(), DAY)
    assert result.total == 4  # two condolence, two festival

    staff = await clients["staff"].events(2)
    assert {(e["subjectId"], e["payload"]["kind"]) for e in staff} == {
        (to_global_id("Household", mine), "CONDOLENCE_DUE"),
        (to_global_id("Household", mine), "FESTIVAL_VISIT_DUE"),
    }
    other_staff = await clients["other_staff"].events(2)
    assert {e["subjectId"] for e in other_staff} == {to_global_id("Household", theirs)}
    [festival] = await clients["sponsor"].events(1)
    assert festival["type"] == "reminder.due"
    assert (festival["payload"]["kind"], festival["payload"]["sponsorId"], festival["payload"]["period"]) == (
        "FESTIVAL_VISIT_DUE",
        to_global_id("Organization", first.id),
        "2026-MID_AUTUMN",
    )
    for name in ("staff", "other_staff", "sponsor", "agency"):
        await clients[name].nothing_within(0.3 if name != "agency" else 0.5)
    for client in [*clients.values(), refused]:
        await client.close()


async def test_agency_webhooks_get_no_reminders_but_admin_endpoints_do(pool: Pool) -> None:
    union = await make_union(pool, name="环翠区总工会", region_code="371002")
    await make_household(pool, union.id, archived_on=date(2025, 1, 1))
    async with pool.acquire() as conn:
        agency = await conn.fetchval(
            "INSERT INTO agency (name, region_code) VALUES ('环翠区民政局', '371002') RETURNING id"
        )
        for owner in (agency, None):
            await conn.execute(
                "INSERT INTO webhook_endpoint (agency_id, url, secret, created_by, created_at) "
                "VALUES ($1, 'http://127.0.0.1:9/hook', 'whsec_x', 'test', now() - interval '1 minute')",
                owner,
            )
        await service.scan_reminders(conn, ReminderSchedule(), DAY)
        while await webhook.fan_out(conn):
            pass
        deliveries = await conn.fetch(
            "SELECT e.agency_id, d.event_type FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id"
            " ORDER BY d.id"
        )
    # the agency gets neither the reminder nor the union's creation: union casework and the union tree
    # are not the agency's records (GraphQL shows it neither), so not its events either
    assert sorted((d["agency_id"] is None, d["event_type"]) for d in deliveries) == [
        (True, "reminder.due"),
        (True, "union.created"),
    ]
