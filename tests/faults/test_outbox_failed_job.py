"""Found by the chaos soak (issue 16): an outbox job whose arq run failed (the database restarted under
it) stayed pending for an hour. arq keeps a failed job's result for `keep_result` (3600 s) and refuses to
enqueue that job id again meanwhile, so the sweeper's re-enqueue did nothing: a household edited while
PostgreSQL restarted kept its old decision for an hour. The sweeper now clears such a stale result."""

from __future__ import annotations

from typing import Any, cast

from arq.worker import Worker

from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin.core.jobs import Job, JobQueue
from lianxin_worker.main import worker_settings
from lianxin_worker.tasks.outbox import sweep_outbox


async def run_worker_burst(settings: Settings) -> None:
    worker = Worker(**{**worker_settings(settings, burst=True), "cron_jobs": []})
    await worker.main()
    await worker.close()


async def test_the_sweeper_runs_again_an_outbox_job_whose_arq_run_failed(
    pool: Pool, settings: Settings
) -> None:
    async with pool.acquire() as conn:
        # a first run that fails inside the job (here: arguments it cannot use; in the soak: the
        # database going away mid-transaction); its work rolls back and the row stays pending
        outbox_id = await conn.fetchval(
            "INSERT INTO job_outbox (job, args, created_at) VALUES ($1, $2, now() - interval '1 minute') "
            "RETURNING id",
            Job.HOUSEHOLD_CHANGED.value,
            {"household_id": "not a number"},
        )
    queue = await JobQueue.connect(settings.require_redis_url())
    try:
        assert await queue.dispatch_jobs([(outbox_id, Job.HOUSEHOLD_CHANGED.value)]) == 1
        await run_worker_burst(settings)
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT done_at FROM job_outbox WHERE id = $1", outbox_id) is None
            # whatever failed is over (the database is back); the job would now succeed
            await conn.execute(
                "UPDATE job_outbox SET args = $2 WHERE id = $1", outbox_id, {"household_id": 987654}
            )
        ctx = {"redis": queue.redis, "pool": pool, "settings": settings}
        assert await sweep_outbox(cast(Any, ctx)) == 1  # enqueued again despite arq's failed result
        await run_worker_burst(settings)
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT done_at FROM job_outbox WHERE id = $1", outbox_id) is not None
    finally:
        await queue.close()
