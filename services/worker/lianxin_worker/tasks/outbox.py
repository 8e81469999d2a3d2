"""Running outbox-backed jobs exactly once in effect, and sweeping jobs that never reached Redis."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from lianxin.core.db import Connection
from lianxin.core.jobs import JobQueue, claim_outbox_job, complete_outbox_job, pending_outbox
from lianxin_worker.context import WorkerContext

log = logging.getLogger(__name__)

SWEEP_AFTER_SECONDS = 10.0  # younger rows are most likely on their way through the normal path
SWEEP_BATCH = 500

Handler = Callable[[Connection, dict[str, Any]], Awaitable[object]]


async def run_outbox_job(ctx: WorkerContext, outbox_id: int, handler: Handler) -> str:
    """Do the work of outbox row `outbox_id` and mark it done, in one transaction."""
    async with ctx["pool"].acquire() as conn, conn.transaction():
        args = await claim_outbox_job(conn, outbox_id)
        if args is None:
            return "skipped: already done or running elsewhere"
        await handler(conn, args)
        await complete_outbox_job(conn, outbox_id)
    return "done"


async def sweep_outbox(ctx: WorkerContext) -> int:
    """Re-enqueue outbox jobs still pending after a while (e.g. Redis was down at commit)."""
    async with ctx["pool"].acquire() as conn:
        pending = await pending_outbox(conn, older_than_seconds=SWEEP_AFTER_SECONDS, limit=SWEEP_BATCH)
    if not pending:
        return 0
    # a pending row whose arq run failed has a result arq would dedupe against: replace it
    sent = await JobQueue(ctx["redis"]).dispatch_jobs(pending, replace_results=True)
    log.info("outbox sweep: %d pending, %d enqueued", len(pending), sent)
    return sent
