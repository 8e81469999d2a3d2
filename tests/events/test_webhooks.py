"""Webhooks end to end against a local HTTP receiver (uvicorn on a free port, allowed by the
development setting LIANXIN_WEBHOOK_ALLOW_PRIVATE_TARGETS): endpoints through
GraphQL, fan-out from the event log, signatures the documented example verifies, retries on 5xx and
429, no retry on 400, dead-letter after the (injected) schedule, redelivery, agency scoping."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from gqlws import example, serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin.core.tokens import Role
from lianxin.events.outbox import record_event
from lianxin.notification import webhook
from lianxin.notification.channels.webhook import new_secret, verify
from lianxin.notification.models import DeliveryStatus
from lianxin.notification.retry import RetrySchedule

from conftest import make_token

# milliseconds apart; the retry test's window is long (a loaded machine must not exhaust it), the
# dead-letter test's short
FAST = RetrySchedule(
    base=timedelta(milliseconds=10), cap=timedelta(milliseconds=20), window=timedelta(hours=1)
)
SHORT = RetrySchedule(
    base=timedelta(milliseconds=10), cap=timedelta(milliseconds=20), window=timedelta(milliseconds=300)
)
CREATE = """mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
  endpoint { id url eventTypes agencyId } secret errors { code field } } }"""
DELIVERIES = """query($status: WebhookDeliveryStatus) { webhookDeliveries(status: $status) { edges { node {
  id eventId eventType status attemptCount lastError createdAt deadAt attempts { statusCode error attemptedAt } } } } }"""


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """The receiver listens on 127.0.0.1: only the development setting lets webhooks go there."""
    return settings.model_copy(update={"webhook_allow_private_targets": True})


@pytest.fixture(scope="module")
async def app(settings: Settings, migrated: str) -> AsyncIterator[Any]:
    """The API with those settings (the session's app refuses loopback targets)."""
    from lianxin_api.app import create_app

    async with LifespanManager(create_app(settings)) as manager:
        yield manager.app


DEV = webhook.TargetPolicy(allow_private=True)


def nodes(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in data["webhookDeliveries"]["edges"]]


@dataclass
class Receiver:
    """Answers with the queued status codes (then 200) and verifies every signature it gets."""

    secret: str = ""
    statuses: deque[int] = field(default_factory=deque)
    received: list[tuple[str, dict[str, Any], bool]] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        # the Standard Webhooks signature (the documented receiver, the library) and the original header
        standard = example.verify(example.webhook_for(self.secret), request.headers, body) is not None
        legacy = verify(self.secret, request.headers["Lianxin-Signature"], body, now=time.time())
        self.received.append(
            (request.headers["Lianxin-Event-Id"], __import__("json").loads(body), standard and legacy)
        )
        return Response(status_code=self.statuses.popleft() if self.statuses else 200)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    r = Receiver()
    async with serve(Starlette(routes=[Route("/hook", r.handle, methods=["POST"])])) as port:
        yield r, f"http://127.0.0.1:{port}/hook"


async def register(gql: Any, url: str, token: str = "admin", **extra: Any) -> tuple[str, str]:
    data = (await gql(CREATE, {"input": {"url": url, **extra}}, token=token))["createWebhookEndpoint"]
    assert data["errors"] == [], data
    return data["endpoint"]["id"], data["secret"]


async def emit(
    pool: Pool, type_: str = "household.updated", region: str | None = "371002", **payload: Any
) -> int:
    async with pool.acquire() as conn:
        return await record_event(conn, type_, "SG91c2Vob2xkOjE", payload, region)


async def one_round(pool: Pool, schedule: RetrySchedule = FAST) -> dict[DeliveryStatus, int]:
    async with pool.acquire() as conn:
        while await webhook.fan_out(conn):
            pass
    async with httpx.AsyncClient(timeout=5) as client:
        return await webhook.deliver_due(pool, client, schedule, policy=DEV)


async def run_round(pool: Pool, within: float = 10) -> dict[DeliveryStatus, int]:
    """Rounds until one sends something. The reader's horizon is cluster-wide: a transaction open
    elsewhere on the same PostgreSQL (another test run) can hold new events back for a moment."""
    import asyncio

    async with asyncio.timeout(within):
        while not (outcome := await one_round(pool)):  # noqa: ASYNC110 - polling the database
            await asyncio.sleep(0.02)
    return outcome


async def until(pool: Pool, done: Any, within: float = 15, schedule: RetrySchedule = FAST) -> None:
    """Run delivery rounds until `done()` holds (the injected schedule is milliseconds long)."""
    import asyncio

    async with asyncio.timeout(within):
        while True:
            await one_round(pool, schedule)
            if await done():
                return
            await asyncio.sleep(0.01)


async def test_a_delivery_is_signed_once_and_the_secret_is_shown_once(
    gql: Any, pool: Pool, receiver: tuple[Receiver, str]
) -> None:
    r, url = receiver
    endpoint_id, secret = await register(gql, url, eventTypes=["household.*"])
    assert secret.startswith("whsec_")
    r.secret = secret
    listed = await gql("{ webhookEndpoints { id url eventTypes } }")
    assert listed["webhookEndpoints"] == [{"id": endpoint_id, "url": url, "eventTypes": ["household.*"]}]
    event_id = await emit(pool, name="一")
    await emit(pool, "union.created", name="not wanted")
    assert await run_round(pool) == {DeliveryStatus.DELIVERED: 1}
    [(header_id, body, valid)] = r.received
    assert valid
    assert header_id == body["id"]
    assert (body["type"], body["payload"], body["subjectId"]) == (
        "household.updated",
        {"name": "一"},
        "SG91c2Vob2xkOjE",
    )
    assert body["cursor"]
    assert body["occurredAt"].endswith("+00:00")
    # a second round sends nothing more; a tampered body or another secret would not verify
    assert await one_round(pool) == {}
    assert example.verify(example.webhook_for(new_secret()), {"webhook-id": "x"}, b"{}") is None
    data = nodes(await gql(DELIVERIES))
    assert [(d["status"], d["attemptCount"], [a["statusCode"] for a in d["attempts"]]) for d in data] == [
        ("DELIVERED", 1, [200])
    ]
    assert data[0]["eventId"] == body["id"]
    assert event_id > 0


async def test_5xx_and_429_are_retried_400_is_not(
    gql: Any, pool: Pool, receiver: tuple[Receiver, str]
) -> None:
    r, url = receiver
    _, r.secret = await register(gql, url)
    r.statuses.extend([500, 429])
    await emit(pool, name="retried")
    assert await run_round(pool) == {DeliveryStatus.PENDING: 1}

    async def delivered() -> bool:
        return any(d["status"] == "DELIVERED" for d in nodes(await gql(DELIVERIES)))

    await until(pool, delivered)
    [d] = nodes(await gql(DELIVERIES))
    assert [a["statusCode"] for a in d["attempts"]] == [500, 429, 200]
    assert len(r.received) == 3
    assert all(v for _, _, v in r.received)
    # a 400 is final: FAILED after one attempt, never retried
    r.statuses.append(400)
    await emit(pool, name="refused")
    assert await run_round(pool) == {DeliveryStatus.FAILED: 1}
    assert await one_round(pool) == {}
    failed = nodes(await gql(DELIVERIES, {"status": "FAILED"}))
    assert [(f["attemptCount"], f["attempts"][0]["statusCode"]) for f in failed] == [(1, 400)]
    assert failed[0]["lastError"].startswith("HTTP 400 after ")
    assert failed[0]["lastError"].endswith(" ms")


async def test_dead_letter_after_the_schedule_then_redeliver(
    gql: Any, pool: Pool, receiver: tuple[Receiver, str]
) -> None:
    r, url = receiver
    _, r.secret = await register(gql, url)
    r.statuses.extend([503] * 1000)
    await emit(pool, name="doomed")

    async def dead() -> bool:
        return bool(nodes(await gql(DELIVERIES, {"status": "DEAD"})))

    await until(pool, dead, schedule=SHORT)
    [d] = nodes(await gql(DELIVERIES, {"status": "DEAD"}))
    assert d["deadAt"] is not None
    # the last attempt came only after the whole window since the first
    created, last = (
        datetime.fromisoformat(d["createdAt"]),
        datetime.fromisoformat(d["attempts"][-1]["attemptedAt"]),
    )
    assert last - created >= timedelta(milliseconds=300)
    assert all(a["statusCode"] == 503 for a in d["attempts"])
    sent = len(r.received)
    assert await one_round(pool) == {}  # dead-lettered: no more attempts
    assert len(r.received) == sent
    # redelivery (the receiver is fixed) sends it again now
    r.statuses.clear()
    again = await gql(
        "mutation($id: ID!) { redeliverWebhook(id: $id) { delivery { status } errors { code } } }",
        {"id": d["id"]},
    )
    assert again["redeliverWebhook"] == {"delivery": {"status": "PENDING"}, "errors": []}
    assert await run_round(pool) == {DeliveryStatus.DELIVERED: 1}
    assert r.received[-1][1]["payload"] == {"name": "doomed"}
    missing = await gql(
        'mutation { redeliverWebhook(id: "V2ViaG9va0RlbGl2ZXJ5Ojk5OQ") { delivery { id } errors { code } } }'
    )
    assert missing["redeliverWebhook"] == {"delivery": None, "errors": [{"code": "NOT_FOUND"}]}


async def test_an_agency_endpoint_gets_its_region_only_and_sees_only_its_own(
    gql: Any, pool: Pool, receiver: tuple[Receiver, str]
) -> None:
    r, url = receiver
    created = await gql(
        'mutation { createAgency(input: {name: "环翠区民政局", regionCode: "371002"}) { agency { id } } }'
    )
    agency_gid = created["createAgency"]["agency"]["id"]
    from lianxin.core.ids import parse_global_id

    parsed = parse_global_id(agency_gid)
    assert parsed is not None
    agency = make_token(Role.CIVIL_AFFAIRS, region_code="371002", agency_id=parsed[1])
    endpoint_id, r.secret = await register(gql, url, token=agency)
    admin_only, _ = await register(gql, url + "?admin")
    # another agency's token sees neither endpoint; a sponsor may not register one
    other = make_token(Role.CIVIL_AFFAIRS, region_code="370200", agency_id=999)
    assert (await gql("{ webhookEndpoints { id } }", token=other))["webhookEndpoints"] == []
    refused = await gql.raw(CREATE, {"input": {"url": url}}, token=make_token(Role.SPONSOR, sponsor_id=1))
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for region in ["371002", "370200", None]:
        await emit(pool, region=region, name=str(region))

    async def all_four() -> bool:
        return len(r.received) >= 4

    await until(pool, all_four)
    to_agency = [b["payload"]["name"] for _, b, _ in r.received if len(r.received) and b]
    assert sorted(to_agency) == sorted(["371002", "371002", "370200", "None"])
    mine = (await gql("{ webhookEndpoints { id } }", token=agency))["webhookEndpoints"]
    assert mine == [{"id": endpoint_id}]
    assert admin_only != endpoint_id
    bad = (await gql(CREATE, {"input": {"url": "ftp://x"}}))["createWebhookEndpoint"]
    assert bad["errors"] == [{"code": "INVALID_URL", "field": ["url"]}]


async def test_the_worker_task_fans_out_and_delivers(
    gql: Any, pool: Pool, settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    from lianxin_worker.tasks.notification import dispatch_webhooks

    r, url = receiver
    _, r.secret = await register(gql, url)
    await emit(pool, name="via worker")
    ctx: Any = {"pool": pool, "settings": settings}
    assert await dispatch_webhooks(ctx) == "1 events fanned out, sent: {'DELIVERED': 1}"
    assert [b["payload"] for _, b, v in r.received if v] == [{"name": "via worker"}]


SET_ACTIVE = """mutation($id: ID!, $active: Boolean!) { setWebhookEndpointActive(id: $id, active: $active) {
  endpoint { id active } errors { field code } } }"""


async def test_a_deactivated_endpoint_gets_nothing_until_reactivated(
    gql: Any, pool: Pool, receiver: tuple[Receiver, str]
) -> None:
    r, url = receiver
    endpoint_id, r.secret = await register(gql, url)
    r.statuses.append(500)
    await emit(pool, name="pending")
    assert await run_round(pool) == {DeliveryStatus.PENDING: 1}
    off = (await gql(SET_ACTIVE, {"id": endpoint_id, "active": False}))["setWebhookEndpointActive"]
    assert off == {"endpoint": {"id": endpoint_id, "active": False}, "errors": []}
    await emit(pool, name="while off")
    # the pending delivery waits (its retry is long due) and the new event makes no delivery at all
    await asyncio.sleep(0.1)
    for _ in range(5):
        assert await one_round(pool) == {}
    assert len(r.received) == 1
    assert [(d["status"], d["attemptCount"]) for d in nodes(await gql(DELIVERIES))] == [("PENDING", 1)]
    listed = await gql("{ webhookEndpoints { id active } }")
    assert listed["webhookEndpoints"] == [{"id": endpoint_id, "active": False}]
    on = (await gql(SET_ACTIVE, {"id": endpoint_id, "active": True}))["setWebhookEndpointActive"]
    assert on == {"endpoint": {"id": endpoint_id, "active": True}, "errors": []}
    assert await run_round(pool) == {DeliveryStatus.DELIVERED: 1}
    await emit(pool, name="after")
    assert await run_round(pool) == {DeliveryStatus.DELIVERED: 1}
    assert [b["payload"]["name"] for _, b, _ in r.received] == ["pending", "pending", "after"]
    # both changes are in the audit trail, each naming the endpoint
    async with pool.acquire() as conn:
        audited = await conn.fetch(
            "SELECT entity_ids, outcome FROM audit_entry WHERE operation = 'setWebhookEndpointActive' ORDER BY id"
        )
    assert [(list(a["entity_ids"]), list(a["outcome"])) for a in audited] == [([endpoint_id], ["OK"])] * 2


async def test_only_the_owner_may_deactivate_an_endpoint(
    gql: Any, pool: Pool, receiver: tuple[Receiver, str]
) -> None:
    from lianxin.core.ids import parse_global_id

    _, url = receiver
    created = await gql(
        'mutation { createAgency(input: {name: "环翠区民政局", regionCode: "371002"}) { agency { id } } }'
    )
    parsed = parse_global_id(created["createAgency"]["agency"]["id"])
    assert parsed is not None
    agency = make_token(Role.CIVIL_AFFAIRS, region_code="371002", agency_id=parsed[1])
    own, _ = await register(gql, url, token=agency)
    admins, _ = await register(gql, url + "?admin")
    # an agency may switch its own endpoint, not the administrator's; another agency not even its
    result = (await gql(SET_ACTIVE, {"id": own, "active": False}, token=agency))["setWebhookEndpointActive"]
    assert result == {"endpoint": {"id": own, "active": False}, "errors": []}
    refused = (await gql(SET_ACTIVE, {"id": admins, "active": False}, token=agency))[
        "setWebhookEndpointActive"
    ]
    assert refused == {"endpoint": None, "errors": [{"field": ["id"], "code": "NOT_FOUND"}]}
    other = make_token(Role.CIVIL_AFFAIRS, region_code="370200", agency_id=999)
    refused = (await gql(SET_ACTIVE, {"id": own, "active": True}, token=other))["setWebhookEndpointActive"]
    assert refused["errors"] == [{"field": ["id"], "code": "NOT_FOUND"}]
    bad = (await gql(SET_ACTIVE, {"id": "nope", "active": True}))["setWebhookEndpointActive"]
    assert bad == {"endpoint": None, "errors": [{"field": ["id"], "code": "INVALID_ID"}]}
    for role in (Role.AUDITOR, Role.SPONSOR, Role.UNION_STAFF):
        denied = await gql.raw(SET_ACTIVE, {"id": own, "active": True}, token=make_token(role, union_id=1))
        assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with pool.acquire() as conn:
        states = await conn.fetch("SELECT active FROM webhook_endpoint ORDER BY id")
    assert [s["active"] for s in states] == [False, True]


async def test_deliveries_page_by_cursor(gql: Any, pool: Pool, receiver: tuple[Receiver, str]) -> None:
    r, url = receiver
    _, r.secret = await register(gql, url)
    for n in range(5):
        await emit(pool, name=str(n))

    async def all_five() -> bool:
        return len(r.received) >= 5

    await until(pool, all_five)
    page = """query($first: Int, $after: String) { webhookDeliveries(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id attempts { statusCode } } } } }"""
    seen: list[str] = []
    after = None
    sizes = []
    while True:
        data = (await gql(page, {"first": 2, "after": after}))["webhookDeliveries"]
        assert data["totalCount"] == 5
        assert all(e["node"]["attempts"] == [{"statusCode": 200}] for e in data["edges"])
        sizes.append(len(data["edges"]))
        seen += [e["node"]["id"] for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert sizes == [2, 2, 1]
    assert len(set(seen)) == 5
    other = make_token(Role.CIVIL_AFFAIRS, region_code="370200", agency_id=999)
    assert (await gql(page, {"first": 2}, token=other))["webhookDeliveries"] == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [],
    }
