"""One-shot operations behind the CLI: migrate, load demo data."""

from __future__ import annotations

from lianxin.core.config import Settings
from lianxin.core.db import connect, create_pool
from lianxin.core.jobs import JobQueue
from lianxin.core.migrate import Migration, migrate
from lianxin.demo.loader import load_demo_data


async def migrate_database(url: str) -> list[Migration]:
    conn = await connect(url)
    try:
        return await migrate(conn)
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
