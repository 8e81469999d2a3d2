"""One reader of the event log per process, fanning events out to in-process subscribers.

The hub LISTENs on `lianxin_event` (migration 0004 notifies on every insert) and also polls, so a
lost LISTEN connection only slows delivery down. Each wake-up reads the log with the commit-safe
reader and offers every new event to every subscriber's queue. A subscriber first replays from its
own cursor straight from the database, then takes live events from its queue, skipping any it has
already passed; the replay always reaches at least as far as the hub had got when the subscriber
registered, so the two together have no gap. A subscriber that falls too far behind is switched
back to replaying from the database instead of buffering without bound.

Groups (`follow`): subscribers that would receive the same thing (the API groups them by operation
and by the caller's visibility class) share one `Group`. Per event the hub asks the group once
whether it accepts the event and has it rendered once; every live member is then handed the same
rendered value to send (`Member.send`, which never blocks). A member replays from its own cursor
first, exactly like `stream`, while the group keeps what arrives meanwhile for it (bounded); then,
without yielding to the event loop, it sends what it kept beyond its replay and goes live: no gap,
no duplicate, its order kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Hashable
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
Render = Callable[[StoredEvent], str]
Send = Callable[[StoredEvent, str], None]
NOTHING: frozenset[int] = frozenset()


class Parked(BaseException):
    """Raised by `follow(..., park=True)` once the subscriber is live: from then on the group sends for
    it, so nothing needs its task and generators any more (they are most of an idle subscription's
    memory). A BaseException, so that no `except Exception` on the way takes it for a failure. Whoever
    catches it keeps `leave` and calls it when the subscription ends."""

    def __init__(self, leave: Callable[[], None]) -> None:
        super().__init__()
        self.leave = leave


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


class Member:
    """One subscriber of a group. While it replays, the group keeps the rendered events for it (at most
    `bound`; past that it replays again from the database); once live they go straight to `send`."""

    __slots__ = ("floor", "group", "live", "pending", "send", "skip")

    def __init__(self, group: Group, send: Send) -> None:
        self.group = group
        self.send = send
        self.pending: list[tuple[StoredEvent, str]] | None = []  # None: overflowed while replaying
        self.live = False
        self.floor: Position | None = None  # once live: where its replay ended
        self.skip = NOTHING  # ids committed before "now" that an `after: null` stream must not get

    def offer(self, event: StoredEvent, rendered: str) -> None:
        if self.live:
            assert self.floor is not None
            if event.position > self.floor and event.id not in self.skip:
                self.send(event, rendered)
        elif self.pending is not None:
            if len(self.pending) >= self.group.bound:
                self.pending = None  # too far behind: its replay reads these from the database
            else:
                self.pending.append((event, rendered))


class Group:
    """Subscribers that receive the same events, rendered the same: the hub decides and renders once."""

    __slots__ = ("accept", "bound", "key", "members", "render")

    def __init__(self, key: Hashable, accept: Accept, render: Render, bound: int) -> None:
        self.key = key
        self.accept = accept
        self.render = render
        self.bound = bound
        self.members: dict[Member, None] = {}  # insertion-ordered set

    def offer(self, event: StoredEvent) -> None:
        if not self.accept(event):
            return
        rendered = self.render(event)
        for member in list(self.members):
            try:
                member.offer(event, rendered)
            except Exception:  # one member's socket must not keep the event from the others
                log.exception("event hub: a member of group %r failed on event %s", self.key, event.id)


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
        self.groups: dict[Hashable, Group] = {}
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
                    if self.groups:
                        for group in list(self.groups.values()):
                            try:
                                group.offer(event)
                            except Exception:  # one group's failure must not stop the others
                                log.exception("event hub: group %r failed on event %s", group.key, event.id)
                        # let the sockets' writers take it before the next event: a burst of events
                        # then fills only the queues of clients that do not keep up
                        await asyncio.sleep(0)
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

    def join(self, key: Hashable, accept: Accept, render: Render, send: Send) -> Member:
        """A new member of the group `key` (created with `accept` and `render` if it is new)."""
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(key, accept, render, self.queue_size)
        member = Member(group, send)
        group.members[member] = None
        return member

    def leave(self, member: Member) -> None:
        group = member.group
        group.members.pop(member, None)
        if not group.members and self.groups.get(group.key) is group:
            del self.groups[group.key]

    async def follow(
        self,
        after: Position | None,
        key: Hashable,
        accept: Accept,
        render: Render,
        send: Send,
        *,
        park: bool = False,
    ) -> AsyncIterator[StoredEvent]:
        """Like `stream`: every accepted event after `after` (None: from now on), in order. The replay is
        yielded; then the subscriber joins its group's live feed (the group renders each event once and
        hands it to `send`) and this waits, yielding nothing more, until it is closed; with `park`, it
        raises `Parked` instead, whose `leave` ends the membership."""
        member = self.join(key, accept, render, send)  # first: the replay then overlaps the live feed
        parked = False
        try:
            last = after
            if last is None:
                async with self.pool.acquire() as conn:
                    last, member.skip = await now_position(conn)
            while True:
                member.pending = []
                async for event in self._read_from(last, accept):
                    last = event.position
                    if event.id not in member.skip:
                        yield event
                if member.pending is not None:
                    break
                # the group kept too much for it meanwhile: read on from the database
            # caught up: what the group kept beyond the replay, then live, in one step (no await)
            for event, rendered in member.pending:
                if event.position > last and event.id not in member.skip:
                    last = event.position
                    send(event, rendered)
            member.pending = None
            member.floor = last
            member.live = True
            if park:
                parked = True
                raise Parked(lambda: self.leave(member))
            await asyncio.get_running_loop().create_future()  # the group sends from now on; until cancelled
        finally:
            if not parked:
                self.leave(member)

    async def _read_from(self, after: Position, accept: Accept) -> AsyncIterator[StoredEvent]:
        last = after
        while True:
            async with self.pool.acquire() as conn:
                batch = await read_events(conn, last, limit=PAGE_SIZE)
            for event in batch:
                last = event.position
                if accept(event):
                    yield event
            if len(batch) < PAGE_SIZE:
                return
