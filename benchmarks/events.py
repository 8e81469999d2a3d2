"""DESIGN.md §8 / issues 5 and 17: event fan-out latency to N subscribers, and webhook deliveries per second.

PostgreSQL and Redis from DATABASE_URL / REDIS_URL, else embedded in a temporary folder; a fresh database.
1. The real API (`lianxin api`, a uvicorn subprocess, so its memory is measured alone); N websocket
   subscribers (graphql-transport-ws, `subscription events`) spread over several client processes, so
   the load generator is not what is measured. Each round commits one event and times, at every
   subscriber, from the commit returning to the event arriving (CLOCK_MONOTONIC, shared by all
   processes): p50 / p99 / max over all deliveries. Then the API process's RSS: idle with every
   subscription open, its peak, and (idle − before the subscribers connected) / N per subscription.
2. M events for one webhook endpoint, sent by the worker's own code path (fan-out, then batches of
   leased deliveries, 8 at a time) to a local receiver: deliveries per second until all DELIVERED.

Subscribers connect through a bounded ramp (`--connect-concurrency` per client process, one token per
process); every phase reports per client process how many connected, were acknowledged, subscribed and
got a first event, and any closes or errors; the run ends with a `FAILED:` line (exit 1) unless every
subscriber connected within `--connect-timeout` and received every event.

    .venv/bin/python benchmarks/events.py [--subscribers 500] [--rounds 20] [--processes 4] [--webhooks 2000]
        [--connect-timeout 300] [--connect-concurrency 32] [--tracemalloc DIR] [--client-ping 0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from _services import backing_services

os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/lianxin-runtime-{os.getuid()}")
Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402
from websockets.asyncio.client import connect as ws_connect  # noqa: E402
from websockets.exceptions import ConnectionClosed, InvalidHandshake  # noqa: E402

from lianxin.core.db import Pool, connect, create_pool, unit_of_work  # noqa: E402
from lianxin.core.migrate import migrate  # noqa: E402
from lianxin.core.tokens import Principal, Role, issue_token  # noqa: E402
from lianxin.events.outbox import record_event  # noqa: E402
from lianxin.notification import webhook  # noqa: E402
from lianxin.notification.retry import RetrySchedule  # noqa: E402
from lianxin_cli.embedded import free_port  # noqa: E402

DATABASE = "lianxin_bench_events"
SECRET = secrets.token_urlsafe(48)  # production refuses a placeholder-like secret
# `--tracemalloc DIR`: the API under tracemalloc; SIGUSR2 writes a snapshot (before, and with the subscribers
# idle), SIGUSR1 where its tasks wait
TRACED_API = """
import itertools, signal, sys, tracemalloc
folder, taken = sys.argv[1], itertools.count()
tracemalloc.start(int(sys.argv[2]))
signal.signal(signal.SIGUSR2, lambda *_: tracemalloc.take_snapshot().dump(f"{folder}/{next(taken)}.snapshot"))

def where_tasks_wait(*_):
    import asyncio, collections, traceback
    waits = collections.Counter()
    for task in asyncio.all_tasks():
        frames = task.get_stack(limit=None)
        waits[" <- ".join(f"{f.f_code.co_name}:{f.f_lineno}" for f in reversed(frames[-6:]))] += 1
    with open(f"{folder}/tasks.txt", "w") as out:
        for stack, count in waits.most_common():
            print(count, stack, file=out)

signal.signal(signal.SIGUSR1, where_tasks_wait)
sys.argv = ["lianxin", "api"]
from lianxin_cli.main import main
sys.exit(main())
"""
SUBSCRIBE = 'subscription { events(types: ["bench.tick"]) { id payload } }'


class Tally:
    """What one client process's subscribers got to, for the diagnostics (sent to the parent as a dict)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.connected = 0  # websocket open
        self.acked = 0  # `connection_ack` received
        self.subscribed = 0  # `subscribe` sent
        self.first = 0  # received the subscription's first message
        self.failed = 0  # gave up connecting (after retries)
        self.retries = 0
        self.closed: dict[str, int] = {}  # closed after subscribing: code and reason → count
        self.errors: dict[str, int] = {}  # `error` / `complete` messages, connect failures by kind

    def note(self, table: dict[str, int], what: str) -> None:
        table[what] = table.get(what, 0) + 1

    def as_dict(self) -> dict[str, object]:
        return dict(vars(self))


