"""SIGKILL (or SIGTERM) a real worker in the middle of a re-matching run, start another: every household
ends with exactly one current decision, none decided twice; a worker told to stop exits 0."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import date
from typing import Any

import pytest

from lianxin.core.config import Settings
from lianxin.core.db import Pool, unit_of_work
from lianxin.core.jobs import JobQueue
from lianxin.eligibility import DEMO_PARAMETERS
from lianxin.matching import service as matching
from lianxin.trade_union.models import UnionKind

from factories import make_union

pytestmark = pytest.mark.timeout(180)
N = 3000


async def _seed_households(pool: Pool, union_id: int) -> None:
    """N one-person households straight in SQL (fast); incomes spread around the standard."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            """INSERT INTO household (archive_no, level, category, region_code, union_id)
               SELECT 'K' || lpad(g::text, 6, '0'), 'MUNICIPAL', 'RELATIVE', '371002', $1
               FROM generate_series(1, $2) g""",
            union_id,
            N,
        )
        await conn.execute(
            """INSERT INTO member (household_id, position, name, relation, id_number, sex, birth_date, health,
                                   employment)
               SELECT id, 0, '户主', 'HEAD', '371002' || to_char(date '1950-01-01' + id::int, 'YYYYMMDD') || '001X',
                      'MALE', date '1950-01-01' + id::int, 'HEALTHY', 'UNEMPLOYED'
               FROM household"""
        )
        await conn.execute(
            """INSERT INTO income (household_id, kind, monthly_fen, member_position)
               SELECT id, 'OTHER', (id % 20) * 10000, 0 FROM household"""
        )


def _worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.require_database_url(),
        "REDIS_URL": settings.require_redis_url(),
        "LIANXIN_MATCH_CHUNK": "100",
        "LIANXIN_RUN_SLICE_SECONDS": "0.5",
        "LIANXIN_JOB_TIMEOUT": "3",
        "LIANXIN_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen([sys.executable, "-m", "lianxin_cli.main", "worker"], env=env)


async def _run_state(pool: Pool, run_id: int) -> tuple[str, int, int]:
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT status, done, total FROM eligibility_run WHERE id = $1", run_id)
    assert row is not None
    return row["status"], row["done"], row["total"]


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["killed", "terminated"])
async def test_worker_stopped_mid_run_leaves_exactly_one_decision_each(
    pool: Pool, settings: Settings, stop: signal.Signals
) -> None:
    union = await make_union(pool, name="市总")
    district = await make_union(
        pool, name="区总", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=union.id
    )
    await _seed_households(pool, district.id)
    queue = await JobQueue.connect(settings.require_redis_url())
    try:
        async with unit_of_work(pool, queue) as uow:
            _, run = await matching.publish_policy(
                uow, "371000", date(2020, 1, 1), dict(DEMO_PARAMETERS), "t"
            )
    finally:
        await queue.close()

    first = _worker(settings)
    deadline = time.monotonic() + 60
    killed_at = 0
    try:
        while time.monotonic() < deadline:
            _, done, total = await _run_state(pool, run.id)
            if 0 < done < total // 2:
                first.send_signal(stop)
                killed_at = done
                break
            await asyncio.sleep(0.02)
        first.wait(30)
    finally:
        first.kill()
        first.wait()
    assert 0 < killed_at < N, "the worker was not caught in the middle of the run"
    if stop == signal.SIGTERM:  # the job in flight is cancelled and retried; the stop itself is clean
        assert first.returncode == 0

    second = _worker(settings)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            status, done, total = await _run_state(pool, run.id)
            if status == "DONE":
                break
            await asyncio.sleep(0.2)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
    assert (status, done, total) == ("DONE", N, N)
    async with pool.acquire() as conn:
        per_household: Any = await conn.fetch(
            "SELECT household_id, count(*) AS n FROM eligibility_decision GROUP BY household_id"
        )
        current = await conn.fetchval("SELECT count(*) FROM household_eligibility")
        outbox_pending = await conn.fetchval(
            "SELECT count(*) FROM job_outbox WHERE done_at IS NULL AND job = 'run_eligibility'"
        )
    assert len(per_household) == N
    assert {r["n"] for r in per_household} == {1}
    assert current == N
    assert outbox_pending == 0
