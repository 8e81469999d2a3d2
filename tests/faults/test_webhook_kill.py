"""SIGKILL a real worker (`lianxin worker`) in the middle of webhook deliveries, start another: every
event reaches the receiver at least once, and a receiver de-duplicating by Lianxin-Event-Id (the
documented example) handles each exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest
from gqlws import example, serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount

from lianxin.core.config import Settings
from lianxin.core.db import Pool, unit_of_work
from lianxin.events.outbox import record_event
from lianxin.notification import webhook

pytestmark = pytest.mark.timeout(120)
N = 40


async def undelivered(pool: Pool) -> int:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM webhook_delivery WHERE status <> 'DELIVERED'")
    return count


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.require_database_url(),
        "REDIS_URL": settings.require_redis_url(),
        "LIANXIN_WEBHOOK_TIMEOUT": "1",  # leases of killed deliveries run out after 3 s
        "LIANXIN_LOG_LEVEL": "WARNING",
        "LIANXIN_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",  # the receiver is on 127.0.0.1
    }
    return subprocess.Popen([sys.executable, "-m", "lianxin_cli.main", "worker"], env=env)


async def test_killed_worker_mid_delivery_every_event_handled_exactly_once(
    pool: Pool, settings: Settings
) -> None:
    raw: Counter[str] = Counter()  # every POST, duplicates included
    handled: list[dict[str, Any]] = []
    secret_box: dict[str, str] = {}

    class Slow:
        """Counts each POST, then answers slowly so that the kill lands mid-delivery."""

        def __init__(self) -> None:
            self.inner: Any = None

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                request = Request(scope, receive)
                raw[request.headers["Lianxin-Event-Id"]] += 1
                body = await request.body()

                async def replay() -> dict[str, Any]:
                    return {"type": "http.request", "body": body, "more_body": False}

                await asyncio.sleep(0.2)
                if self.inner is None:
                    self.inner = example.create_app(secret_box["secret"], handled.append)
                await self.inner(scope, replay, send)
                return
            await Response(status_code=404)(scope, receive, send)

    async with serve(Starlette(routes=[Mount("/", app=Slow())])) as port:
        async with unit_of_work(pool, None) as uow:
            _, secret_box["secret"] = await webhook.create_endpoint(
                uow,
                webhook.NewEndpoint(f"http://127.0.0.1:{port}/lianxin", [], None, "test"),
                allow_private=True,
            )
        async with pool.acquire() as conn, conn.transaction():
            for i in range(N):
                await record_event(conn, "household.updated", f"h{i}", {"n": i}, "371002")

        first = start_worker(settings)
        try:
            async with asyncio.timeout(60):
                while len(raw) < 3:  # noqa: ASYNC110 - waiting on another process
                    await asyncio.sleep(0.02)
            first.send_signal(signal.SIGKILL)
        finally:
            first.kill()
            first.wait()
        killed_after = len(raw)
        assert killed_after < N, "the worker finished before it could be killed"

        second = start_worker(settings)
        try:
            async with asyncio.timeout(60):
                while len({e["id"] for e in handled}) < N or await undelivered(pool):  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)

    ids = [e["id"] for e in handled]
    assert len(ids) == N  # each handled exactly once by the de-duplicating receiver
    assert sorted(e["payload"]["n"] for e in handled) == list(range(N))
    assert set(raw) == set(ids)  # and every event was posted at least once
    assert sum(raw.values()) > N  # the killed worker's in-flight posts were sent again
    async with pool.acquire() as conn:
        statuses = await conn.fetch("SELECT status, count(*) AS n FROM webhook_delivery GROUP BY status")
    assert {r["status"]: r["n"] for r in statuses} == {"DELIVERED": N}
