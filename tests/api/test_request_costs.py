"""Issue 12, the lean request: one pooled connection per HTTP request's reads (given back when it is
answered), verified tokens kept until they expire, and rate-limit counts kept locally far from the
limit and added to Redis in the background."""

from __future__ import annotations

import asyncio
import contextlib
import time
import traceback
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from asyncpg.pool import PoolConnectionHolder
from redis.asyncio import Redis

from lianxin.core.config import Settings
from lianxin.core.db import Pool, create_pool
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Principal, Role, TokenError, issue_token
from lianxin.organization.models import OrganizationKind
from lianxin_api.abuse import RateLimiter
from lianxin_api.auth import VerifiedTokens

from conftest import JWT_SECRET, make_token
from factories import make_household, make_organization, make_sponsorship, make_union

PAGE = """{ households(first: 10) { totalCount edges { node { id archiveNo members { id name relation }
  sponsorships { active sponsor { name } } union { name } incomes { kind } latestDecision { outcome }
  statusHistory { to } } } } }"""


@pytest.fixture
async def served(settings: Settings, migrated: str) -> AsyncIterator[tuple[Pool, httpx.AsyncClient]]:
    """An app of its own: (its pool, a client)."""
    from lianxin_api.app import create_app

    application = create_app(settings)
    async with LifespanManager(application) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield application.state.graphql.pool, c


@pytest.fixture
def acquires(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts pooled connections handed out (by any pool; the real acquire runs) during the test, except
    the event hub's: it polls the outbox on its own timer, whatever requests run."""
    counted: list[int] = []
    original = PoolConnectionHolder.acquire

    async def counting(self: PoolConnectionHolder) -> Any:
        if not any(frame.filename.endswith("lianxin/events/hub.py") for frame in traceback.extract_stack()):
            counted.append(1)
        return await original(self)

    monkeypatch.setattr(PoolConnectionHolder, "acquire", counting)
    return counted


async def test_a_page_reads_on_one_pooled_connection_and_gives_it_back(
    served: tuple[Pool, httpx.AsyncClient], pool: Pool, acquires: list[int]
) -> None:
    api_pool, client = served
    union = await make_union(pool)
    sponsor = await make_organization(pool, kind=OrganizationKind.SPONSOR)
    for k in range(3):
        household = await make_household(pool, union.id)
        if k:
            await make_sponsorship(pool, household, sponsor.id, date(2024, 3, 1))
    acquires.clear()
    # sibling fields (members, incomes, decisions, status history, unions) load concurrently
    response = await client.post(
        "/graphql", json={"query": PAGE}, headers={"Authorization": f"Bearer {make_token()}"}
    )
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["households"]["totalCount"] == 3
    assert len(acquires) == 1
    assert api_pool.get_idle_size() == api_pool.get_size()  # given back before the answer was sent


async def test_a_failing_request_gives_its_connection_back(served: tuple[Pool, httpx.AsyncClient]) -> None:
    api_pool, client = served
    query = '{ households(first: 5, filter: {regionCode: "37x"}) { totalCount } }'
    for _ in range(12):  # more than the pool holds: a leak would hang here
        response = await client.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {make_token()}"}
        )
        assert response.json()["errors"]
    assert api_pool.get_idle_size() == api_pool.get_size()


def test_a_verified_token_is_kept_only_until_it_expires() -> None:
    tokens = VerifiedTokens(size=2)
    caller = Principal(subject="s", role=Role.UNION_STAFF, union_id=7)
    now = datetime.now(UTC)
    short = issue_token(JWT_SECRET, caller, now=now, ttl=timedelta(seconds=2))
    assert tokens.verify(JWT_SECRET, short) == caller
    assert tokens.verify(JWT_SECRET, short) == caller  # from the cache
    with pytest.raises(TokenError):  # the same token under another secret is checked, not looked up
        tokens.verify("another-secret-" + "y" * 40, short)
    # past its exp the cached token is refused as PyJWT refuses it
    expires = int((now + timedelta(seconds=2)).timestamp())
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(TokenError, match="expired"):
        tokens.verify(JWT_SECRET, short)
    # bounded: the least recently used token leaves first
    others = [
        issue_token(JWT_SECRET, Principal(subject=s, role=Role.AUDITOR), now=datetime.now(UTC))
        for s in ("a", "b", "c")
    ]
    for token in [*others, short]:
        with contextlib.suppress(TokenError):
            tokens.verify(JWT_SECRET, token)
    assert [key[1] for key in tokens._entries] == others[1:]


