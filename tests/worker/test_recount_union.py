"""A real job end to end: a mutation commits, arq runs the task in a real worker, stats appear."""

from __future__ import annotations

from typing import Any

import pytest
from arq.worker import Worker

from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin.core.jobs import Job
from lianxin.organization.models import OrganizationKind
from lianxin.trade_union.models import UnionKind
from lianxin_worker.main import TASKS, worker_settings

from factories import credit_code, make_organization, make_union


async def run_worker_burst(settings: Settings) -> Worker:
    worker = Worker(**{**worker_settings(settings, burst=True), "cron_jobs": []})
    await worker.main()
    await worker.close()
    return worker


async def test_creating_an_organization_recounts_its_union_and_ancestors(
    gql: Any, pool: Pool, settings: Settings
) -> None:
    root = await make_union(pool, name="市总")
    leaf = await make_union(
        pool, name="基层", kind=UnionKind.GRASSROOTS, region_code="371002", parent_id=root.id
    )
    from lianxin.core.ids import to_global_id

    data = await gql(
        """mutation($input: CreateOrganizationInput!) {
             createOrganization(input: $input) { organization { name regionCode union { name } } errors { code } } }""",
        {
            "input": {
                "name": "爱心企业",
                "creditCode": credit_code("371002"),
                "kind": "SPONSOR",
                "unionId": to_global_id("TradeUnion", leaf.id),
            }
        },
    )
    assert data["createOrganization"] == {
        "organization": {"name": "爱心企业", "regionCode": "371002", "union": {"name": "基层"}},
        "errors": [],
    }
    worker = await run_worker_burst(settings)
    assert worker.jobs_complete >= 1
    assert worker.jobs_failed == 0
    stats = await gql(
        "query($id: ID!) { node(id: $id) { ... on TradeUnion { stats { childUnions memberUnits sponsors } } } }",
        {"id": to_global_id("TradeUnion", root.id)},
    )
    assert stats["node"]["stats"] == {"childUnions": 1, "memberUnits": 0, "sponsors": 1}
    async with pool.acquire() as conn:
        # the mutation's job is done; the factories' rows (never enqueued) wait for the sweeper
        done = await conn.fetch("SELECT done_at IS NOT NULL AS done FROM job_outbox ORDER BY id")
    assert [r["done"] for r in done] == [False, False, True]


async def test_jobs_that_never_reached_redis_are_swept_and_run_once(pool: Pool, settings: Settings) -> None:
    # Given changes committed while Redis was unreachable (no dispatcher: nothing was enqueued)
    union = await make_union(pool, name="市总")
    await make_organization(pool, union_id=union.id, kind=OrganizationKind.MEMBER_UNIT)
    async with pool.acquire() as conn:
        await conn.execute("UPDATE job_outbox SET created_at = now() - interval '1 minute'")
        assert await conn.fetchval("SELECT count(*) FROM job_outbox WHERE done_at IS NULL") == 2
    # When a worker starts (its sweeper runs at startup) and drains the queue
    worker = Worker(**worker_settings(settings, burst=True))
    await worker.main()
    await worker.close()
    await run_worker_burst(settings)
    # Then every outbox job is done exactly once and the counts are right
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT attempts, done_at FROM job_outbox")
        stats = await conn.fetchrow("SELECT * FROM trade_union_stats WHERE union_id = $1", union.id)
    assert [(r["attempts"], r["done_at"] is not None) for r in rows] == [(1, True), (1, True)]
    assert (stats["member_units"], stats["sponsors"]) == (1, 0)


async def test_a_duplicate_delivery_does_nothing(pool: Pool, settings: Settings) -> None:
    from lianxin_worker.tasks.trade_union import recount_union

    union = await make_union(pool, name="市总")
    async with pool.acquire() as conn:
        outbox_id = await conn.fetchval("SELECT id FROM job_outbox")
    ctx: Any = {"pool": pool, "settings": settings}
    assert await recount_union(ctx, outbox_id) == "done"
    assert await recount_union(ctx, outbox_id) == "skipped: already done or running elsewhere"
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT attempts FROM job_outbox WHERE id = $1", outbox_id) == 1
        assert (
            await conn.fetchval("SELECT count(*) FROM trade_union_stats WHERE union_id = $1", union.id) == 1
        )


@pytest.mark.no_db
def test_every_job_has_a_registered_task() -> None:
    assert set(TASKS) == set(Job)
    names = {f.name for f in worker_settings(Settings(REDIS_URL="redis://x:1/0"))["functions"]}
    assert names == {j.value for j in Job}
