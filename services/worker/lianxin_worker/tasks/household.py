"""Household jobs: decide a household after each committed change."""

from __future__ import annotations

from typing import Any

from lianxin.core.clock import today_in
from lianxin.core.db import Connection
from lianxin.matching import service
from lianxin_worker.context import WorkerContext
from lianxin_worker.tasks.outbox import run_outbox_job


async def household_changed(ctx: WorkerContext, outbox_id: int) -> str:
    """Re-decide the household's eligibility (a no-op when nothing relevant changed)."""
    as_of = today_in(ctx["settings"].timezone)

    async def decide(conn: Connection, args: dict[str, Any]) -> None:
        await service.decide_households(conn, [int(args["household_id"])], as_of=as_of)

    return await run_outbox_job(ctx, outbox_id, decide)
