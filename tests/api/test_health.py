"""Operator endpoints: liveness, readiness against the real servers, Prometheus metrics, request ids."""

from __future__ import annotations

from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from lianxin.core.config import Settings

from conftest import with_database


async def test_healthz_and_readyz(client: Any) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


async def test_metrics_count_requests_and_responses_carry_a_request_id(client: Any) -> None:
    response = await client.get("/healthz", headers={"X-Request-Id": "abc123"})
    assert response.headers["x-request-id"] == "abc123"
    assert len((await client.get("/healthz")).headers["x-request-id"]) == 32
    metrics = (await client.get("/metrics")).text
    assert 'lianxin_http_requests_total{method="GET",path="/healthz",status="200"}' in metrics


def _metric(text: str, name: str) -> float:
    line = next(line for line in text.splitlines() if line.startswith(name + " "))
    return float(line.rsplit(" ", 1)[1])


async def test_every_request_is_counted_and_timed_with_its_status(client: Any) -> None:
    counted = 'lianxin_http_requests_total{method="GET",path="/readyz",status="200"}'
    timed = 'lianxin_http_request_seconds_count{method="GET",path="/readyz"}'
    missing = 'lianxin_http_requests_total{method="GET",path="other",status="404"}'
    await client.get("/readyz")
    await client.get("/nowhere")
    before = (await client.get("/metrics")).text
    for _ in range(3):
        assert (await client.get("/readyz")).status_code == 200
    assert (await client.get("/nowhere")).status_code == 404
    after = (await client.get("/metrics")).text
    assert _metric(after, counted) == _metric(before, counted) + 3
    assert _metric(after, timed) == _metric(before, timed) + 3
    assert _metric(after, missing) == _metric(before, missing) + 1


async def test_readyz_is_503_when_redis_is_down(settings: Settings, migrated: str) -> None:
    from lianxin_api.app import create_app
    from lianxin_cli.embedded import EmbeddedRedis

    redis = EmbeddedRedis(settings.data_dir / "redis-readyz")
    app = create_app(settings.model_copy(update={"redis_url": redis.url}))
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://t") as c,
    ):
        assert (await c.get("/readyz")).status_code == 200
        redis.stop()
        down = await c.get("/readyz")
    assert down.status_code == 503
    assert list(down.json()["failed"]) == ["redis"]


async def test_readyz_is_503_when_postgres_refuses(settings: Settings, migrated: str, pool: Any) -> None:
    from lianxin_api.app import create_app

    async with pool.acquire() as conn:
        await conn.execute("DROP DATABASE IF EXISTS lianxin_readyz WITH (FORCE)")
        await conn.execute("CREATE DATABASE lianxin_readyz")
    url = with_database(migrated, "lianxin_readyz")
    app = create_app(settings.model_copy(update={"database_url": url}))
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://t") as c,
    ):
        assert (await c.get("/readyz")).status_code == 200
        async with pool.acquire() as conn:
            await conn.execute("ALTER DATABASE lianxin_readyz ALLOW_CONNECTIONS false")
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'lianxin_readyz'"
            )
        down = await c.get("/readyz")
    assert down.status_code == 503
    assert list(down.json()["failed"]) == ["database"]
    async with pool.acquire() as conn:
        await conn.execute("DROP DATABASE lianxin_readyz WITH (FORCE)")
