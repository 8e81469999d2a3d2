"""The migration runner on a real PostgreSQL: once, in order, checksummed, safe for concurrent replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from lianxin.core.db import Connection, connect
from lianxin.core.migrate import Migration, MigrationError, load_migrations, migrate

from conftest import with_database

M1 = Migration(1, "first", "CREATE TABLE a (id int PRIMARY KEY);")
M2 = Migration(2, "second", "INSERT INTO a VALUES (1);")
BROKEN = Migration(3, "broken", "INSERT INTO a VALUES (2); SELECT no_such_function();")


@pytest.fixture
async def scratch(pool: object, migrated: str) -> AsyncIterator[str]:
    admin = await connect(migrated)
    await admin.execute("DROP DATABASE IF EXISTS lianxin_migrate_test WITH (FORCE)")
    await admin.execute("CREATE DATABASE lianxin_migrate_test")
    yield with_database(migrated, "lianxin_migrate_test")
    await admin.execute("DROP DATABASE lianxin_migrate_test WITH (FORCE)")
    await admin.close()


async def _versions(conn: Connection) -> list[int]:
    return [r["version"] for r in await conn.fetch("SELECT version FROM schema_migration ORDER BY version")]


async def test_applies_in_order_once(scratch: str) -> None:
    conn = await connect(scratch)
    assert [m.version for m in await migrate(conn, [M1, M2])] == [1, 2]
    assert await migrate(conn, [M1, M2]) == []
    assert await conn.fetchval("SELECT count(*) FROM a") == 1
    assert await _versions(conn) == [1, 2]
    await conn.close()


async def test_edited_migration_is_refused(scratch: str) -> None:
    conn = await connect(scratch)
    await migrate(conn, [M1])
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await migrate(conn, [Migration(1, "first", "CREATE TABLE a (id bigint);")])
    await conn.close()


async def test_failing_migration_rolls_back_and_is_not_recorded(scratch: str) -> None:
    conn = await connect(scratch)
    with pytest.raises(Exception, match="no_such_function"):
        await migrate(conn, [M1, M2, BROKEN])
    assert await _versions(conn) == [1, 2]
    assert await conn.fetchval("SELECT count(*) FROM a") == 1
    await conn.close()


async def test_two_replicas_starting_at_once_apply_each_migration_once(scratch: str) -> None:
    conns = [await connect(scratch) for _ in range(3)]
    slow = Migration(1, "slow", "SELECT pg_sleep(0.3); CREATE TABLE a (id int PRIMARY KEY);")
    results = await asyncio.gather(*(migrate(c, [slow, M2]) for c in conns))
    assert sorted(len(r) for r in results) == [0, 0, 2]
    assert await _versions(conns[0]) == [1, 2]
    for c in conns:
        await c.close()


@pytest.mark.no_db
def test_shipped_migrations_are_uniquely_numbered_from_one() -> None:
    versions = [m.version for m in load_migrations()]
    assert versions[0] == 1
    assert versions == sorted(set(versions))
