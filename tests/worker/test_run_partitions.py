"""The shared run mechanism (lianxin.run): a run cut into partitions that any number of workers take;
a partition held by a worker is skipped by the others, and one whose worker dies (its transaction rolls
back) is taken again, so every household ends with exactly one decision."""

from __future__ import annotations

import asyncio
from datetime import date

from lianxin import run as runs
from lianxin.core.db import Pool, unit_of_work
from lianxin.eligibility import DEMO_PARAMETERS
from lianxin.matching import service as matching
from lianxin.matching.runner import partition_work, run_chunk
from lianxin.trade_union.models import UnionKind

from factories import make_union

N = 120
AS_OF = date(2026, 11, 29)


async def _scene(pool: Pool) -> int:
    root = await make_union(pool, name="市总")
    district = await make_union(
        pool, name="区总", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            """INSERT INTO household (archive_no, level, category, region_code, union_id)
               SELECT 'P' || lpad(g::text, 6, '0'), 'MUNICIPAL', 'RELATIVE', '371002', $1
               FROM generate_series(1, $2) g""",
            district.id,
            N,
        )
        await conn.execute(
            """INSERT INTO member (household_id, position, name, relation, id_number, sex, birth_date, health,
                                   employment)
               SELECT id, 0, '户主', 'HEAD', '371002' || to_char(date '1950-01-01' + id::int, 'YYYYMMDD') || '001X',
                      'MALE', date '1950-01-01' + id::int, 'HEALTHY', 'UNEMPLOYED' FROM household"""
        )
        await conn.execute(
            "INSERT INTO income (household_id, kind, monthly_fen, member_position) "
            "SELECT id, 'OTHER', (id % 20) * 10000, 0 FROM household"
        )
    async with unit_of_work(pool, None) as uow:
        _, run = await matching.publish_policy(uow, "371000", date(2020, 1, 1), dict(DEMO_PARAMETERS), "t")
    return run.id


async def _exactly_one_decision_each(pool: Pool, run_id: int) -> None:
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT status, done, total, changed FROM eligibility_run WHERE id = $1", run_id
        )
        counts = await conn.fetch("SELECT count(*) AS n FROM eligibility_decision GROUP BY household_id")
        current = await conn.fetchval("SELECT count(*) FROM household_eligibility")
    assert row is not None
    assert (row["status"], row["done"], row["total"], row["changed"]) == ("DONE", N, N, N)
    assert len(counts) == N
    assert {r["n"] for r in counts} == {1}
    assert current == N


async def test_a_held_partition_is_skipped_and_a_dead_workers_partition_is_taken_again(pool: Pool) -> None:
    run_id = await _scene(pool)
    async with pool.acquire() as dying, pool.acquire() as other:
        async with other.transaction():
            await runs.start(other, runs.RunKind.ELIGIBILITY, run_id, partition_size=25)
        tx = dying.transaction()
        await tx.start()
        held = await runs.claim(dying, runs.RunKind.ELIGIBILITY, run_id)
        assert held is not None
        assert held.seq == 0
        # the other worker takes the next free partition, not the held one
        assert await runs.work_partition(other, runs.RunKind.ELIGIBILITY, run_id, partition_work(AS_OF))
        assert await other.fetchval(
            "SELECT array_agg(seq ORDER BY seq) FROM run_partition WHERE run_id = $1 AND status = 'DONE'",
            run_id,
        ) == [1]
        await tx.rollback()  # the worker dies: its partition is free again
        while await run_chunk(other, run_id, as_of=AS_OF, chunk_size=25):
            pass
    await _exactly_one_decision_each(pool, run_id)


async def test_two_workers_share_one_run(pool: Pool) -> None:
    run_id = await _scene(pool)
    worked: list[int] = []

    async def worker() -> None:
        async with pool.acquire() as conn:
            steps = 0
            while await run_chunk(conn, run_id, as_of=AS_OF, chunk_size=10):
                steps += 1
                await asyncio.sleep(0)
            worked.append(steps)

    await asyncio.gather(worker(), worker())
    assert sum(worked) == 12
    await _exactly_one_decision_each(pool, run_id)
