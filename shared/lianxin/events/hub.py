"""One reader of the event log per process, fanning events out to in-process subscribers.

The hub LISTENs on `lianxin_event` (migration 0004 notifies on every insert) and also polls, so a
lost LISTEN connection only slows delivery down. Each wake-up reads the log with the commit-safe
reader and offers every new event to every subscriber's queue. A subscriber first replays from its
own cursor straight from the database, then takes live events from its queue, skipping any it has
already passed; the replay always reaches at least as far as the hub had got when the subscriber
registered, so the two together have no gap. A subscriber that falls too far behind is switched
back to replaying from the database instead of buffering without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from lianxin.core.db import Connection, Pool, connect
from lianxin.events.reader import (
    PAGE_SIZE,
    Position,
    StoredEvent,
    committed_beyond_horizon,
    horizon,
    now_position,
    read_events,
)

log = logging.getLogger(__name__)

CHANNEL = "lianxin_event"
Accept = Callable[[StoredEvent], bool]


class Subscriber:
    """One stream of events; iterate it with `events()`. Close it with `hub.unsubscribe`."""

    def __init__(self, accept: Accept, queue_size: int) -> None:
        self.accept = accept
        self.queue: asyncio.Queue[StoredEvent] = asyncio.Queue(queue_size)
        self.overflowed = False

    def offer(self, event: StoredEvent) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True  # the stream re-reads from the database from where it is


class EventHub:
    def __init__(
        self,
        pool: Pool,
        dsn: str,
        *,
        poll_interval: float = 1.0,
        queue_size: int = 1000,
    ) -> None:
        self.pool = pool
        self.dsn = dsn
        self.poll_interval = poll_interval
        self.queue_size = queue_size
        self.position: Position | None = None
        self.subscribers: set[Subscriber] = set()
        self._wake = asyncio.Event()
        self._listener: Connection | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        async with self.pool.acquire() as conn:
            self.position = await horizon(conn)
        await self._listen()
        self._task = asyncio.create_task(self._run(), name="event-hub")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._listener is not None and not self._listener.is_closed():
            await self._listener.close()

    def _notified(self, *args: Any) -> None:
        self._wake.set()

    async def _listen(self) -> None:
        try:
            self._listener = await connect(self.dsn)
            await self._listener.add_listener(CHANNEL, self._notified)
        except Exception as exc:  # polling carries on; the next round tries again
            log.warning("event hub: LISTEN failed (%s); polling every %ss", exc, self.poll_interval)
            self._listener = None

    async def _run(self) -> None:
        delay = self.poll_interval
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            self._wake.clear()
            try:
                if self._listener is None or self._listener.is_closed():
                    await self._listen()
                waiting = await self.pump()
            except Exception:  # the database blinked: keep the subscribers, retry on the next round
                log.exception("event hub: reading the log failed")
                waiting = False
            # committed events held back by an older open transaction: look again soon
            delay = 0.02 if waiting else self.poll_interval

    async def pump(self) -> bool:
        """Read every readable new event and offer it to the subscribers; True if more wait."""
        assert self.position is not None
        async with self.pool.acquire() as conn:
            while True:
                batch = await read_events(conn, self.position, limit=PAGE_SIZE)
                for event in batch:
                    for subscriber in list(self.subscribers):
                        subscriber.offer(event)
                if batch:
                    self.position = batch[-1].position
                if len(batch) < PAGE_SIZE:
                    break
            return await committed_beyond_horizon(conn)

    def subscribe(self, accept: Accept) -> Subscriber:
        subscriber = Subscriber(accept, self.queue_size)
        self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    async def stream(self, after: Position | None, accept: Accept) -> AsyncIterator[StoredEvent]:
        """Every accepted event after `after` (None: from now on), in order, then live, forever."""
        subscriber = self.subscribe(accept)  # register first: the replay then overlaps the live feed
        try:
            last = after
            before: frozenset[int] = frozenset()  # committed before "now", above the horizon
            if last is None:
                async with self.pool.acquire() as conn:
                    last, before = await now_position(conn)
            replay = True
            while True:
                if replay:
                    async for event in self._replay(last, subscriber):
                        last = event.position
                        if event.id not in before:
                            yield event
                    replay = False
                    continue
                event = await subscriber.queue.get()
                if subscriber.overflowed:
                    replay = True
                    continue
                if event.position > last:
                    last = event.position
                    if event.id not in before and subscriber.accept(event):
                        yield event
        finally:
            self.unsubscribe(subscriber)

    async def _replay(self, after: Position, subscriber: Subscriber) -> AsyncIterator[StoredEvent]:
        # start from a clean queue: everything it held is re-read below, in order
        subscriber.overflowed = False
        while not subscriber.queue.empty():
            subscriber.queue.get_nowait()
        last = after
        while True:
            async with self.pool.acquire() as conn:
                batch = await read_events(conn, last, limit=PAGE_SIZE)
            for event in batch:
                last = event.position
                if subscriber.accept(event):
                    yield event
            if len(batch) < PAGE_SIZE:
                return
