"""Multiplexed fan-out (issue 17), over real sockets against a live uvicorn server: identical
subscriptions of one visibility class share a group and get byte-identical payloads, equal to what
strawberry executes per subscriber; different visibility classes never share one; a client that stops
reading delays no one, is closed with 1013 once its send queue is full, and resumes from its last
cursor without loss."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from gqlws import GqlWs, serve
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.frames import Close, Frame, Opcode
from websockets.streams import StreamReader

from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Principal, Role
from lianxin.events.hub import EventHub
from lianxin.events.outbox import record_event
from lianxin.events.reader import decode_cursor, encode_cursor, horizon
from lianxin.trade_union.models import UnionKind
from lianxin_api.app import create_app
from lianxin_api.context import Context
from lianxin_api.graphql.event.fanout import QUEUE_FULL, Frames, Sender, SendQueue
from lianxin_api.loaders import Loaders
from lianxin_api.schema import schema

from conftest import make_token
from factories import make_union

QUEUE = 16


def behind_a_wrapped_send(app: Any) -> Any:
    """The app behind an ASGI layer that wraps `send`: the fan-out cannot reach uvicorn's protocol and
    writes its messages through the ASGI send path (what another server would get)."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        async def relay(message: Any) -> None:
            await send(message)

        await app(scope, receive, relay)

    return wrapped


@pytest.fixture(params=["frames", "asgi"])
async def app_url(request: Any, settings: Settings, migrated: str) -> AsyncIterator[tuple[Any, str]]:
    """(the LianxinGraphQL view, its ws URL): a tiny send queue, no server pings; live messages written
    as pre-built frames straight to uvicorn's protocol, or through the ASGI send path."""
    app = create_app(settings.model_copy(update={"ws_send_queue": QUEUE, "ws_ping_seconds": 0}))
    async with serve(app if request.param == "frames" else behind_a_wrapped_send(app)) as port:
        yield app.state.graphql, f"ws://127.0.0.1:{port}/graphql"


def hub_of(view: Any) -> EventHub:
    hub: EventHub = view.events
    return hub


async def now_cursor(pool: Pool) -> str:
    async with pool.acquire() as conn:
        return encode_cursor(await horizon(conn))


async def record(pool: Pool, *names: str, blob: str = "", subject: str = "h") -> float:
    """Commits events named `names` (with `blob` in their payload); returns when the commit returned."""
    async with pool.acquire() as conn, conn.transaction():
        for name in names:
            await record_event(conn, "household.updated", subject, {"name": name, "blob": blob}, "371002")
    return time.monotonic()


async def members(hub: EventHub, count: int) -> None:
    """Waits until `count` subscriptions are live members of the hub's groups."""
    async with asyncio.timeout(10):
        while sum(m.live for g in hub.groups.values() for m in g.members) != count:  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def raw_next(client: GqlWs, within: float = 10) -> str:
    """The next `next` message's text exactly as it came off the socket (pings answered)."""
    async with asyncio.timeout(within):
        while True:
            text = await client.ws.recv()
            assert isinstance(text, str)
            if json.loads(text)["type"] == "ping":
                await client.send({"type": "pong"})
                continue
            return text


