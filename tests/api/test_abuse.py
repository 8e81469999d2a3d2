"""Abuse limits at the edge: per-caller rate limit (429 + Retry-After), body size (413), and in
production no introspection and no internal error text."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from lianxin.core.config import Settings
from lianxin.core.tokens import Principal, Role, issue_token

from conftest import JWT_SECRET, make_token

QUERY = "{ unions(first: 1) { totalCount } }"
INTROSPECTION = "{ __schema { queryType { name } } }"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _app(settings: Settings, **update: Any) -> AsyncIterator[Any]:
    from lianxin_api.app import create_app

    async with LifespanManager(create_app(settings.model_copy(update=update))) as manager:
        yield manager.app


def _caller_of_its_own(role: Role = Role.ADMIN) -> str:
    """A token whose caller no other test uses: the suite's session app counts the shared test callers
    and adds its local counts to Redis in the background (every 0.1 s), so a request made by an earlier
    test could land in this test's window after Redis was emptied for it."""
    principal = Principal(subject=f"abuse:{uuid.uuid4()}", role=role)
    return issue_token(JWT_SECRET, principal, now=datetime.now(UTC), ttl=timedelta(hours=1))


def _client(app: Any, ip: str = "10.0.0.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 5000)), base_url="http://t")


@pytest.fixture
async def limited_app(settings: Settings, migrated: str) -> AsyncIterator[Any]:
    async for app in _app(settings, rate_limit_per_minute=3):
        # stay clear of a window boundary so the counts below all land in one minute (checked once the
        # app has started: under load its start-up alone can take seconds)
        if time.time() % 60 > 50:
            await asyncio.sleep(61 - time.time() % 60)
        yield app


async def test_a_caller_over_the_limit_gets_429_with_retry_after(limited_app: Any) -> None:
    staff, other = _caller_of_its_own(), _caller_of_its_own(Role.AUDITOR)
    async with _client(limited_app) as c:
        codes = [
            (await c.post("/graphql", json={"query": QUERY}, headers=_auth(staff))).status_code
            for _ in range(3)
        ]
        refused = await c.post("/graphql", json={"query": QUERY}, headers=_auth(staff))
        someone_else = await c.post("/graphql", json={"query": QUERY}, headers=_auth(other))
    assert codes == [200, 200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    body = refused.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["RATE_LIMITED"]
    assert body["errors"][0]["extensions"]["retryAfter"] == int(refused.headers["retry-after"])
    assert someone_else.status_code == 200


async def test_anonymous_callers_are_limited_per_client_address(limited_app: Any) -> None:
    async with _client(limited_app, "10.0.0.7") as c, _client(limited_app, "10.0.0.8") as d:
        codes = [(await c.post("/graphql", json={"query": QUERY})).status_code for _ in range(4)]
        elsewhere = await d.post("/graphql", json={"query": QUERY})
    assert codes == [200, 200, 200, 429]
    assert elsewhere.status_code == 200
    assert elsewhere.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_refused_request_writes_no_audit_row(limited_app: Any, pool: Any) -> None:
    mutation = 'mutation { createUnion(input: {name: "x", kind: FEDERATION, regionCode: "371000"}) { errors { code } } }'
    token = _caller_of_its_own()
    async with _client(limited_app) as c:
        statuses = [
            (await c.post("/graphql", json={"query": mutation}, headers=_auth(token))).status_code
            for _ in range(4)
        ]
    assert statuses == [200, 200, 200, 429]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM audit_entry") == 3


async def test_bodies_over_the_limit_get_413(client: Any) -> None:
    big = {"query": QUERY, "variables": {"pad": "x" * (1 << 20)}}
    response = await client.post("/graphql", json=big, headers=_auth(make_token()))
    assert response.status_code == 413
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["REQUEST_TOO_LARGE"]


async def test_chunked_bodies_are_counted_too(client: Any) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ unions(first: 1) { totalCount } }", "variables": {"pad": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}}'

    response = await client.post(
        "/graphql", content=chunks(), headers={**_auth(make_token()), "Content-Type": "application/json"}
    )
    assert response.status_code == 413


async def test_a_body_under_the_limit_is_served(client: Any) -> None:
    padded = {"query": QUERY, "variables": {"pad": "x" * 500_000}}
    response = await client.post("/graphql", json=padded, headers=_auth(make_token()))
    assert response.json() == {"data": {"unions": {"totalCount": 0}}}


async def test_introspection_is_on_in_development(client: Any) -> None:
    response = await client.post("/graphql", json={"query": INTROSPECTION}, headers=_auth(make_token()))
    assert response.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


@pytest.fixture
async def production_app(settings: Settings, migrated: str) -> AsyncIterator[Any]:
    async for app in _app(settings, environment="production"):
        yield app


async def test_production_refuses_introspection(production_app: Any) -> None:
    async with _client(production_app) as c:
        response = await c.post("/graphql", json={"query": INTROSPECTION}, headers=_auth(make_token()))
        served = await c.post("/graphql", json={"query": QUERY}, headers=_auth(make_token()))
    body = response.json()
    assert "data" not in body or body["data"] is None
    assert "introspection" in body["errors"][0]["message"].lower()
    assert served.json() == {"data": {"unions": {"totalCount": 0}}}


async def test_production_masks_internal_errors_but_not_coded_ones(
    production_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lianxin.referral import repository

    async def broken(conn: Any) -> Any:
        raise RuntimeError("password=hunter2 at db-7.internal")

    monkeypatch.setattr(repository, "list_agencies", broken)
    async with _client(production_app) as c:
        internal = (
            await c.post("/graphql", json={"query": "{ agencies { id } }"}, headers=_auth(make_token()))
        ).json()
        forbidden = (
            await c.post(
                "/graphql",
                json={"query": "{ auditLog { totalCount } }"},
                headers=_auth(make_token(Role.SPONSOR)),
            )
        ).json()
    assert [e["message"] for e in internal["errors"]] == ["Unexpected error."]
    assert "hunter2" not in str(internal)
    assert [e["extensions"]["code"] for e in forbidden["errors"]] == ["FORBIDDEN"]


async def test_development_shows_internal_errors(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from lianxin.referral import repository

    async def broken(conn: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(repository, "list_agencies", broken)
    body = (
        await client.post("/graphql", json={"query": "{ agencies { id } }"}, headers=_auth(make_token()))
    ).json()
    assert [e["message"] for e in body["errors"]] == ["boom"]
