"""Union jobs."""

from __future__ import annotations

from typing import Any

from lianxin.core.db import Connection
from lianxin.trade_union import service
from lianxin_worker.context import WorkerContext
from lianxin_worker.tasks.outbox import run_outbox_job


async def _recount(conn: Connection, args: dict[str, Any]) -> None:
    await service.recount_union(conn, int(args["union_id"]))


async def recount_union(ctx: WorkerContext, outbox_id: int) -> str:
    """Recompute subtree counts for a union and its ancestors."""
    return await run_outbox_job(ctx, outbox_id, _recount)
