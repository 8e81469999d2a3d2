"""DESIGN.md §8: a nested page of households through GraphQL against a hand-written asyncpg endpoint.

PostgreSQL and Redis from DATABASE_URL / REDIS_URL, else embedded in a temporary folder; a fresh database
with N generated households, a third paired with sponsors; the real API and benchmarks/handwritten_api.py
as uvicorn subprocesses, checked to answer with the same JSON, then measured alternately (A B A B).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from _services import backing_services

os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/lianxin-runtime-{os.getuid()}")
Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)

from lianxin.core.clock import today_in  # noqa: E402
from lianxin.core.db import Pool, connect, create_pool, unit_of_work  # noqa: E402
from lianxin.core.ids import encode_cursor  # noqa: E402
from lianxin.core.migrate import migrate  # noqa: E402
from lianxin.core.tokens import Principal, Role, issue_token  # noqa: E402
from lianxin.demo.households import bulk_load  # noqa: E402
from lianxin.organization.models import OrganizationKind  # noqa: E402
from lianxin.organization.service import NewOrganization, create_organization  # noqa: E402
from lianxin.trade_union.credit_code import compute_credit_check_char  # noqa: E402
from lianxin.trade_union.models import UnionKind  # noqa: E402
from lianxin.trade_union.service import NewUnion, create_union  # noqa: E402
from lianxin_cli.embedded import free_port  # noqa: E402

DATABASE = "lianxin_bench"
SECRET = "bench-secret-" + "x" * 48
DISTRICTS = {
    "371002": "环翠区",
    "371003": "文登区",
    "371082": "荣成市",
    "371083": "乳山市",
    "371073": "临港区",
}
SPONSORS = (("威海城建集团有限公司", "MA3C00001"), ("荣成石岛渔业有限公司", "MA3C00002"))
QUERY = """query Page($after: String, $first: Int!) { households(first: $first, after: $after) { edges {
  node { id archiveNo members { name relation } sponsorships { startedOn active sponsor { name } } } } } }"""
# About a third paired with the first sponsor (one in 15 of those pairings ended), some also the second.
PAIR = """INSERT INTO sponsorship (household_id, sponsor_id, started_on, ended_on, end_reason)
SELECT id, $1::bigint, date '2018-03-01' + (id % 1500)::int,
       CASE WHEN id % 15 = 0 THEN date '2024-12-31' END, CASE WHEN id % 15 = 0 THEN '脱困' END
FROM household WHERE id % 3 = 0
UNION ALL
SELECT id, $2::bigint, date '2019-06-01' + (id % 700)::int, NULL, NULL FROM household WHERE id % 12 = 0"""


async def create_unions_and_sponsors(pool: Pool) -> tuple[list[int], list[int]]:
    """The city federation with one district federation per region; two sponsors. Their ids."""
    async with unit_of_work(pool, None) as uow:
        city = await create_union(uow, NewUnion("威海市总工会", UnionKind.FEDERATION, "371000", None))
        districts = [
            await create_union(uow, NewUnion(f"{name}总工会", UnionKind.DISTRICT_FEDERATION, code, city.id))
            for code, name in DISTRICTS.items()
        ]
        sponsors = []
        for name, body in SPONSORS:
            code = "91371002" + body + compute_credit_check_char("91371002" + body)
            new = NewOrganization(name, code, OrganizationKind.SPONSOR, city.id, None)
            sponsors.append(await create_organization(uow, new))
    return [u.id for u in districts], [s.id for s in sponsors]


async def prepare(database_url: str, n: int, seed: int, today: date) -> int:
    """Migrate, create unions and sponsors, load N households, pair some; the largest household id."""
    conn = await connect(database_url)
    pool = await create_pool(database_url, max_size=2)
    try:
        await migrate(conn)
        unions, sponsors = await create_unions_and_sponsors(pool)
        started, regions = time.perf_counter(), list(DISTRICTS)

        def show(done: int) -> None:
            print(f"\r  loading households: {done:,}/{n:,}", end="", flush=True)

        await bulk_load(
            conn, n, seed=seed, union_ids=unions, region_codes=regions, today=today, progress=show
        )
        await conn.execute(PAIR, *sponsors)
        await conn.execute("ANALYZE")
        members = await conn.fetchval("SELECT count(*) FROM member")
        paired = await conn.fetchval("SELECT count(DISTINCT household_id) FROM sponsorship") / max(n, 1)
        elapsed = time.perf_counter() - started
        print(f"\n  {members:,} members, {paired:.0%} of households paired, {elapsed:.0f}s", flush=True)
        max_id: int = await conn.fetchval("SELECT coalesce(max(id), 0) FROM household")
        return max_id
    finally:
        await pool.close()
        await conn.close()


def start_server(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)


async def wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """uvicorn binds its port only after the app's startup (pool, queue) has succeeded."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.1)
    tail = log.read_text()[-3000:]  # noqa: ASYNC240 - once, on the way out
    raise RuntimeError(f"the server on port {port} did not start (exit code {process.poll()}):\n{tail}")


