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

    .venv/bin/python benchmarks/events.py [--subscribers 500] [--rounds 20] [--processes 4] [--webhooks 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

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
from websockets.exceptions import ConnectionClosed  # noqa: E402

from lianxin.core.db import Pool, connect, create_pool, unit_of_work  # noqa: E402
from lianxin.core.migrate import migrate  # noqa: E402
from lianxin.core.tokens import Principal, Role, issue_token  # noqa: E402
from lianxin.events.outbox import record_event  # noqa: E402
from lianxin.notification import webhook  # noqa: E402
from lianxin.notification.retry import RetrySchedule  # noqa: E402
from lianxin_cli.embedded import free_port  # noqa: E402

DATABASE = "lianxin_bench_events"
SECRET = "bench-secret-" + "x" * 48
SUBSCRIBE = 'subscription { events(types: ["bench.tick"]) { id payload } }'


def client_process(url: str, token: str, count: int, pipe: Connection) -> None:
    """One load-generating process: `count` subscribers, driven by the parent over `pipe`."""
    asyncio.run(_client_main(url, token, count, pipe))


async def _client_main(url: str, token: str, count: int, pipe: Connection) -> None:
    arrivals: list[list[tuple[int, float]]] = [[] for _ in range(count)]
    opened = 0

    async def subscriber(mine: list[tuple[int, float]]) -> None:
        nonlocal opened
        for attempt in range(10):  # a connect refused or timed out under load is tried again
            try:
                ws = await ws_connect(
                    url, subprotocols=["graphql-transport-ws"], max_queue=None, open_timeout=60
                )  # type: ignore[list-item]
                await ws.send(
                    json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
                )
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                break
            except (OSError, TimeoutError, ConnectionClosed):
                await asyncio.sleep(1 + attempt)
        else:
            print("  !! a subscriber could not connect")
            return
        async with ws:
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
            opened += 1
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "ping":
                    await ws.send('{"type": "pong"}')
                elif message["type"] == "next":
                    mine.append((message["payload"]["data"]["events"]["payload"]["round"], time.monotonic()))

    tasks = []
    for i in range(count):
        tasks.append(asyncio.create_task(subscriber(arrivals[i])))
        if i % 25 == 24:
            await asyncio.sleep(0.1)  # do not flood the accept queue (250 connects a second per process)
    await _serve_parent(pipe, arrivals, lambda: opened)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    pipe.send([x for a in arrivals for x in a if x[0] >= 0])


async def _serve_parent(
    pipe: Connection, arrivals: list[list[tuple[int, float]]], opened: Callable[[], int]
) -> None:
    """Answers the parent's questions until it says stop."""
    loop = asyncio.get_running_loop()
    while True:
        readable = asyncio.Event()
        loop.add_reader(pipe.fileno(), readable.set)
        await readable.wait()
        loop.remove_reader(pipe.fileno())
        command, arg = pipe.recv()
        if command == "opened":  # how many have sent their subscribe
            pipe.send(opened())
        elif command == "warm":  # how many have received anything
            pipe.send(sum(1 for a in arrivals if a))
        elif command == "got":  # how many have received round `arg`
            pipe.send(sum(1 for a in arrivals if a and a[-1][0] >= arg))
        elif command == "stop":
            return


def ask(pipes: list[Connection], command: str, arg: int = 0) -> list[object]:
    for pipe in pipes:
        pipe.send((command, arg))
    return [pipe.recv() for pipe in pipes]


def rss_kib(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) of a process, in KiB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


async def fan_out_latency(
    pool: Pool, url: str, n: int, rounds: int, processes: int, api_pid: int
) -> tuple[list[float], int]:
    token = issue_token(SECRET, Principal("bench", Role.ADMIN), now=datetime.now(UTC))
    context = multiprocessing.get_context("spawn")
    pipes: list[Connection] = []
    workers = []
    share = [n // processes + (1 if i < n % processes else 0) for i in range(processes)]
    for count in share:
        parent, child = context.Pipe()
        worker = context.Process(target=client_process, args=(url, token, count, child), daemon=True)
        worker.start()
        pipes.append(parent)
        workers.append(worker)
    deadline = time.monotonic() + 600
    while (opened := sum(ask(pipes, "opened"))) < n:  # type: ignore[arg-type]
        assert time.monotonic() < deadline, f"only {opened} of {n} subscribers connected"
        await asyncio.sleep(0.5)
    # warm up until every subscription is live on the server (a stream starts at its subscribe)
    warm = -1
    while sum(ask(pipes, "warm")) < n:  # type: ignore[arg-type]
        async with pool.acquire() as conn:
            await record_event(conn, "bench.tick", "bench", {"round": warm}, None)
        warm -= 1
        await asyncio.sleep(1.0)
        assert time.monotonic() < deadline, f"only {sum(ask(pipes, 'warm'))} of {n} subscriptions went live"  # type: ignore[arg-type]
    await asyncio.sleep(2.0)
    idle_rss, _ = rss_kib(api_pid)
    committed: dict[int, float] = {}
    for r in range(rounds):
        async with pool.acquire() as conn:
            await record_event(conn, "bench.tick", "bench", {"round": r}, None)
        committed[r] = time.monotonic()
        deadline = time.monotonic() + 30
        while sum(ask(pipes, "got", r)) < n and time.monotonic() < deadline:  # type: ignore[arg-type]  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
    arrivals = [x for got in ask(pipes, "stop") for x in got]  # type: ignore[attr-defined]
    for worker in workers:
        worker.join(30)
    latencies = [(t - committed[r]) * 1000 for r, t in arrivals if r in committed]
    missing = n * rounds - len(latencies)
    if missing:
        print(f"  !! {missing} deliveries missing")
    return latencies, idle_rss


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
        "LIANXIN_ENV": "production",
        "PORT": str(port),
    }
    api = subprocess.Popen([sys.executable, "-m", "lianxin_cli.main", "api"], env=env)  # noqa: ASYNC220
    pool = await create_pool(database_url, max_size=8)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:  # noqa: ASYNC210
                    break
            assert time.monotonic() < deadline, "the API did not start"
            await asyncio.sleep(0.1)
        before_rss, _ = rss_kib(api.pid)
        print(
            f"fan-out: {args.subscribers} subscribers in {args.processes} client processes, "
            f"{args.rounds} committed events"
        )
        latencies, idle_rss = await fan_out_latency(
            pool, f"ws://127.0.0.1:{port}/graphql", args.subscribers, args.rounds, args.processes, api.pid
        )
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lianxin-bench-") as tmp:
        data_dir = Path(tmp)
        with backing_services(data_dir, DATABASE) as (database_url, redis_url):
            asyncio.run(main_async(args, database_url, redis_url, data_dir))


if __name__ == "__main__":
    main()
