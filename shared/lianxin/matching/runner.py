"""Re-matching runs on the shared partitioned run mechanism (lianxin.run): a partition's households are
decided column-wise (lianxin.matching.vectorised), each partition in one transaction with its mark."""

from __future__ import annotations

from datetime import date
from typing import Any

from lianxin import run as runs
from lianxin.core.db import Connection
from lianxin.matching.service import CHUNK_SIZE
from lianxin.matching.vectorised import decide_partition


def partition_work(as_of: date) -> runs.Work:
    """What a re-matching run does with one partition's households."""

    async def work(conn: Connection, run: Any, part: runs.Partition, ids: list[int]) -> runs.Outcome:
        result = await decide_partition(conn, ids, as_of=as_of, run_id=part.run_id)
        return runs.Outcome(done=len(ids), changed=result.decided)

    return work


async def run_chunk(conn: Connection, run_id: int, *, as_of: date, chunk_size: int = CHUNK_SIZE) -> bool:
    """One step of a run (plan it, or decide one partition of `chunk_size` households); False when
    nothing is left for this caller. Any number of callers may step the same run at once."""
    return await runs.step(
        conn, runs.RunKind.ELIGIBILITY, run_id, partition_work(as_of), partition_size=chunk_size
    )
