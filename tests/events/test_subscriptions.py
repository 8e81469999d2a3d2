"""`subscription events` over a real websocket (uvicorn on a free port, graphql-transport-ws):
replay after a cursor then live, reconnects that miss nothing, authentication, filtering by caller,
the per-connection cap, server keep-alive pings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from gqlws import GqlWs, live_server
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin.core.tokens import Role
from lianxin.events.outbox import record_event
from lianxin.events.reader import START, encode_cursor, horizon, read_events

from conftest import make_token

CREATE_UNION = """mutation($name: String!, $region: String!) {
  createUnion(input: {name: $name, kind: FEDERATION, regionCode: $region}) { union { id } errors { code } } }"""


@pytest.fixture
async def server(settings: Settings, migrated: str) -> AsyncIterator[str]:
    async with live_server(settings.model_copy(update={"ws_ping_seconds": 0.3})) as url:
        yield url


@pytest.fixture
async def http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    base = server.replace("ws://", "http://").removesuffix("/graphql")
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {make_token()}"}) as c:
        yield c


async def create_union(http: httpx.AsyncClient, name: str, region: str = "371000") -> str:
    body = (
        await http.post(
            "/graphql", json={"query": CREATE_UNION, "variables": {"name": name, "region": region}}
        )
    ).json()
    assert body["data"]["createUnion"]["errors"] == [], body
    union_id: str = body["data"]["createUnion"]["union"]["id"]
    return union_id


def names(events: list[dict[str, Any]]) -> list[str]:
    return [e["payload"]["name"] for e in events]


async def readable(pool: Pool, count: int) -> None:
    """Wait until `count` events are below the commit horizon (which is cluster-wide: a parallel
    test's open transaction elsewhere on the server can hold it back for a moment)."""
    async with asyncio.timeout(10):
        while True:
            async with pool.acquire() as conn:
                if len(await read_events(conn, START)) >= count:
                    return
            await asyncio.sleep(0.01)


async def test_live_then_replay_after_a_cursor_then_live_again(
    server: str, http: httpx.AsyncClient, pool: Pool
) -> None:
    # Given a subscriber from now on, and an event from before it subscribed
    await create_union(http, "之前")
    await readable(pool, 1)
    first = await GqlWs.open(server, make_token())
    await first.subscribe("1", after=None, types=["union.created"])
    await first.nothing_within(0.3)
    # When two unions are created over HTTP
    u1 = await create_union(http, "一")
    await create_union(http, "二")
    # Then it gets exactly those, live, in order, with the Event fields
    live = await first.events(2)
    assert names(live) == ["一", "二"]
    assert (live[0]["type"], live[0]["subjectId"]) == ("union.created", u1)
    assert live[0]["occurredAt"].endswith("+00:00")
    # A second subscriber after the first cursor replays the rest, then streams live
    second = await GqlWs.open(server, make_token())
    await second.subscribe("s", after=live[0]["cursor"], types=["union.created"])
    assert names(await second.events(1)) == ["二"]
    await create_union(http, "三")
    assert names(await second.events(1)) == ["三"]
    assert names(await first.events(1)) == ["三"]
    await first.close()
    await second.close()


async def test_a_reconnect_with_the_last_cursor_gets_exactly_the_missed_events(
    server: str, http: httpx.AsyncClient, pool: Pool
) -> None:
    client = await GqlWs.open(server, make_token())
    await client.subscribe("1", after=await now_cursor(pool), types=["union.created"])
    await create_union(http, "甲")
    last = (await client.events(1))[0]["cursor"]
    # When the subscriber goes away and events happen meanwhile
    await client.close()
    for name in ["乙", "丙", "丁"]:
        await create_union(http, name)
    # Then reconnecting with its last cursor replays exactly those, in order, then goes on live
    again = await GqlWs.open(server, make_token())
    await again.subscribe("2", after=last, types=["union.created"])
    assert names(await again.events(3)) == ["乙", "丙", "丁"]
    await again.nothing_within(0.3)
    await create_union(http, "戊")
    assert names(await again.events(1)) == ["戊"]
    assert again.pings >= 1  # the server pings (strawberry itself does not); the client answered
    await again.close()


async def test_an_unauthenticated_or_forged_connection_init_is_refused(server: str) -> None:
    for payload in [{}, {"Authorization": "Bearer not-a-token"}]:
        async with connect(server, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send('{"type": "connection_init", "payload": ' + __import__("json").dumps(payload) + "}")
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4403


async def now_cursor(pool: Pool) -> str:
    """A cursor for "now": subscribing with it leaves no race with the server registering the stream."""
    async with pool.acquire() as conn:
        return encode_cursor(await horizon(conn))


async def test_an_agency_sees_only_its_region_and_a_sponsor_nothing(server: str, pool: Pool) -> None:
    now = await now_cursor(pool)
    agency = await GqlWs.open(server, make_token(Role.CIVIL_AFFAIRS, region_code="371002"))
    await agency.subscribe("a", after=now)
    staff = await GqlWs.open(server, make_token(Role.UNION_STAFF, union_id=1))
    await staff.subscribe("s", after=now)
    sponsor = await GqlWs.open(server, make_token(Role.SPONSOR, sponsor_id=1))
    await sponsor.subscribe("x")
    refused = await sponsor.receive()
    assert refused["type"] == "next"
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with pool.acquire() as conn, conn.transaction():
        for name, region in [
            ("inside", "371002"),
            ("elsewhere", "370200"),
            ("city", "371000"),
            ("none", None),
        ]:
            await record_event(conn, "household.updated", "h", {"name": name}, region)
    assert names(await agency.events(1)) == ["inside"]
    # events about households of no union a staff member's union could contain: none is the staff's
    await asyncio.gather(agency.nothing_within(0.3), staff.nothing_within(0.3))
    for client in (agency, staff, sponsor):
        await client.close()


async def test_bad_cursors_and_the_per_connection_cap(server: str) -> None:
    client = await GqlWs.open(server, make_token())
    await client.subscribe("bad", after="not-a-cursor")
    message = await client.receive()
    assert message["payload"]["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    assert (await client.receive())["type"] == "complete"
    for i in range(20):
        await client.subscribe(f"op{i}")
    await client.subscribe("one-too-many")
    message = await client.receive()
    assert (message["id"], message["type"]) == ("one-too-many", "error")
    assert message["payload"][0]["message"] == "Subscription limit reached"
    await client.close()
