"""Batch re-matching: a run streams its households in chunks, each chunk its own transaction.

A run is worked in short slices (`run_slice_seconds`): each slice is one arq job that processes
chunks until its time is up and then enqueues the next slice, keyed by the run's resume point. A
worker killed mid-slice loses at most its uncommitted chunk; arq retries the slice once the job
timeout has passed and it resumes after the last committed chunk.
"""

from __future__ import annotations

import logging
import time

from lianxin.core.clock import today_in
from lianxin.core.jobs import Job, claim_outbox_job, complete_outbox_job
from lianxin.matching import repository as repo
from lianxin.matching import service
from lianxin_worker.context import WorkerContext

log = logging.getLogger(__name__)


async def run_eligibility(ctx: WorkerContext, outbox_id: int) -> str:
    """Work one slice of a run; enqueue the next slice or, at the end, mark the outbox job done."""
    settings = ctx["settings"]
    as_of = today_in(settings.timezone)
    deadline = time.monotonic() + settings.run_slice_seconds
    async with ctx["pool"].acquire() as conn:
        args = await conn.fetchval("SELECT args FROM job_outbox WHERE id = $1 AND done_at IS NULL", outbox_id)
        if args is None:
            return "skipped: already done"
        run_id = int(args["run_id"])
        more = True
        while more and time.monotonic() < deadline:
            async with conn.transaction():
                more = await service.run_chunk(
                    conn, run_id, as_of=as_of, chunk_size=settings.match_chunk_size
                )
        run = await repo.get_run(conn, run_id)
        assert run is not None
        log.info("run %s: %s/%s households done, %s decided", run_id, run.done, run.total, run.changed)
        if more:
            await ctx["redis"].enqueue_job(
                Job.RUN_ELIGIBILITY.value, outbox_id, _job_id=f"run:{run_id}:{run.last_household_id}"
            )
            return f"run {run_id}: {run.done}/{run.total}, continues"
        async with conn.transaction():
            if await claim_outbox_job(conn, outbox_id) is not None:
                await complete_outbox_job(conn, outbox_id)
    return f"run {run_id} finished: {run.done}/{run.total}, {run.changed} decided"
