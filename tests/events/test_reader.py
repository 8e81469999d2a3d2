"""The event log's cursor on a real PostgreSQL: transactions that commit out of id order are never
skipped, cursors are opaque and checked, old events are purged."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from lianxin.core.db import Connection, Pool
from lianxin.core.errors import DomainError
from lianxin.events.outbox import record_event
from lianxin.events.reader import (
    START,
    Position,
    StoredEvent,
    committed_beyond_horizon,
    decode_cursor,
    encode_cursor,
    horizon,
    load_reader_position,
    purge_events,
    read_events,
    save_reader_position,
)


async def _insert(conn: Connection, name: str) -> int:
    return await record_event(conn, "test.happened", f"subject-{name}", {"name": name}, "371002")


async def _drain(pool: Pool, after: Position) -> tuple[list[StoredEvent], Position]:
    async with pool.acquire() as conn:
        events = await read_events(conn, after)
    return events, events[-1].position if events else after


async def _drain_until(pool: Pool, after: Position, count: int) -> tuple[list[StoredEvent], Position]:
    """Read until `count` events came. The horizon is cluster-wide: a transaction open in another
    database of the same server (a parallel test worker) may hold new events back for a moment."""
    found: list[StoredEvent] = []
    async with asyncio.timeout(10):
        while len(found) < count:
            batch, after = await _drain(pool, after)
            found += batch
            if not batch:
                await asyncio.sleep(0.01)
    return found, after


async def test_a_transaction_committing_late_with_a_lower_id_is_not_skipped(pool: Pool) -> None:
    async with pool.acquire() as early, pool.acquire() as late_writer:
        # Given T1 inserts first (lower id) but stays open while T2 inserts and commits
        t1 = early.transaction()
        await t1.start()
        low = await _insert(early, "low")
        async with late_writer.transaction():
            high = await _insert(late_writer, "high")
        assert low < high
        # a reader paging by id would now see `high`, move its cursor past `low`, and lose it
        async with pool.acquire() as naive:
            assert [r["id"] for r in await naive.fetch("SELECT id FROM event ORDER BY id")] == [high]
        # the commit-safe reader holds back while T1 is open, and says committed events wait
        seen, cursor = await _drain(pool, START)
        assert seen == []
        async with pool.acquire() as conn:
            assert await committed_beyond_horizon(conn)
        # When T1 commits
        await t1.commit()
    # Then both arrive, in (txid, id) order, and nothing after the cursor is left
    seen, cursor = await _drain_until(pool, cursor, 2)
    assert [e.id for e in seen] == [low, high]
    assert (await _drain(pool, cursor))[0] == []


async def test_an_older_transaction_writing_a_higher_id_sorts_first_and_is_not_skipped(pool: Pool) -> None:
    seen: list[int] = []
    cursor = START
    async with pool.acquire() as old, pool.acquire() as young:
        # Given T1 takes its transaction id first but writes its event last (the higher id)
        t1 = old.transaction()
        await t1.start()
        await old.fetchval("SELECT pg_current_xact_id()")
        async with young.transaction():
            first_id = await _insert(young, "young")
        batch, cursor = await _drain(pool, cursor)
        seen += [e.id for e in batch]
        second_id = await _insert(old, "old")
        await t1.commit()
    batch, cursor = await _drain_until(pool, cursor, 2 - len(seen))
    seen += [e.id for e in batch]
    # Then every event is read exactly once; the older transaction's event comes first
    assert seen == [second_id, first_id]


async def test_many_interleaved_transactions_lose_nothing(pool: Pool) -> None:
    """Readers poll while writers commit in a shuffled order: every event arrives exactly once."""
    cursor = START
    seen: list[int] = []
    written: list[int] = []
    async with pool.acquire() as a, pool.acquire() as b, pool.acquire() as c:
        for round_ in range(5):
            txs = [conn.transaction() for conn in (a, b, c)]
            for tx in txs:
                await tx.start()
            for i, conn in enumerate((a, b, c)):
                written.append(await _insert(conn, f"{round_}-{i}"))
            for tx in (txs[2], txs[0], txs[1]):  # commit out of id order, reading in between
                await tx.commit()
                batch, cursor = await _drain(pool, cursor)
                seen += [e.id for e in batch]
    batch, cursor = await _drain_until(pool, cursor, len(written) - len(seen))
    seen += [e.id for e in batch]
    assert sorted(seen) == sorted(written)
    assert len(seen) == len(set(seen))


async def test_types_filter_horizon_and_reader_positions(pool: Pool) -> None:
    async with pool.acquire() as conn:
        await _insert(conn, "a")
        await record_event(conn, "other.thing", "s", {}, None)
    await _drain_until(pool, START, 2)
    async with pool.acquire() as conn:
        assert [e.type for e in await read_events(conn, START, types=["other.thing"])] == ["other.thing"]
        now = await horizon(conn)
        await _insert(conn, "b")
    # "now" is after everything readable when it was taken
    after_now, _ = await _drain_until(pool, now, 1)
    assert [e.payload for e in after_now] == [{"name": "b"}]
    assert after_now[0].region_code == "371002"
    async with pool.acquire() as conn:
        assert await load_reader_position(conn, "webhooks") is None
        await save_reader_position(conn, "webhooks", after_now[0].position)
        await save_reader_position(conn, "webhooks", after_now[0].position)
        assert await load_reader_position(conn, "webhooks") == after_now[0].position


@pytest.mark.no_db
def test_cursors_are_opaque_round_trips_and_foreign_ones_are_refused() -> None:
    position = Position(123456789012, 42)
    cursor = encode_cursor(position)
    assert "123456789012" not in cursor
    assert decode_cursor(cursor) == position
    for bad in ["", "abc", encode_cursor(position).upper(), "azo6NDI", "ZXY6LTE6Mg"]:
        with pytest.raises(DomainError) as raised:
            decode_cursor(bad)
        assert raised.value.issues[0].code == "INVALID_CURSOR"


async def test_retention_purges_only_old_events(pool: Pool) -> None:
    async with pool.acquire() as conn:
        await _insert(conn, "old")
        await _insert(conn, "new")
        await conn.execute(
            "UPDATE event SET occurred_at = now() - interval '100 days' WHERE payload->>'name' = 'old'"
        )
        assert await purge_events(conn, timedelta(days=90), batch=1) == 1
        assert [r["payload"] for r in await conn.fetch("SELECT payload FROM event")] == [{"name": "new"}]


async def test_a_transaction_open_in_another_database_does_not_hold_events_back(
    pool: Pool, migrated: str
) -> None:
    from lianxin.core.db import connect

    from conftest import with_database

    other = await connect(with_database(migrated, "postgres"))
    try:
        tx = other.transaction()
        await tx.start()
        await other.fetchval("SELECT pg_current_xact_id()")  # an open writer elsewhere on the server
        async with pool.acquire() as conn:
            await _insert(conn, "here")
            assert [e.payload for e in await read_events(conn, START)] == [{"name": "here"}]
        await tx.rollback()
    finally:
        await other.close()