@dataclass
class ClientPlan:
    """What one load-generating process does."""

    url: str
    token: str
    count: int  # subscribers
    concurrency: int  # connects (open, init, ack, subscribe) in flight at once
    connect_timeout: float
    client_ping: float  # websocket-level pings every N s; 0: none


def client_process(plan: ClientPlan, pipe: Connection) -> None:
    """One load-generating process: `plan.count` subscribers, driven by the parent over `pipe`."""
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    asyncio.run(Clients(plan).run(pipe))


class Clients:
    def __init__(self, plan: ClientPlan) -> None:
        self.plan = plan
        self.arrivals: list[list[tuple[int, float]]] = [[] for _ in range(plan.count)]
        self.got: dict[int, int] = {}  # round → how many subscribers have received it
        self.tally = Tally(plan.count)
        self.give_up = 0.0
        self.init = json.dumps(
            {"type": "connection_init", "payload": {"Authorization": f"Bearer {plan.token}"}}
        )
        self.subscribe = json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})

    async def run(self, pipe: Connection) -> None:
        self.give_up = time.monotonic() + self.plan.connect_timeout
        ramp = asyncio.Semaphore(self.plan.concurrency)
        tasks = [asyncio.create_task(self.subscriber(ramp, mine)) for mine in self.arrivals]
        await _serve_parent(pipe, self.tally, self.got)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        pipe.send([x for a in self.arrivals for x in a if x[0] >= 0])

    async def subscriber(self, ramp: asyncio.Semaphore, mine: list[tuple[int, float]]) -> None:
        async with ramp:
            ws = await self.connect()
        if ws is not None:
            await self.listen(ws, mine)

    async def connect(self) -> Any:
        """An acknowledged socket with its subscription sent, or None (given up: tallied)."""
        tally = self.tally
        for attempt in range(1000):  # a connect refused or timed out under load is tried again
            if attempt:
                tally.retries += 1
                await asyncio.sleep(min(5.0, 0.5 * attempt))
            if time.monotonic() > self.give_up:
                break
            try:
                # no client-side keep-alive pings by default: the server pings (graphql-transport-ws),
                # as browsers and graphql-ws clients expect; a client ping timing out would close the
                # socket while the server is busy, which is not what is measured
                ws = await ws_connect(
                    self.plan.url,
                    subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                    max_queue=None,
                    open_timeout=max(1.0, self.give_up - time.monotonic()),
                    ping_interval=self.plan.client_ping or None,
                    compression=None,
                )
            except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake) as exc:
                tally.note(tally.errors, f"connect: {type(exc).__name__}")
                continue
            tally.connected += 1
            try:
                await ws.send(self.init)
                ack = json.loads(await asyncio.wait_for(ws.recv(), max(1.0, self.give_up - time.monotonic())))
                if ack["type"] != "connection_ack":
                    raise RuntimeError(f"got {ack['type']} instead of connection_ack")
                tally.acked += 1
                await ws.send(self.subscribe)
                tally.subscribed += 1
                return ws
            except (OSError, TimeoutError, ConnectionClosed, RuntimeError) as exc:
                tally.connected -= 1
                tally.note(tally.errors, f"init: {type(exc).__name__} {exc}"[:120])
                await ws.close()
        tally.failed += 1
        return None

    async def listen(self, ws: Any, mine: list[tuple[int, float]]) -> None:
        import orjson

        tally, got = self.tally, self.got
        try:
            async for raw in ws:
                message = orjson.loads(raw)
                kind = message["type"]
                if kind == "ping":
                    await ws.send('{"type":"pong"}')
                elif kind == "next":
                    if not mine:
                        tally.first += 1
                    r = message["payload"]["data"]["events"]["payload"]["round"]
                    mine.append((r, time.monotonic()))
                    got[r] = got.get(r, 0) + 1
                else:
                    tally.note(tally.errors, f"{kind}: {str(message.get('payload'))[:100]}")
        except ConnectionClosed:
            pass
        except Exception as exc:  # counted, never silent: a subscriber that stops must show
            tally.note(tally.errors, f"listen: {type(exc).__name__} {exc}"[:120])
        tally.note(tally.closed, f"{ws.close_code} {ws.close_reason}")