class Client:
    """A keep-alive HTTP/1.1 connection posting JSON, minimal so the load costs far less than a server."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.head = (
            f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: "
        ).encode()
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        writer.write(self.head + str(len(body)).encode() + b"\r\n\r\n" + body)
        status = int((await reader.readline()).split()[1])
        headers: dict[str, str] = {}
        while (line := await reader.readline()) != b"\r\n":
            if not line:
                raise ConnectionError("the server closed the connection")
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers, await reader.readexactly(int(headers["content-length"]))

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


def request_body(after_id: int, first: int = 50) -> bytes:
    after = encode_cursor(after_id) if after_id else None
    return json.dumps({"query": QUERY, "variables": {"after": after, "first": first}}).encode()


async def throughput(port: int, token: str, bodies: list[bytes], concurrency: int, seconds: float) -> float:
    """Requests per second of `concurrency` clients each posting random pages, back to back."""
    deadline = time.perf_counter() + seconds
    done = 0

    async def run(k: int) -> None:
        nonlocal done
        client, rng = Client(port, token), random.Random(k)
        try:
            while time.perf_counter() < deadline:
                status, _, _ = await client.post(rng.choice(bodies))
                if status != 200:
                    raise RuntimeError(f"HTTP {status} from port {port}")
                done += 1
        finally:
            client.close()

    started = time.perf_counter()
    await asyncio.gather(*(run(k) for k in range(concurrency)))
    return done / (time.perf_counter() - started)


async def measure(args: argparse.Namespace, api_port: int, hand_port: int, token: str, max_id: int) -> None:
    after_ids = [0, *sorted(random.Random(1).sample(range(1, max(max_id - 50, 2)), 199))]
    bodies = [request_body(i) for i in after_ids]
    api, hand = Client(api_port, token), Client(hand_port, token)
    for body in [bodies[0], bodies[57], bodies[-1], request_body(max_id // 2)]:
        answers = [json.loads((await client.post(body))[2]) for client in (api, hand)]
        assert answers[0] == answers[1], f"the two endpoints disagree for {body[-60:]!r}: {answers}"
        assert len(answers[0]["data"]["households"]["edges"]) == 50, answers[0]
    print("  both endpoints return the same JSON for the pages checked")
    sql = {}
    for first, client in itertools.product((10, 100), (api, hand)):
        _, headers, _ = await client.post(request_body(0, first))
        sql[first, client.port] = headers.get("x-sql-statements", "?")
    api.close()
    hand.close()
    for port in (api_port, hand_port):  # warm up: pool connections, caches
        await throughput(port, token, bodies, args.concurrency, 2)
    rounds: dict[str, list[float]] = {"GraphQL API": [], "hand-written": []}
    for k in range(4):
        name, port = ("GraphQL API", api_port) if k % 2 == 0 else ("hand-written", hand_port)
        rate = await throughput(port, token, bodies, args.concurrency, args.seconds)
        rounds[name].append(rate)
        print(f"  round {k + 1}: {name:<12} {rate:8.1f} req/s")
    report(args, rounds, [sql[first, port] for first in (10, 100) for port in (api_port, hand_port)])


def report(args: argparse.Namespace, rounds: dict[str, list[float]], sql: list[str]) -> None:
    api, hand = (sum(r) / len(r) for r in rounds.values())
    print(f"\nnested page of 50 households, {args.concurrency} clients, 2 x {args.seconds:g}s each\n")
    print(f"| {'':<32} | {'GraphQL API':>12} | {'hand-written':>12} |")
    print(f"| {'-' * 32} | {'-' * 12:>12} | {'-' * 12:>12} |")
    print(f"| {'throughput (req/s)':<32} | {api:>12.1f} | {hand:>12.1f} |")
    print(f"| {'SQL statements, first: 10':<32} | {sql[0]:>12} | {sql[1]:>12} |")
    print(f"| {'SQL statements, first: 100':<32} | {sql[2]:>12} | {sql[3]:>12} |")
    print(f"\nratio GraphQL / hand-written: {api / hand:.2f} (budget: at least 0.50)")


async def main_async(args: argparse.Namespace, database_url: str, redis_url: str, data_dir: Path) -> None:
    max_id = await prepare(database_url, args.n, args.seed, today_in("Asia/Shanghai"))
    api_port, hand_port = free_port(), free_port()
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LIANXIN_JWT_SECRET": SECRET,
        "LIANXIN_DATA_DIR": str(data_dir),
        "LIANXIN_ENV": "development",  # keeps the x-sql-statements header
        "LIANXIN_LOG_LEVEL": "WARNING",  # measure GraphQL, not access logging
        "LIANXIN_RATE_LIMIT_PER_MINUTE": "10000000",  # one token drives the load: no throttling
    }
    commands = {
        api_port: [sys.executable, "-m", "lianxin_cli.main", "api"],
        hand_port: [sys.executable, str(Path(__file__).with_name("handwritten_api.py"))],
    }
    logs = {port: data_dir / f"server-{port}.log" for port in commands}
    servers = {
        port: start_server(cmd, {**env, "PORT": str(port)}, logs[port]) for port, cmd in commands.items()
    }
    try:
        for port, process in servers.items():
            await wait_listening(port, process, logs[port])
        admin = Principal(subject="bench", role=Role.ADMIN)
        token = issue_token(SECRET, admin, now=datetime.now(UTC), ttl=timedelta(hours=1))
        await measure(args, api_port, hand_port, token, max_id)
    finally:
        for process in servers.values():
            process.terminate()
        for process in servers.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000, help="households to load (default 10000)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per measured round (default 10)")
    parser.add_argument("--seed", type=int, default=20180301, help="generator seed")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="lianxin-bench-"))
    started = time.perf_counter()
    try:
        print(f"starting PostgreSQL and Redis (data in {data_dir})", flush=True)
        with backing_services(data_dir, DATABASE) as (database_url, redis_url):
            asyncio.run(main_async(args, database_url, redis_url, data_dir))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"total {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