def test_a_forged_token_is_never_kept() -> None:
    tokens = VerifiedTokens()
    forged = issue_token(
        "not-the-secret-" + "z" * 40, Principal(subject="x", role=Role.ADMIN), now=datetime.now(UTC)
    )
    for _ in range(2):
        with pytest.raises(TokenError):
            tokens.verify(JWT_SECRET, forged)
    assert not tokens._entries


async def _count(redis: Redis, key: str) -> int:
    window = int(time.time() // 60)
    value = await redis.get(f"lianxin:ratelimit:{key}:{window}")
    return int(value or 0)


async def test_local_counts_reach_redis_and_the_limit_holds(redis_client: Redis) -> None:
    if time.time() % 60 > 55:  # one window for the whole test
        await asyncio.sleep(60.5 - time.time() % 60)
    limiter = RateLimiter(redis_client, per_minute=10, flush_seconds=0.05)
    # the first request is counted in Redis, the next ones (under half the limit) only here at first
    assert [await limiter.retry_after("p:test") for _ in range(5)] == [None] * 5
    await asyncio.sleep(0.2)
    assert await _count(redis_client, "p:test") == 5  # all of them reached Redis
    # another process (another limiter on the same Redis) sees them: 5 more and it refuses
    other = RateLimiter(redis_client, per_minute=10, flush_seconds=0.05)
    answers = [await other.retry_after("p:test") for _ in range(6)]
    assert answers[:5] == [None] * 5
    assert answers[5] is not None
    assert 1 <= answers[5] <= 60
    # and so does the first one, now that the caller is near its limit
    assert await limiter.retry_after("p:test") is not None
    await limiter.close()
    await other.close()
    assert await _count(redis_client, "p:test") == 12


async def test_the_pool_still_resets_a_connection_not_marked_reads_only(migrated: str) -> None:
    one = await create_pool(migrated, min_size=1, max_size=1)
    try:
        async with one.acquire() as conn:
            await conn.execute("SET application_name = 'left-behind'")
        async with one.acquire() as conn:  # the same connection, reset on release
            assert await conn.fetchval("SHOW application_name") != "left-behind"
            conn.mark_reads_only()  # a holder that says it only read: nothing to reset
        async with one.acquire() as conn:
            await conn.execute("SET application_name = 'again'")
        async with one.acquire() as conn:  # the mark holds for one release only
            assert await conn.fetchval("SHOW application_name") != "again"
    finally:
        await one.close()


async def test_a_unions_households_are_counted_only_when_totalcount_is_asked(
    served: tuple[Pool, httpx.AsyncClient], pool: Pool
) -> None:
    _, client = served
    union = await make_union(pool)
    for _ in range(3):
        await make_household(pool, union.id)
    union_id = to_global_id("TradeUnion", union.id)
    query = "query($id: ID!) { node(id: $id) { ... on TradeUnion { households(first: 2) { %s } } } }"
    auth = {"Authorization": f"Bearer {make_token()}"}
    answers = []
    for selection in ("edges { node { archiveNo } }", "totalCount edges { node { archiveNo } }"):
        response = await client.post(
            "/graphql", json={"query": query % selection, "variables": {"id": union_id}}, headers=auth
        )
        body = response.json()
        assert "errors" not in body, body
        answers.append((int(response.headers["x-sql-statements"]), body["data"]["node"]["households"]))
    (without, plain), (counted, with_total) = answers
    assert counted == without + 1  # the count statement, only when asked for
    assert with_total["totalCount"] == 3
    assert plain["edges"] == with_total["edges"]


async def test_a_holder_after_close_gets_no_connection_that_nobody_releases(migrated: str) -> None:
    from lianxin_api.loaders import RequestConnection

    pool = await create_pool(migrated, min_size=1, max_size=2)
    try:
        shared = RequestConnection(pool)
        async with shared.acquire() as conn:
            assert await conn.fetchval("SELECT 1") == 1
        await shared.close()
        with pytest.raises(RuntimeError, match="after its response"):
            async with shared.acquire():
                pass
        assert pool.get_idle_size() == pool.get_size()  # nothing left checked out
    finally:
        await pool.close()
