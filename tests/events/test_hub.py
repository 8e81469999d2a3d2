"""The per-process event hub: polling when LISTEN is unavailable, slow subscribers that overflow
their queue fall back to the database and still get everything, in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from lianxin.core.db import Pool
from lianxin.events.hub import EventHub
from lianxin.events.outbox import record_event
from lianxin.events.reader import StoredEvent


@pytest.fixture
async def hub(pool: Pool, migrated: str) -> AsyncIterator[EventHub]:
    h = EventHub(pool, migrated, poll_interval=0.1, queue_size=2)
    await h.start()
    yield h
    await h.stop()


async def _write(pool: Pool, *names: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        for name in names:
            await record_event(conn, "test.happened", "s", {"name": name}, None)


async def _take(stream: AsyncIterator[StoredEvent], count: int) -> list[str]:
    async with asyncio.timeout(10):
        return [(await anext(stream)).payload["name"] for _ in range(count)]


async def test_polling_delivers_when_listen_is_gone(hub: EventHub, pool: Pool) -> None:
    assert hub._listener is not None
    await hub._listener.close()  # as if the LISTEN connection dropped
    stream = hub.stream(None, lambda e: True)
    first = asyncio.ensure_future(_take(stream, 1))
    await asyncio.sleep(0.05)
    await _write(pool, "polled")
    assert await first == ["polled"]
    # and the hub listens again after its next round
    async with asyncio.timeout(5):
        while hub._listener is None or hub._listener.is_closed():  # noqa: ASYNC110 - the hub's task
            await asyncio.sleep(0.05)
    await stream.aclose()


async def test_a_slow_subscriber_overflows_and_still_gets_everything_in_order(
    hub: EventHub, pool: Pool
) -> None:
    stream = hub.stream(None, lambda e: e.payload["name"] != "skip")
    first = asyncio.ensure_future(_take(stream, 1))
    await asyncio.sleep(0.05)
    await _write(pool, "e0")
    assert await first == ["e0"]
    # the subscriber reads nothing while 12 events arrive: its queue of 2 overflows
    for i in range(1, 13):
        await _write(pool, f"e{i}", "skip")
    async with asyncio.timeout(5):
        while not all(s.overflowed for s in hub.subscribers):  # noqa: ASYNC110 - the hub's task
            await asyncio.sleep(0.02)
    assert await _take(stream, 12) == [f"e{i}" for i in range(1, 13)]
    await _write(pool, "after")
    assert await _take(stream, 1) == ["after"]
    await stream.aclose()
    assert hub.subscribers == set()


async def test_notify_wakes_the_hub_long_before_its_poll(pool: Pool, migrated: str) -> None:
    slow_poll = EventHub(pool, migrated, poll_interval=60)
    await slow_poll.start()
    try:
        stream = slow_poll.stream(None, lambda e: True)
        first = asyncio.ensure_future(_take(stream, 1))
        await asyncio.sleep(0.05)
        await _write(pool, "notified")
        assert await first == ["notified"]  # within _take's 10 s, far below the 60 s poll
        await stream.aclose()
    finally:
        await slow_poll.stop()


async def test_from_now_skips_what_committed_before_even_above_the_horizon(hub: EventHub, pool: Pool) -> None:
    async with pool.acquire() as open_conn:
        # Given a transaction still open (it holds the horizon back) while another commits B
        t1 = open_conn.transaction()
        await t1.start()
        await record_event(open_conn, "test.happened", "s", {"name": "A"}, None)
        await _write(pool, "B")
        # When a subscriber starts "from now"
        stream = hub.stream(None, lambda e: True)
        got = asyncio.ensure_future(_take(stream, 2))
        await asyncio.sleep(0.1)
        # Then B (committed before it started) is not sent; A (committed after) and C are
        await t1.commit()
    await _write(pool, "C")
    assert await got == ["A", "C"]
    await stream.aclose()
