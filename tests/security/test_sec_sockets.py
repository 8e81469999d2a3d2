"""Stale credentials on open sockets (issue 11): a websocket's `connection_init` credential is checked
again at every `subscribe`, before every result and every LIANXIN_WS_AUTH_RECHECK_SECONDS; once it no
longer holds (API key revoked, JWT expired) the socket is closed with 4403 and nothing more is sent.
Each `subscribe` counts against the caller's rate limit. Real sockets against a live uvicorn server."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from gqlws import GqlWs, live_server
from websockets.exceptions import ConnectionClosed

from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin.core.tokens import Role
from lianxin.events.outbox import record_event
from lianxin.events.reader import encode_cursor, horizon

from conftest import make_token

RECHECK = 0.2
REGION = "371002"
CREATE_AGENCY = """mutation($region: String!) {
  createAgency(input: {name: "环翠区民政局", regionCode: $region}) { agency { id } } }"""
CREATE_KEY = """mutation($agency: ID!) {
  createApiKey(input: {agencyId: $agency, name: "民政核对系统"}) { key apiKey { id } errors { code } } }"""
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { revokedAt } errors { code } } }"


@pytest.fixture
async def server(settings: Settings, migrated: str) -> AsyncIterator[str]:
    """Rechecks every 0.2 s; 10 requests per minute per caller."""
    tuned = settings.model_copy(update={"ws_auth_recheck_seconds": RECHECK, "rate_limit_per_minute": 10})
    async with live_server(tuned) as url:
        yield url


@pytest.fixture
async def slow_server(settings: Settings, migrated: str) -> AsyncIterator[str]:
    """The default 30 s recheck: only the checks at `subscribe` and before each result can act."""
    async with live_server(settings.model_copy(update={"ws_auth_recheck_seconds": 30.0})) as url:
        yield url


def admin_http(url: str) -> httpx.AsyncClient:
    base = url.replace("ws://", "http://").removesuffix("/graphql")
    return httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {make_token()}"})


async def gql(url: str, query: str, variables: dict[str, Any]) -> Any:
    async with admin_http(url) as http:
        body = (await http.post("/graphql", json={"query": query, "variables": variables})).json()
    assert "errors" not in body, body
    return body["data"]


async def issue_key(url: str) -> tuple[str, str]:
    """An agency API key for REGION: (the key, its id)."""
    agency = (await gql(url, CREATE_AGENCY, {"region": REGION}))["createAgency"]["agency"]["id"]
    issued = (await gql(url, CREATE_KEY, {"agency": agency}))["createApiKey"]
    assert issued["errors"] == [], issued
    return issued["key"], issued["apiKey"]["id"]


async def revoke(url: str, key_id: str) -> None:
    revoked = (await gql(url, REVOKE_KEY, {"id": key_id}))["revokeApiKey"]
    assert revoked["errors"] == [], revoked
    assert revoked["apiKey"]["revokedAt"] is not None


async def now_cursor(pool: Pool) -> str:
    async with pool.acquire() as conn:
        return encode_cursor(await horizon(conn))


async def record(pool: Pool, name: str) -> None:
    async with pool.acquire() as conn:
        await record_event(conn, "household.updated", "h", {"name": name}, REGION)


def names(events: list[dict[str, Any]]) -> list[str]:
    return [e["payload"]["name"] for e in events]


async def test_a_revoked_key_closes_its_idle_subscription_within_the_recheck_interval(
    server: str, pool: Pool
) -> None:
    # Given an agency's API-key subscriber receiving events
    key, key_id = await issue_key(server)
    client = await GqlWs.open(server, key)
    await client.subscribe("1", after=await now_cursor(pool), types=["household.updated"])
    await record(pool, "before")
    assert names(await client.events(1)) == ["before"]
    # When an ADMIN revokes the key
    await revoke(server, key_id)
    revoked_at = time.monotonic()
    # Then the socket is closed with 4403 within the recheck interval (plus scheduling slack)
    assert await client.closed(within=RECHECK + 1) == 4403
    assert time.monotonic() - revoked_at < RECHECK + 0.5
    # and an event written afterwards reaches nobody on it
    await record(pool, "after")
    assert client.ws.close_code == 4403


async def test_no_event_written_after_the_revocation_is_delivered(slow_server: str, pool: Pool) -> None:
    # Given an API-key subscriber on a server that rechecks only every 30 s
    key, key_id = await issue_key(slow_server)
    client = await GqlWs.open(slow_server, key)
    await client.subscribe("1", after=await now_cursor(pool), types=["household.updated"])
    await record(pool, "before")
    assert names(await client.events(1)) == ["before"]
    # When the key is revoked and an event is written right after
    await revoke(slow_server, key_id)
    await record(pool, "after")
    # Then the event is not sent: the socket is closed with 4403 first (long before the 30 s recheck)
    assert await client.closed(within=5) == 4403


async def test_a_subscribe_after_revocation_replays_nothing(slow_server: str, pool: Pool) -> None:
    # Given history the agency may see, and a socket opened while its key was valid
    early = await now_cursor(pool)
    await record(pool, "history")
    key, key_id = await issue_key(slow_server)
    client = await GqlWs.open(slow_server, key)
    # When the key is revoked and the same connection subscribes from an early cursor
    await revoke(slow_server, key_id)
    await client.subscribe("late", after=early, types=["household.updated"])
    # Then no history is replayed: the socket is closed with 4403
    assert await client.closed(within=5) == 4403


async def test_an_expired_jwt_never_replays_history(slow_server: str, pool: Pool) -> None:
    # Given history, and a connection acknowledged with a JWT about to expire
    early = await now_cursor(pool)
    await record(pool, "history")
    token = make_token(ttl=timedelta(seconds=2))
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    client = await GqlWs.open(slow_server, token)
    # When it has expired and the same connection subscribes from an early cursor
    await asyncio.sleep(max(0.0, expires - time.time()) + 0.1)
    with contextlib.suppress(ConnectionClosed):  # the server may have closed it at `exp` already
        await client.subscribe("late", after=early, types=["household.updated"])
    # Then no history is replayed: the socket is closed with 4403 (at `exp`, not after the 30 s recheck)
    assert await client.closed(within=5) == 4403


async def test_valid_credentials_survive_rechecks(server: str, pool: Pool) -> None:
    # Given a JWT subscriber and an API-key subscriber
    key, _ = await issue_key(server)
    clients = [
        await GqlWs.open(server, make_token(Role.CIVIL_AFFAIRS, region_code=REGION)),
        await GqlWs.open(server, key),
    ]
    cursor = await now_cursor(pool)
    for client in clients:
        await client.subscribe("1", after=cursor, types=["household.updated"])
    # When several recheck intervals pass
    await asyncio.gather(*(client.nothing_within(RECHECK * 4) for client in clients))
    await record(pool, "still here")
    # Then both are still open and keep receiving
    for client in clients:
        assert names(await client.events(1)) == ["still here"]
    await asyncio.gather(*(client.nothing_within(RECHECK * 2) for client in clients))
    for client in clients:
        await client.close()


async def test_subscribe_messages_count_against_the_rate_limit(server: str) -> None:
    if time.time() % 60 > 57:  # the limiter's window is the minute: keep the test inside one
        await asyncio.sleep(60 - time.time() % 60 + 0.1)
    client = await GqlWs.open(server, make_token(Role.UNION_STAFF, union_id=1))
    # Given the 10 subscribes a minute this server allows
    for i in range(10):
        await client.subscribe(f"op{i}", types=["household.updated"])
    # When an 11th is sent
    await client.subscribe("one-too-many", types=["household.updated"])
    # Then it is refused with RATE_LIMITED, and the connection stays usable
    message = await client.receive()
    assert (message["id"], message["type"]) == ("one-too-many", "error"), message
    assert message["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert message["payload"][0]["extensions"]["retryAfter"] >= 1
    await client.send({"type": "ping"})
    assert (await client.receive())["type"] == "pong"
    await client.close()
