"""The one worker task shape of partitioned runs (lianxin.run): re-matching runs, aid batches and
simulations.

A job works its run's partitions for at most `run_slice_seconds`, then enqueues its next slice. The
first slice of a run fans out into `RUN_LANES` lanes (jobs with their own ids), so as many workers as
there are lanes take partitions at once; a lane that finds no free partition stops, and the one that
finds every partition DONE finishes the run and marks its outbox row done. A worker killed mid-slice
loses only the partition it held: arq retries the slice after the job timeout, or another lane takes
the partition first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final

from lianxin import run as runs
from lianxin.aid import service as aid_service
from lianxin.core.clock import today_in
from lianxin.core.jobs import Job, claim_outbox_job, complete_outbox_job
from lianxin.matching import runner, simulation
from lianxin_worker.context import WorkerContext

log = logging.getLogger(__name__)

RUN_LANES: Final = 4  # jobs a run fans out into: the most workers that work one run at once


@dataclass(frozen=True)
class RunJob:
    kind: runs.RunKind
    arg: str  # the outbox args key holding the run's id
    work: Callable[[date], runs.Work]
    finish: runs.Finish | None = None
    partition_size: int | None = None  # households per partition; None: LIANXIN_MATCH_CHUNK


RUN_JOBS: Final = {
    Job.RUN_ELIGIBILITY: RunJob(runs.RunKind.ELIGIBILITY, "run_id", runner.partition_work),
    Job.PAY_AID_BATCH: RunJob(runs.RunKind.AID, "batch_id", lambda _: aid_service.partition_work()),
    # a simulation reads narrow rows and writes nothing: larger partitions (lianxin.matching.simulation)
    Job.SIMULATE_POLICY: RunJob(
        runs.RunKind.SIMULATION,
        "simulation_id",
        simulation.partition_work,
        simulation.finish,
        simulation.SIMULATION_PARTITION,
    ),
}


async def work_run(ctx: WorkerContext, job: Job, outbox_id: int, lane: int = 0, slice_: int = 0) -> str:
    """Work one slice of one lane of the run behind outbox row `outbox_id`."""
    spec = RUN_JOBS[job]
    settings = ctx["settings"]
    deadline = time.monotonic() + settings.run_slice_seconds
    work = spec.work(today_in(settings.timezone))
    async with ctx["pool"].acquire() as conn:
        args = await conn.fetchval("SELECT args FROM job_outbox WHERE id = $1 AND done_at IS NULL", outbox_id)
        if args is None:
            return "skipped: already done"
        run_id = int(args[spec.arg])
        more, worked = True, 0
        while more and time.monotonic() < deadline:
            more = await runs.step(
                conn,
                spec.kind,
                run_id,
                work,
                partition_size=spec.partition_size or settings.match_chunk_size,
                finish=spec.finish,
            )
            worked += more
            if worked == 1 and lane == 0 and slice_ == 0:
                await _fan_out(ctx, job, outbox_id, run_id, spec.kind)
        row = await runs.get_run(conn, spec.kind, run_id)
        assert row is not None
        log.info("%s %s: %s/%s households done (lane %s)", spec.kind, run_id, row["done"], row["total"], lane)
        if more:
            await ctx["redis"].enqueue_job(
                job.value,
                outbox_id,
                lane=lane,
                slice_=slice_ + 1,
                _job_id=f"{job.value}:{run_id}:{lane}:{slice_ + 1}",
            )
            return f"{spec.kind} {run_id}: {row['done']}/{row['total']}, continues"
        if row["status"] != runs.RunStatus.DONE:
            return f"{spec.kind} {run_id}: other lanes hold its last partitions"
        async with conn.transaction():
            if await claim_outbox_job(conn, outbox_id) is not None:
                await complete_outbox_job(conn, outbox_id)
    return f"{spec.kind} {run_id} finished: {row['done']}/{row['total']}"


async def _fan_out(ctx: WorkerContext, job: Job, outbox_id: int, run_id: int, kind: runs.RunKind) -> None:
    """Start the other lanes when partitions are left for them."""
    async with ctx["pool"].acquire() as conn:
        done, total = await runs.progress(conn, kind, run_id)
    for lane in range(1, min(RUN_LANES, total - done)):
        await ctx["redis"].enqueue_job(
            job.value, outbox_id, lane=lane, slice_=0, _job_id=f"{job.value}:{run_id}:{lane}:0"
        )


async def run_eligibility(ctx: WorkerContext, outbox_id: int, lane: int = 0, slice_: int = 0) -> str:
    """A re-matching run (households decided column-wise, partition by partition)."""
    return await work_run(ctx, Job.RUN_ELIGIBILITY, outbox_id, lane, slice_)


async def pay_aid_batch(ctx: WorkerContext, outbox_id: int, lane: int = 0, slice_: int = 0) -> str:
    """An aid batch (each household paid once, partition by partition)."""
    return await work_run(ctx, Job.PAY_AID_BATCH, outbox_id, lane, slice_)


async def simulate_policy(ctx: WorkerContext, outbox_id: int, lane: int = 0, slice_: int = 0) -> str:
    """A what-if simulation (tallied column-wise, partition by partition; nothing decided)."""
    return await work_run(ctx, Job.SIMULATE_POLICY, outbox_id, lane, slice_)