async def _serve_parent(pipe: Connection, tally: Tally, got: dict[int, int]) -> None:
    """Answers the parent's questions until it says stop."""
    loop = asyncio.get_running_loop()
    while True:
        readable = asyncio.Event()
        loop.add_reader(pipe.fileno(), readable.set)
        await readable.wait()
        loop.remove_reader(pipe.fileno())
        os.set_blocking(pipe.fileno(), True)  # uvloop made it non-blocking: a large answer must not fail
        command, arg = pipe.recv()
        if command == "tally":
            pipe.send(tally.as_dict())
        elif command == "got":  # how many have received round `arg`
            pipe.send(got.get(arg, 0))
        elif command == "stop":
            return


def ask(pipes: list[Connection], command: str, arg: int = 0) -> list[Any]:
    for pipe in pipes:
        pipe.send((command, arg))
    return [pipe.recv() for pipe in pipes]


def show(tallies: list[dict[str, Any]]) -> str:
    lines = []
    for i, t in enumerate(tallies):
        lines.append(
            f"    client {i}: {t['count']} subscribers, {t['connected']} connected, {t['acked']} acked, "
            f"{t['subscribed']} subscribed, {t['first']} got a first message, {t['failed']} gave up, "
            f"{t['retries']} retries"
        )
        for table in ("errors", "closed"):
            if t[table]:
                lines.append(f"      {table}: {t[table]}")
    return "\n".join(lines)


def total(tallies: list[dict[str, Any]], field: str) -> int:
    return sum(int(t[field]) for t in tallies)


def rss_kib(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) of a process, in KiB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def compare_snapshots(folder: Path, n: int) -> None:
    """What the subscriptions hold: the tracemalloc growth from before they connected to idle, by line."""
    import tracemalloc

    before = tracemalloc.Snapshot.load(str(folder / "0.snapshot"))
    after = tracemalloc.Snapshot.load(str(folder / "1.snapshot"))
    stats = after.compare_to(before, "lineno")
    growth = sum(stat.size_diff for stat in stats)
    print(f"  tracemalloc: {growth / n / 1024:.1f} KiB per subscription allocated by Python; the top lines:")
    for stat in stats[:40]:
        print(f"    {stat.size_diff / n:8.0f} B {stat.count_diff / n:6.1f} blocks  {stat.traceback[0]}")
    by_file = after.compare_to(before, "filename")
    print("  by file:")
    for stat in by_file[:20]:
        print(f"    {stat.size_diff / n:8.0f} B  {stat.traceback[0].filename}")


class Incomplete(Exception):
    """Not every subscriber connected or received every event."""


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


