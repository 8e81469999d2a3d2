"""What-if policy simulation: read-only over households, so a retry simply starts again."""

from __future__ import annotations

from lianxin.core.clock import today_in
from lianxin.core.jobs import claim_outbox_job, complete_outbox_job
from lianxin.matching import simulation
from lianxin_worker.context import WorkerContext


async def simulate_policy(ctx: WorkerContext, outbox_id: int) -> str:
    """Tally outcomes under candidate parameters; progress (done/total) commits as it goes."""
    settings = ctx["settings"]
    async with ctx["pool"].acquire() as conn:
        args = await conn.fetchval("SELECT args FROM job_outbox WHERE id = $1 AND done_at IS NULL", outbox_id)
        if args is None:
            return "skipped: already done"
        sim_id = int(args["simulation_id"])
        await simulation.run_simulation(
            conn, sim_id, as_of=today_in(settings.timezone), chunk_size=settings.match_chunk_size
        )
        async with conn.transaction():
            if await claim_outbox_job(conn, outbox_id) is not None:
                await complete_outbox_job(conn, outbox_id)
    return f"simulation {sim_id} done"
