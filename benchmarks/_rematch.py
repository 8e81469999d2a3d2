"""Helper process for benchmarks/eligibility.py: one full re-match by the worker's own code path.

Prints: seconds, decisions written, peak RSS in KiB.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import time
from datetime import date

from lianxin.access.rules import EVERYTHING
from lianxin.core.db import connect
from lianxin.matching import repository as repo
from lianxin.matching import service


async def main(url: str, chunk: int) -> None:
    conn = await connect(url)
    run = await repo.insert_run(conn, "371000", None, "benchmark", scope=EVERYTHING)
    started = time.perf_counter()
    more = True
    while more:
        async with conn.transaction():
            more = await service.run_chunk(conn, run.id, as_of=date(2026, 11, 29), chunk_size=chunk)
    elapsed = time.perf_counter() - started
    decided = await conn.fetchval("SELECT changed FROM eligibility_run WHERE id = $1", run.id)
    await conn.close()
    print(f"{elapsed:.3f} {decided} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