async def fan_out_latency(
    pool: Pool, url: str, args: argparse.Namespace, api_pid: int
) -> tuple[list[float], int]:
    n, processes = args.subscribers, args.processes
    # several callers, as real agencies would be: one token per client process (each its own rate
    # limit key; the benchmark also lifts the limit)
    context = multiprocessing.get_context("spawn")
    pipes: list[Connection] = []
    workers = []
    share = [n // processes + (1 if i < n % processes else 0) for i in range(processes)]
    for i, count in enumerate(share):
        token = issue_token(SECRET, Principal(f"bench-{i}", Role.ADMIN), now=datetime.now(UTC))
        parent, child = context.Pipe()
        plan = ClientPlan(url, token, count, args.connect_concurrency, args.connect_timeout, args.client_ping)
        worker = context.Process(target=client_process, args=(plan, child), daemon=True)
        worker.start()
        pipes.append(parent)
        workers.append(worker)
    try:
        await connect_all(pipes, args)
        await warm_up(pool, pipes, args, api_pid)
        await asyncio.sleep(2.0)
        idle_rss, _ = rss_kib(api_pid)
        if args.tracemalloc:
            os.kill(api_pid, signal.SIGUSR2)
            await asyncio.sleep(20)  # a snapshot of a large heap takes a while
            compare_snapshots(Path(args.tracemalloc), n)
        committed = await commit_rounds(pool, pipes, n, args.rounds)
    except Incomplete:
        _stop(pipes, workers)
        raise
    tallies = ask(pipes, "tally")
    arrivals = [x for got in _stop(pipes, workers) for x in got]
    by_round: dict[int, list[float]] = {r: [] for r in committed}
    for r, t in arrivals:
        if r in committed:
            by_round[r].append((t - committed[r]) * 1000)
    print(
        "  each round, last subscriber (ms): "
        + " ".join(f"{max(v, default=0):.0f}" for v in by_round.values())
    )
    latencies = [x for v in by_round.values() for x in v]
    missing = n * args.rounds - len(latencies)
    if missing:
        print(show(tallies))
        raise Incomplete(f"FAILED: {missing} of {n * args.rounds} deliveries missing")
    return latencies, idle_rss


async def connect_all(pipes: list[Connection], args: argparse.Namespace) -> None:
    """Until every subscriber has subscribed or given up; progress every 10 s."""
    n = args.subscribers
    started = shown = time.monotonic()
    deadline = started + args.connect_timeout + 5
    while True:
        tallies = ask(pipes, "tally")
        if total(tallies, "subscribed") + total(tallies, "failed") >= n or time.monotonic() > deadline:
            break
        if time.monotonic() - shown > 10:
            shown = time.monotonic()
            print(
                f"    {shown - started:.0f} s: {total(tallies, 'connected')} connected, "
                f"{total(tallies, 'acked')} acked, {total(tallies, 'subscribed')} subscribed",
                flush=True,
            )
        await asyncio.sleep(0.5)
    subscribed = total(tallies, "subscribed")
    print(f"  connect: {subscribed} of {n} subscribed in {time.monotonic() - started:.1f} s (load {load()})")
    print(show(tallies), flush=True)
    if subscribed < n:
        raise Incomplete(f"FAILED: only {subscribed} of {n} subscribers connected and subscribed")


async def warm_up(pool: Pool, pipes: list[Connection], args: argparse.Namespace, api_pid: int) -> None:
    """Commits an event a second until every subscription has received one (it is live on the server)."""
    n = args.subscribers
    warm = -1
    deadline = time.monotonic() + args.connect_timeout
    while total(tallies := ask(pipes, "tally"), "first") < n and time.monotonic() < deadline:
        async with pool.acquire() as conn:
            await record_event(conn, "bench.tick", "bench", {"round": warm}, None)
        warm -= 1
        await asyncio.sleep(1.0)
    live = total(tallies, "first")
    print(f"  live: {live} of {n} received a first event ({-warm - 1} warm-up events)", flush=True)
    if live < n:
        print(show(tallies))
        if args.tracemalloc:  # where the API's tasks wait
            os.kill(api_pid, signal.SIGUSR1)
            await asyncio.sleep(10)
            print((Path(args.tracemalloc) / "tasks.txt").read_text()[:6000])
        raise Incomplete(f"FAILED: only {live} of {n} subscriptions received an event")


async def commit_rounds(pool: Pool, pipes: list[Connection], n: int, rounds: int) -> dict[int, float]:
    """Commits one event per round, waiting (30 s at most) until every subscriber has it."""
    committed: dict[int, float] = {}
    for r in range(rounds):
        async with pool.acquire() as conn:
            await record_event(conn, "bench.tick", "bench", {"round": r}, None)  # autocommits
            committed[r] = time.monotonic()  # before the pool's reset of the connection on release
        deadline = time.monotonic() + 30
        while sum(ask(pipes, "got", r)) < n and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
    return committed


def _stop(pipes: list[Connection], workers: list[Any]) -> list[Any]:
    got = ask(pipes, "stop")
    for worker in workers:
        worker.join(30)
        if worker.is_alive():
            worker.kill()
    return got


# the receiver runs on 127.0.0.1: the development setting (LIANXIN_WEBHOOK_ALLOW_PRIVATE_TARGETS)
LOCAL_RECEIVER = webhook.TargetPolicy(allow_private=True)


async def webhook_rate(pool: Pool, m: int) -> float:
    received: set[str] = set()

    async def hook(request: Request) -> Response:
        await request.body()
        received.add(request.headers["Lianxin-Event-Id"])
        return Response(status_code=204)

    port = free_port()
    config = uvicorn.Config(
        Starlette(routes=[Route("/hook", hook, methods=["POST"])]), port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event
        await asyncio.sleep(0.01)
    async with unit_of_work(pool, None) as uow:
        await webhook.create_endpoint(
            uow, webhook.NewEndpoint(f"http://127.0.0.1:{port}/hook", [], None, "b"), allow_private=True
        )
    async with pool.acquire() as conn, conn.transaction():
        for i in range(m):
            await record_event(conn, "bench.hook", "bench", {"i": i}, None)
    started = time.perf_counter()
    async with pool.acquire() as conn:
        while await webhook.fan_out(conn):
            pass
    async with httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_connections=16)) as client:
        while len(received) < m:
            await webhook.deliver_due(
                pool, client, RetrySchedule(), limit=200, concurrency=8, policy=LOCAL_RECEIVER
            )
    elapsed = time.perf_counter() - started
    server.should_exit = True
    await serving
    return m / elapsed


