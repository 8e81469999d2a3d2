"""A worker stopped while a job is running ends cleanly: arq 0.28's own `close` re-raised the cancelled
job's `CancelledError` (exit 1, shutdown skipped) when the cancel landed outside the job's own try."""

from __future__ import annotations

import asyncio

import pytest
from arq import create_pool as create_redis_pool

from lianxin.core.config import Settings
from lianxin.core.jobs import redis_settings
from lianxin_worker.main import LianxinWorker, worker_settings

pytestmark = pytest.mark.timeout(60)


async def test_close_with_a_job_in_flight_cancels_it_and_finishes_the_shutdown(settings: Settings) -> None:
    redis = await create_redis_pool(redis_settings(settings.require_redis_url()))
    options = {**worker_settings(settings), "cron_jobs": [], "handle_signals": False, "redis_pool": redis}
    worker = LianxinWorker(**options)
    await redis.set(worker.health_check_key, b"alive")
    in_flight = asyncio.create_task(asyncio.sleep(60))
    worker.tasks["job-in-flight"] = in_flight

    await asyncio.wait_for(worker.close(), 10)

    assert in_flight.cancelled()
    assert worker.tasks == {}
    check = await create_redis_pool(redis_settings(settings.require_redis_url()))
    try:
        assert await check.get(worker.health_check_key) is None  # the shutdown ran to its end
    finally:
        await check.aclose()
