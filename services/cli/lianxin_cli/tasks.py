"""One-shot operations behind the CLI: migrate, load demo data."""

from __future__ import annotations

from lianxin.core.config import Settings
from lianxin.core.db import UnitOfWork, connect, create_pool
from lianxin.core.jobs import JobQueue
from lianxin.core.migrate import Migration, migrate
from lianxin.demo.loader import load_demo_data
from lianxin.matching.service import request_rules_upgrade


async def migrate_database(url: str) -> list[Migration]:
    """Apply pending migrations; if the deployed rules version is newer than some household's current
    decision, queue the one re-decision run (the worker's outbox sweeper picks it up)."""
    conn = await connect(url)
    try:
        applied = await migrate(conn)
        async with conn.transaction():
            await request_rules_upgrade(UnitOfWork(conn=conn))
        return applied
    finally:
        await conn.close()


async def database_is_empty(url: str) -> bool:
    conn = await connect(url)
    try:
        return not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM trade_union)")
    finally:
        await conn.close()


async def load_demo(settings: Settings) -> str:
    pool = await create_pool(settings.require_database_url(), max_size=2)
    queue = await JobQueue.connect(settings.require_redis_url()) if settings.redis_url else None
    try:
        summary = await load_demo_data(pool, queue)
    finally:
        await pool.close()
        if queue:
            await queue.close()
    return summary
