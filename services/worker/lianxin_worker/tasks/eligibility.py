"""Batch re-matching: a run streams its households in chunks, each chunk its own transaction."""

from __future__ import annotations

import logging

from lianxin.core.clock import today_in
from lianxin.core.jobs import claim_outbox_job, complete_outbox_job
from lianxin.matching import repository as repo
from lianxin.matching import service
from lianxin_worker.context import WorkerContext

log = logging.getLogger(__name__)


async def run_eligibility(ctx: WorkerContext, outbox_id: int) -> str:
    """Drive a run to the end; killed midway, the retry resumes after the last committed chunk."""
    pool = ctx["pool"]
    as_of = today_in(ctx["settings"].timezone)
    async with pool.acquire() as conn:
        args = await conn.fetchval("SELECT args FROM job_outbox WHERE id = $1 AND done_at IS NULL", outbox_id)
        if args is None:
            return "skipped: already done"
        run_id = int(args["run_id"])
        more = True
        while more:
            async with conn.transaction():
                more = await service.run_chunk(conn, run_id, as_of=as_of)
            run = await repo.get_run(conn, run_id)
            if run is not None:
                log.info("run %s: %s/%s households, %s decided", run_id, run.done, run.total, run.changed)
        async with conn.transaction():
            if await claim_outbox_job(conn, outbox_id) is not None:
                await complete_outbox_job(conn, outbox_id)
    return f"run {run_id} finished"