async def test_one_group_one_payload_and_it_equals_strawberrys_own(
    app_url: tuple[Any, str], pool: Pool
) -> None:
    view, url = app_url
    query = """subscription S($after: String, $types: [String!], $full: Boolean!) {
      events(after: $after, types: $types) { __typename ...Ids kind: type payload @include(if: $full)
        occurredAt @skip(if: $full) } }
      fragment Ids on Event { id cursor subjectId }"""
    cursor = await now_cursor(pool)
    # an agency of the events' region sees them (union staff would need a union path on each event)
    scope: dict[str, Any] = {"region_code": "371002", "agency_id": 1}
    clients = [await GqlWs.open(url, make_token(Role.CIVIL_AFFAIRS, **scope)) for _ in range(3)]
    for i, client in enumerate(clients):  # different operation ids and cursors, same operation
        variables = {"after": cursor if i else None, "types": ["household.*"], "full": True}
        await client.send(
            {"id": f"op-{i}", "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )
    await members(hub_of(view), 3)
    assert len(hub_of(view).groups) == 1
    # strawberry's own per-subscriber path, in process, for the same operation
    context = Context(
        request=None,  # type: ignore[arg-type]
        response=None,
        settings=view.settings,
        pool=view.pool,
        queue=None,
        principal=Principal(subject="test:civil_affairs", role=Role.CIVIL_AFFAIRS, **scope),
        auth_error=None,
        loaders=Loaders(view.pool),
        events=hub_of(view),
    )
    own = await schema.subscribe(
        query,
        variable_values={"after": cursor, "types": ["household.*"], "full": True},
        context_value=context,
    )
    assert not hasattr(own, "errors"), own
    first = asyncio.ensure_future(anext(own))  # type: ignore[arg-type]
    await asyncio.sleep(0.3)
    await record(pool, "一")
    texts = [await raw_next(client) for client in clients]
    # the same payload bytes for every member, only the id differs
    payloads = set()
    for i, text in enumerate(texts):
        head = '{"id":' + json.dumps(f"op-{i}") + ',"type":"next","payload":'
        assert text.startswith(head), text
        payloads.add(text[len(head) : -1])
    assert len(payloads) == 1
    sent = json.loads(payloads.pop())
    expected = await asyncio.wait_for(first, 10)
    assert sent == {"data": expected.data}
    assert set(sent["data"]["events"]) == {"__typename", "id", "cursor", "subjectId", "kind", "payload"}
    await own.aclose()  # type: ignore[attr-defined]
    for client in clients:
        await client.close()


async def test_two_visibility_classes_never_share_a_group(app_url: tuple[Any, str], pool: Pool) -> None:
    view, url = app_url
    root = await make_union(pool, name="市总工会")
    union_a = await make_union(
        pool, name="甲区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    union_b = await make_union(
        pool, name="乙区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371003", parent_id=root.id
    )
    cursor = await now_cursor(pool)
    staff_a = [await GqlWs.open(url, make_token(Role.UNION_STAFF, union_id=union_a.id)) for _ in range(2)]
    staff_b = await GqlWs.open(url, make_token(Role.UNION_STAFF, union_id=union_b.id))
    for client in [*staff_a, staff_b]:
        await client.subscribe("1", after=cursor, types=["household.*"])
    await members(hub_of(view), 3)
    classes = sorted(len(g.members) for g in hub_of(view).groups.values())
    assert classes == [1, 2]  # union A's two subscribers share a group; union B has its own
    # an event only union B may see, then one about union A
    await record(pool, "only B", subject=to_global_id("TradeUnion", union_b.id))
    await record(pool, "only A", subject=to_global_id("TradeUnion", union_a.id))
    assert [e["payload"]["name"] for e in await staff_b.events(1)] == ["only B"]
    for client in staff_a:
        assert [e["payload"]["name"] for e in await client.events(1)] == ["only A"]
        await client.nothing_within(0.2)
    await staff_b.nothing_within(0.2)
    for client in [*staff_a, staff_b]:
        await client.close()


async def open_stalled(url: str) -> GqlWs:
    """A client on a socket with a tiny receive buffer, that will stop reading."""
    host, port = url.removeprefix("ws://").split("/")[0].split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    ws = await connect(url, sock=sock, subprotocols=["graphql-transport-ws"], max_queue=1)  # type: ignore[list-item]
    client = GqlWs(ws)
    await client.send({"type": "connection_init", "payload": {"Authorization": f"Bearer {make_token()}"}})
    assert (await client.receive())["type"] == "connection_ack"
    return client


async def until_closed(client: GqlWs) -> tuple[list[dict[str, Any]], Close | None]:
    """Every event the client gets until the server closes it, and the close frame."""
    got: list[dict[str, Any]] = []
    while True:
        try:
            message = await client.receive(within=10)
        except ConnectionClosed as exc:
            return got, exc.rcvd
        assert message["type"] == "next", message
        got.append(message["payload"]["data"]["events"])


async def test_a_stalled_client_delays_no_one_and_resumes_without_loss(
    app_url: tuple[Any, str], pool: Pool
) -> None:
    view, url = app_url
    hub = hub_of(view)
    cursor = await now_cursor(pool)
    normal = [await GqlWs.open(url, make_token()) for _ in range(4)]
    stalled = await open_stalled(url)
    for client in [*normal, stalled]:
        await client.subscribe("1", after=cursor, types=["household.updated"])
    await members(hub, 5)
    await record(pool, "e0")
    for client in [*normal, stalled]:
        assert [e["payload"]["name"] for e in await client.events(1)] == ["e0"]
    # When the stalled client stops reading while large events keep coming
    stalled.ws.transport.pause_reading()
    blob = secrets.token_urlsafe(48_000)  # 64 kB that permessage-deflate cannot shrink much
    written = ["e0"]
    slowest = 0.0
    while hub.groups and sum(len(g.members) for g in hub.groups.values()) == 5:
        batch = [f"e{len(written) + i}" for i in range(5)]
        committed = await record(pool, *batch, blob=blob)
        written += batch
        # Then every normal client gets every event promptly
        got = await asyncio.gather(*(client.events(len(batch), within=5) for client in normal))
        slowest = max(slowest, time.monotonic() - committed)
        assert all([e["payload"]["name"] for e in events] == batch for events in got)
        assert len(written) < 400, "the stalled client was never cut off"
    assert slowest < 2.0, slowest
    # and the server has let the stalled subscription go (its queue of QUEUE was full); others go on
    await record(pool, "after")
    written.append("after")
    for client in normal:
        assert [e["payload"]["name"] for e in await client.events(1)] == ["after"]
    # The stalled client, reading again, gets a prefix of the events in order, then the 1013 close
    stalled.ws.transport.resume_reading()
    got, closed = await until_closed(stalled)
    assert closed is not None
    assert closed.code == QUEUE_FULL
    assert "resume" in closed.reason
    names = [e["payload"]["name"] for e in got]
    assert names == written[1 : 1 + len(names)]
    # and resuming from its last cursor gets exactly the rest
    last = got[-1]["cursor"] if got else cursor
    rest = written[1 + len(names) :] if got else written
    again = await GqlWs.open(url, make_token())
    await again.subscribe("2", after=last, types=["household.updated"])
    assert [e["payload"]["name"] for e in await again.events(len(rest))] == rest
    await again.nothing_within(0.2)
    for client in [*normal, again]:
        await client.close()


async def test_an_idle_subscription_holds_no_growing_state(app_url: tuple[Any, str], pool: Pool) -> None:
    view, url = app_url
    client = await GqlWs.open(url, make_token())
    await client.subscribe("1", after=await now_cursor(pool), types=["household.updated"])
    await members(hub_of(view), 1)
    for round_ in range(3):
        await record(pool, f"r{round_}")
        await client.events(1)
    (group,) = hub_of(view).groups.values()
    (member,) = group.members
    assert member.pending is None  # nothing kept per member once live
    assert member.skip == frozenset()
    await client.close()
    async with asyncio.timeout(5):
        while hub_of(view).groups:  # noqa: ASYNC110 - the server's handler cleans up
            await asyncio.sleep(0.02)


async def test_replay_then_group_has_no_gap_and_no_duplicate(pool: Pool, migrated: str) -> None:
    # a hub that keeps at most 2 events for a replaying member: the rest it must read again
    hub = EventHub(pool, migrated, poll_interval=0.05, queue_size=2)
    await hub.start()
    try:
        cursor = await now_cursor(pool)
        await record(pool, *[f"old{i}" for i in range(5)])
        replayed: list[str] = []
        sent: list[str] = []
        resume = asyncio.Event()

        async def follow() -> None:
            stream = hub.follow(
                decode_cursor(cursor),
                "key",
                lambda e: e.type == "household.updated",
                lambda e: e.payload["name"],
                lambda e, rendered: sent.append(rendered),
            )
            async for event in stream:
                replayed.append(event.payload["name"])
                if len(replayed) == 1:
                    await resume.wait()  # a slow replay while new events are committed

        task = asyncio.create_task(follow())
        async with asyncio.timeout(10):
            while not replayed:  # noqa: ASYNC110 - the follower's task
                await asyncio.sleep(0.01)
        for i in range(8):  # committed during the replay: more than the group keeps for it
            await record(pool, f"mid{i}")
        await asyncio.sleep(0.3)  # the hub has offered them meanwhile
        resume.set()
        await members(hub, 1)
        for i in range(3):
            await record(pool, f"new{i}")
        expected = (
            [f"old{i}" for i in range(5)] + [f"mid{i}" for i in range(8)] + [f"new{i}" for i in range(3)]
        )
        async with asyncio.timeout(10):
            while replayed + sent != expected:
                assert len(replayed) + len(sent) <= len(expected), (replayed, sent)
                await asyncio.sleep(0.02)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert hub.groups == {}
    finally:
        await hub.stop()


def test_frames_are_what_a_websocket_peer_reads() -> None:
    # every length form of RFC 6455 (7-bit, 16-bit, 64-bit), parsed by the websockets library itself
    for size in (0, 125, 126, 65_535, 65_536, 70_000):
        payload = '"' + "x" * size + '"'
        frame = Frames().frame('{"id":"1","type":"next","payload":', payload)
        reader = StreamReader()
        reader.feed_data(frame)
        parser = Frame.parse(reader.read_exact, mask=False)
        with pytest.raises(StopIteration) as done:
            next(parser)
        parsed = done.value.value
        assert (parsed.opcode, parsed.fin) == (Opcode.TEXT, True)
        assert json.loads(parsed.data) == {"id": "1", "type": "next", "payload": "x" * size}
    frames = Frames()  # one frame per operation id for the payload being fanned out: the same bytes
    assert frames.frame("a", "{}") is frames.frame("a", "{}")


def operation_tasks() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if "run_operation" in repr(t.get_coro())]


async def test_a_live_subscription_keeps_no_task_and_complete_leaves_its_group(
    app_url: tuple[Any, str], pool: Pool, request: Any
) -> None:
    view, url = app_url
    hub = hub_of(view)
    client = await GqlWs.open(url, make_token())
    await client.subscribe("1", after=await now_cursor(pool), types=["household.updated"])
    await members(hub, 1)
    await record(pool, "a")
    assert [e["payload"]["name"] for e in await client.events(1)] == ["a"]
    # (written as pre-built frames where uvicorn's websockets-sansio protocol serves it)
    ((member,),) = (group.members for group in hub.groups.values())
    assert isinstance(member.send, Sender)
    assert (member.send.queue.writer is not None) == (request.node.callspec.params["app_url"] == "frames")
    # Given a live subscription: no task, no generators, only its membership of the group
    async with asyncio.timeout(5):
        while operation_tasks():  # noqa: ASYNC110 - the operation's task ends once the member is live
            await asyncio.sleep(0.01)
    # When the client completes it
    await client.send({"id": "1", "type": "complete"})
    # Then it leaves its group, nothing more comes, and the socket stays usable for the same id
    async with asyncio.timeout(5):
        while hub.groups:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    await record(pool, "b")
    await client.nothing_within(0.3)
    await client.subscribe("1", after=await now_cursor(pool), types=["household.updated"])
    await members(hub, 1)
    await record(pool, "c")
    assert [e["payload"]["name"] for e in await client.events(1)] == ["c"]
    # and closing the socket ends the membership as well
    await client.close()
    async with asyncio.timeout(5):
        while hub.groups:  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_a_member_whose_send_fails_keeps_the_event_from_no_one(pool: Pool, migrated: str) -> None:
    hub = EventHub(pool, migrated, poll_interval=0.05)
    await hub.start()
    try:
        got: list[str] = []

        def broken(event: Any, rendered: str) -> None:
            raise RuntimeError("a socket gone wrong")

        followers = []
        for send in (broken, lambda e, rendered: got.append(rendered)):  # the broken one first
            stream = hub.follow(None, "key", lambda e: True, lambda e: e.payload["name"], send)
            followers.append(asyncio.create_task(anext(stream)))  # type: ignore[arg-type]
        await members(hub, 2)
        await record(pool, "x")
        async with asyncio.timeout(5):
            while got != ["x"]:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        for task in followers:
            task.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
    finally:
        await hub.stop()


async def test_a_client_that_answers_no_ping_is_closed_and_one_that_answers_is_not(
    settings: Settings, migrated: str
) -> None:
    app = create_app(settings.model_copy(update={"ws_ping_seconds": 0.2}))
    async with serve(app) as port:
        url = f"ws://127.0.0.1:{port}/graphql"
        silent = await GqlWs.open(url, make_token())
        talking = await GqlWs.open(url, make_token())

        async def answer() -> None:
            while True:
                message = await talking.receive()
                if message["type"] == "ping":
                    await talking.send({"type": "pong"})

        answering = asyncio.create_task(answer())
        # the silent one is closed after MISSED_PONGS unanswered pings (reading, never answering)
        started = time.monotonic()
        pings = 0
        with contextlib.suppress(ConnectionClosed):
            async with asyncio.timeout(5):
                while True:
                    pings += json.loads(await silent.ws.recv())["type"] == "ping"
        assert silent.ws.close_code == 4408
        assert pings == 3
        assert time.monotonic() - started < 2
        assert not answering.done()  # the answering one is still open
        answering.cancel()
        await talking.close()


class _HeldOutlet:
    """A socket whose credential re-check has not come back yet: everything sent waits in the queue."""

    closing = False

    def __init__(self) -> None:
        self.released = asyncio.Event()
        self.sent: list[str] = []

    async def _confirmed_since(self, moment: float) -> bool:
        await self.released.wait()
        return True

    def holds_now(self, moment: float) -> bool:
        return False

    async def send_text(self, text: str) -> None:
        self.sent.append(text)

    def queue_full(self) -> None:
        raise AssertionError("the queue is far from its bound")


async def test_a_completed_operation_gets_nothing_more_from_the_queue() -> None:
    outlet = _HeldOutlet()
    queue = SendQueue(outlet, 100)
    first, second = queue.sender("1"), queue.sender("2")
    for n in range(3):
        first(None, f'"a{n}"')  # type: ignore[arg-type]  # the event itself is not read
        second(None, f'"b{n}"')  # type: ignore[arg-type]
    queue.forget("1")  # the client's `complete` for operation 1
    outlet.released.set()
    async with asyncio.timeout(5):
        while len(outlet.sent) < 3:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    assert [json.loads(text) for text in outlet.sent] == [
        {"id": "2", "type": "next", "payload": f"b{n}"} for n in range(3)
    ]
