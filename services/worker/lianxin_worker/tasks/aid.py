"""Aid batches: pay the quarterly condolence money to a scope's households, chunk by chunk.

Like re-matching runs, a batch is worked in slices of `run_slice_seconds`; each chunk commits its
payments with the batch's resume point, so a killed worker resumes where it stopped and the
UNIQUE (household, program, period) constraint keeps every household paid at most once.
"""

from __future__ import annotations

import logging
import time

from lianxin.aid import repository as repo
from lianxin.aid import service
from lianxin.core.jobs import Job, claim_outbox_job, complete_outbox_job
from lianxin_worker.context import WorkerContext

log = logging.getLogger(__name__)


async def pay_aid_batch(ctx: WorkerContext, outbox_id: int) -> str:
    """Work one slice of a batch; enqueue the next slice or, at the end, mark the outbox job done."""
    deadline = time.monotonic() + ctx["settings"].run_slice_seconds
    async with ctx["pool"].acquire() as conn:
        args = await conn.fetchval("SELECT args FROM job_outbox WHERE id = $1 AND done_at IS NULL", outbox_id)
        if args is None:
            return "skipped: already done"
        batch_id = int(args["batch_id"])
        more = True
        while more and time.monotonic() < deadline:
            async with conn.transaction():
                more = await service.run_batch_chunk(conn, batch_id)
        [batch] = await repo.list_batches_by_ids(conn, [batch_id])
        log.info("aid batch %s: %s/%s households, %s paid", batch_id, batch.done, batch.total, batch.paid)
        if more:
            await ctx["redis"].enqueue_job(
                Job.PAY_AID_BATCH.value, outbox_id, _job_id=f"aid:{batch_id}:{batch.last_household_id}"
            )
            return f"batch {batch_id}: {batch.done}/{batch.total}, continues"
        async with conn.transaction():
            if await claim_outbox_job(conn, outbox_id) is not None:
                await complete_outbox_job(conn, outbox_id)
    return f"batch {batch_id} finished: {batch.done}/{batch.total}, {batch.paid} paid"
