"""Helper processes for benchmarks/eligibility.py: a whole re-match or simulation worked by K worker
processes on the worker's own code path (lianxin.run partitions, decided or tallied column-wise).

    _rematch.py URL rematch|simulate CHUNK K [LANES]
                                → prints: seconds, decisions written, max peak RSS (KiB)
    _rematch.py URL work KIND RUN_ID CHUNK [LANES]
                                → one worker: steps the run until nothing is left;
                                  prints: peak RSS (KiB), when it started and ended

A re-match worker works one partition at a time (LANES 1, the default): the figure the issue's ratio and
speedup read. With LANES 4 (lianxin_worker.tasks.runs.RUN_LANES) it works the run's lanes at once, as a
deployed arq worker does with the run's lane jobs (arq runs up to 10 jobs at once).

A re-match is timed from the workers' start (process start-up included). A simulation, the question a
user waits for, is timed from the first worker's first step to the last worker's end: a worker is
already running (imports done, connections open) when someone asks; its start-up is not the answer's.
"""

from __future__ import annotations

import asyncio
import resource
import subprocess
import sys
import time
from datetime import date

from lianxin import run as runs
from lianxin.access.rules import EVERYTHING
from lianxin.core.db import Connection, connect
from lianxin.eligibility import DEMO_PARAMETERS
from lianxin.matching import repository as repo
from lianxin.matching import runner, simulation
from lianxin_worker.tasks.runs import RUN_LANES

AS_OF = date(2026, 11, 29)


async def work(url: str, kind: str, run_id: int, chunk: int, rematch_lanes: int = 1) -> None:
    run_kind = runs.RunKind(kind)
    if run_kind is runs.RunKind.SIMULATION:
        # as the worker runs a simulation: its RUN_LANES lane jobs at once in one process (arq runs up
        # to max_jobs = 10 jobs concurrently), each on its own connection, in partitions of
        # SIMULATION_PARTITION households
        step_work, finish = simulation.partition_work(AS_OF), simulation.finish
        lanes, chunk = RUN_LANES, simulation.SIMULATION_PARTITION
    else:
        step_work, finish, lanes = runner.partition_work(AS_OF), None, rematch_lanes

    async def lane(conn: Connection) -> None:  # the first to lock the QUEUED run plans it
        while await runs.step(conn, run_kind, run_id, step_work, partition_size=chunk, finish=finish):
            pass
        await conn.close()

    conns = [await connect(url) for _ in range(lanes)]
    started = time.time()
    await asyncio.gather(*(lane(conn) for conn in conns))
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, started, time.time())


async def create(url: str, what: str) -> tuple[str, int]:
    conn = await connect(url)
    try:
        if what == "simulate":
            raised = {**DEMO_PARAMETERS, "standard_monthly": "1100.00"}
            sim_id: int = await conn.fetchval(repo.Q.insert_simulation, "371000", raised, "benchmark")
            return runs.RunKind.SIMULATION.value, sim_id
        run = await repo.insert_run(conn, "371000", None, "benchmark", scope=EVERYTHING)
        return runs.RunKind.ELIGIBILITY.value, run.id
    finally:
        await conn.close()


async def figures(url: str, kind: str, run_id: int) -> tuple[str, int]:
    conn = await connect(url)
    try:
        if kind == runs.RunKind.SIMULATION.value:
            row = await conn.fetchrow("SELECT status, done FROM policy_simulation WHERE id = $1", run_id)
            assert row is not None
            return row["status"], row["done"]
        row = await conn.fetchrow("SELECT status, changed FROM eligibility_run WHERE id = $1", run_id)
        assert row is not None
        return row["status"], row["changed"]
    finally:
        await conn.close()


def main() -> None:
    url, what = sys.argv[1], sys.argv[2]
    if what == "work":
        lanes = int(sys.argv[6]) if len(sys.argv) > 6 else 1
        asyncio.run(work(url, sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), lanes))
        return
    chunk, workers = int(sys.argv[3]), int(sys.argv[4])
    lanes = sys.argv[5] if len(sys.argv) > 5 else "1"
    kind, run_id = asyncio.run(create(url, what))
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, url, "work", kind, str(run_id), str(chunk), lanes],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    reports = [p.communicate()[0].split()[-3:] for p in procs]
    elapsed = time.perf_counter() - started
    rss = [int(r[0]) for r in reports]
    if what == "simulate":
        elapsed = max(float(r[2]) for r in reports) - min(float(r[1]) for r in reports)
    assert all(p.returncode == 0 for p in procs)
    status, count = asyncio.run(figures(url, kind, run_id))
    assert status == "DONE", status
    print(f"{elapsed:.3f} {count} {max(rss)}")


if __name__ == "__main__":
    main()
