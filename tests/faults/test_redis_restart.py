"""Stop and restart a real Redis while mutations happen: every change still commits, a subscriber
(woken by PostgreSQL, not Redis) gets every event in order, and the jobs that could not be
enqueued are swept from the outbox and run once Redis is back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from arq.worker import Worker
from gqlws import GqlWs, live_server

from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin_cli.embedded import EmbeddedRedis
from lianxin_worker.main import worker_settings

from conftest import make_token

pytestmark = pytest.mark.timeout(120)

CREATE = """mutation($name: String!) { createUnion(input: {name: $name, kind: FEDERATION, regionCode: "371000"}) {
  union { id } errors { code } } }"""


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis")
    yield server
    server.stop()


async def test_no_event_or_job_is_lost_across_a_redis_restart(
    pool: Pool, settings: Settings, own_redis: EmbeddedRedis, tmp_path: Path
) -> None:
    ours = settings.model_copy(update={"redis_url": own_redis.url})
    async with live_server(ours) as url:
        base = url.replace("ws://", "http://").removesuffix("/graphql")
        subscriber = await GqlWs.open(url, make_token())
        await subscriber.subscribe("1", types=["union.created"])
        await subscriber.nothing_within(0.3)
        async with httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {make_token()}"}, timeout=30
        ) as http:

            async def create(name: str) -> None:
                body = (
                    await http.post("/graphql", json={"query": CREATE, "variables": {"name": name}})
                ).json()
                assert body["data"]["createUnion"]["errors"] == [], body

            names = [f"工会{i}" for i in range(7)]
            for name in names[:2]:
                await create(name)
            own_redis.stop()  # Redis goes away while changes keep coming
            for name in names[2:5]:
                await create(name)
            restarted = EmbeddedRedis(own_redis.folder, port=own_redis.port)
            own_redis.process = restarted.process
            for name in names[5:]:
                await create(name)
        received = await subscriber.events(7, within=20)
        assert [e["payload"]["name"] for e in received] == names
        await subscriber.close()
    # the outbox kept every job; the sweeper enqueues those Redis never got and the worker runs them
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM job_outbox WHERE job = 'recount_union'") == 7
        await conn.execute("UPDATE job_outbox SET created_at = now() - interval '1 minute'")
    worker = Worker(**worker_settings(ours, burst=True))
    await worker.main()
    await worker.close()
    async with asyncio.timeout(30):
        while True:
            async with pool.acquire() as conn:
                pending = await conn.fetchval("SELECT count(*) FROM job_outbox WHERE done_at IS NULL")
            if pending == 0:
                break
            worker = Worker(**{**worker_settings(ours, burst=True), "cron_jobs": []})
            await worker.main()
            await worker.close()