async def main_async(args: argparse.Namespace, database_url: str, redis_url: str, data_dir: Path) -> None:
    conn = await connect(database_url)
    await migrate(conn)
    await conn.close()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LIANXIN_JWT_SECRET": SECRET,
        "LIANXIN_DATA_DIR": str(data_dir),
        "LIANXIN_LOG_LEVEL": "WARNING",
        "LIANXIN_RATE_LIMIT_PER_MINUTE": "10000000",  # one token drives the load: no throttling
        "LIANXIN_ENV": "development",  # production wants a Redis password; the fan-out is the same
        "PORT": str(port),
    }
    if args.tracemalloc:
        Path(args.tracemalloc).mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240
        command = [sys.executable, "-c", TRACED_API, args.tracemalloc, "4"]
    else:
        command = [sys.executable, "-m", "lianxin_cli.main", "api"]
    api = subprocess.Popen(command, env=env)  # noqa: ASYNC220
    pool = await create_pool(database_url, max_size=8)
    try:
        deadline = time.monotonic() + (300 if args.tracemalloc else 60)
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:  # noqa: ASYNC210
                    break
            assert api.poll() is None, f"the API exited ({api.poll()})"
            assert time.monotonic() < deadline, "the API did not start"
            await asyncio.sleep(0.1)
        before_rss, _ = rss_kib(api.pid)
        if args.tracemalloc:
            api.send_signal(signal.SIGUSR2)
        print(
            f"fan-out: {args.subscribers} subscribers in {args.processes} client processes, "
            f"{args.rounds} committed events"
        )
        latencies, idle_rss = await fan_out_latency(pool, f"ws://127.0.0.1:{port}/graphql", args, api.pid)
        _, peak_rss = rss_kib(api.pid)
        q = statistics.quantiles(latencies, n=100)
        worst = max(latencies)
        print(f"  commit → every subscriber: p50 {q[49]:.1f} ms  p99 {q[98]:.1f} ms  max {worst:.1f} ms")
        print(f"p99 {q[98]:.0f} ms")
        per_sub = (idle_rss - before_rss) / args.subscribers
        print(
            f"  API process RSS: {before_rss / 1024:.0f} MiB before the subscribers, "
            f"{idle_rss / 1024:.0f} MiB with them idle, peak {peak_rss / 1024:.0f} MiB; "
            f"{per_sub:.1f} KiB per subscription"
        )
        if args.webhooks:
            print(f"webhooks: {args.webhooks} events to one endpoint (signed POSTs, 8 in flight)")
            print(f"  {await webhook_rate(pool, args.webhooks):.0f} deliveries/s")
    finally:
        await pool.close()
        api.terminate()
        api.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument("--webhooks", type=int, default=2000, help="0: skip the webhook part")
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=300,
        help="seconds for every subscriber to connect (and go live)",
    )
    parser.add_argument(
        "--connect-concurrency", type=int, default=32, help="connects in flight at once per client process"
    )
    parser.add_argument(
        "--tracemalloc", help="a folder: trace the API's allocations; what subscriptions hold"
    )
    parser.add_argument(
        "--client-ping",
        type=float,
        default=0,
        help="websocket pings from each client every N s (the websockets library's default: 20; 0: none)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lianxin-bench-") as tmp:
        data_dir = Path(tmp)
        with backing_services(data_dir, DATABASE) as (database_url, redis_url):
            try:
                asyncio.run(main_async(args, database_url, redis_url, data_dir))
            except Incomplete as exc:
                print(exc)
                sys.exit(1)


if __name__ == "__main__":
    main()
