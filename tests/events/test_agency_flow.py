"""The issue's "done when": an agency subscribes over a real websocket, a caseworker edits a household
over HTTP, the worker decides it, and the agency sees `household.updated` then `eligibility.decided`
live; a webhook receiver gets the same events, signed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from arq.worker import Worker
from asgi_lifespan import LifespanManager
from gqlws import GqlWs, example, live_server, serve
from test_webhooks import Receiver

from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin.core.ids import parse_global_id, to_global_id
from lianxin.core.tokens import Role
from lianxin.eligibility import DEMO_PARAMETERS
from lianxin.trade_union.models import UnionKind
from lianxin_worker.main import worker_settings
from lianxin_worker.tasks.notification import dispatch_webhooks

from conftest import make_token
from factories import make_union, member_input

UPDATE = """mutation($input: UpdateHouseholdInput!) { updateHousehold(input: $input) { errors { code } } }"""


async def drain(settings: Settings) -> None:
    worker = Worker(**{**worker_settings(settings, burst=True), "cron_jobs": []})
    await worker.main()
    await worker.close()


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """The webhook receiver listens on 127.0.0.1: only the development setting lets webhooks go there."""
    return settings.model_copy(update={"webhook_allow_private_targets": True})


@pytest.fixture(scope="module")
async def app(settings: Settings, migrated: str) -> AsyncIterator[Any]:
    from lianxin_api.app import create_app

    async with LifespanManager(create_app(settings)) as manager:
        yield manager.app


@pytest.fixture
async def server(settings: Settings, migrated: str) -> AsyncIterator[str]:
    async with live_server(settings) as url:
        yield url


async def test_an_agency_sees_an_edit_and_its_decision_live_and_by_webhook(
    server: str, gql: Any, pool: Pool, settings: Settings
) -> None:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    await gql(
        """mutation($p: JSON!) { publishDibaoPolicy(input: {regionCode: "371000", effectiveFrom: "2020-01-01",
           parameters: $p}) { errors { code } } }""",
        {"p": DEMO_PARAMETERS},
    )
    agency = await gql(
        'mutation { createAgency(input: {name: "环翠区民政局", regionCode: "371002"}) { agency { id } } }'
    )
    parsed = parse_global_id(agency["createAgency"]["agency"]["id"])
    assert parsed is not None
    agency_token = make_token(Role.CIVIL_AFFAIRS, region_code="371002", agency_id=parsed[1])
    household = {
        "unionId": to_global_id("TradeUnion", district.id),
        "archiveNo": "WH0200",
        "level": "MUNICIPAL",
        "category": "DEEP",
        "hardshipReasons": ["ILLNESS"],
        "regionCode": "371002",
        "members": [member_input("HEAD", "19770101", health="CRITICAL_ILLNESS", employment="FLEXIBLE")],
        "incomes": [{"kind": "WAGE", "monthlyAmount": "3000.00", "memberIndex": 0}],
    }
    created = await gql(
        "mutation($i: CreateHouseholdInput!) { createHousehold(input: $i) { household { id } } }",
        {"i": household},
    )
    hid = created["createHousehold"]["household"]["id"]
    await drain(settings)

    receiver = Receiver()
    async with serve_receiver(receiver) as url:
        hook = await gql(
            """mutation($u: String!) { createWebhookEndpoint(input: {url: $u,
               eventTypes: ["household.updated", "eligibility.decided"]}) { secret errors { code } } }""",
            {"u": url},
            token=agency_token,
        )
        receiver.secret = hook["createWebhookEndpoint"]["secret"]
        # Given the agency subscribed
        client = await GqlWs.open(server, agency_token)
        await client.subscribe("1", types=["household.updated", "eligibility.decided"])
        await client.nothing_within(0.3)
        # When a caseworker lowers the household's income over HTTP and the worker decides it
        base = server.replace("ws://", "http://").removesuffix("/graphql")
        staff = make_token(Role.UNION_STAFF, union_id=district.id)
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {staff}"}) as http:
            income = [{"kind": "WAGE", "monthlyAmount": "300.00", "memberIndex": 0}]
            body = (
                await http.post(
                    "/graphql", json={"query": UPDATE, "variables": {"input": {"id": hid, "incomes": income}}}
                )
            ).json()
        assert body["data"]["updateHousehold"]["errors"] == [], body
        [updated] = await client.events(1)
        assert (updated["type"], updated["subjectId"]) == ("household.updated", hid)
        await drain(settings)
        [decided] = await client.events(1)
        # Then it sees the edit, then the decision, live
        assert (decided["type"], decided["subjectId"], decided["payload"]["outcome"]) == (
            "eligibility.decided",
            hid,
            "DIBAO",
        )
        await client.close()
        # and the webhook receiver gets the same two events, signed
        ctx: Any = {"pool": pool, "settings": settings}
        import asyncio

        async with asyncio.timeout(15):
            while len(receiver.received) < 2:
                await dispatch_webhooks(ctx)
                await asyncio.sleep(0.02)
    assert [(b["id"], b["type"], ok) for _, b, ok in receiver.received] == [
        (updated["id"], "household.updated", True),
        (decided["id"], "eligibility.decided", True),
    ]
    assert (
        example.verify is not None
    )  # the documented receiver (tests/events/test_standard_webhooks.py runs it)


def serve_receiver(receiver: Receiver) -> Any:
    from contextlib import asynccontextmanager

    from starlette.applications import Starlette
    from starlette.routing import Route

    @asynccontextmanager
    async def running() -> AsyncIterator[str]:
        async with serve(Starlette(routes=[Route("/hook", receiver.handle, methods=["POST"])])) as port:
            yield f"http://127.0.0.1:{port}/hook"

    return running()
