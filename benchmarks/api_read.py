"""DESIGN.md §8, issue 12: four read shapes through GraphQL, each against its own hand-written
starlette + asyncpg endpoint (benchmarks/handwritten_api.py) in the same run:

- page: 50 households with members and sponsorships with their sponsor;
- deep: a union's households (first 50) with members, incomes and the latest decision with its trace;
- wide: 100 households with 20 scalar fields each (some through `contactPerson` and `union`) and totalCount;
- detail: one household's screen (members, incomes, expenditures, assets, pairings, latest decision).

PostgreSQL and Redis from DATABASE_URL / REDIS_URL, else embedded in a temporary folder; a fresh database
with N generated households, a third paired with sponsors, all decided under the demo policy; the real
API and the hand-written endpoints as uvicorn subprocesses, checked to answer with the same JSON, then
measured alternately per shape (A B A B …: --pairs of short rounds, so the machine's slow and fast
spells fall on both sides alike). Each shape prints `ratio <shape>: X`. With --profile, py-spy samples
the API during the first GraphQL round and the time per component is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil

from _services import backing_services, wait_listening

os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/lianxin-runtime-{os.getuid()}")
Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)

from lianxin.core.clock import today_in  # noqa: E402
from lianxin.core.db import Pool, connect, create_pool, unit_of_work  # noqa: E402
from lianxin.core.ids import encode_cursor, to_global_id  # noqa: E402
from lianxin.core.migrate import migrate  # noqa: E402
from lianxin.core.tokens import Principal, Role, issue_token  # noqa: E402
from lianxin.demo.households import bulk_load  # noqa: E402
from lianxin.eligibility import DEMO_PARAMETERS  # noqa: E402
from lianxin.matching.service import decide_households  # noqa: E402
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
QUERIES = {
    "page": """query Page($after: String, $first: Int!) { households(first: $first, after: $after) { edges {
  node { id archiveNo members { name relation } sponsorships { startedOn active sponsor { name } } } } } }""",
    "deep": """query Deep($union: ID!, $after: String, $first: Int!) { node(id: $union) {
  ... on TradeUnion { households(first: $first, after: $after) { edges { node { id archiveNo
  members { name relation } incomes { kind monthlyAmount memberId }
  latestDecision { outcome perCapitaIncome monthlyBenefit trace { rule passed value explanation } }
  } } } } } }""",
    "wide": """query Wide($after: String, $first: Int!) { households(first: $first, after: $after) {
  totalCount edges { node { id archiveNo level category status statusChangedOn regionCode contactName
  archivedOn version
  statusReason hardshipReasons majorEventCasualty exclusions contactPhone contactCardUrl
  contactPerson { name phone } union { id name } } } } }""",
    "detail": """query Detail($id: ID!) { node(id: $id) { ... on Household { id archiveNo status
  hardshipReasons
  contactPerson { name phone } members { id name relation sex birthDate employment }
  incomes { kind monthlyAmount memberId } expenditures { kind annualAmount } assets { kind value count }
  sponsorships { startedOn active sponsor { name } }
  latestDecision { outcome monthlyBenefit evaluatedOn } } } }""",
}
OPERATION = {"page": "Page", "deep": "Deep", "wide": "Wide", "detail": "Detail"}
PAGE_SIZE = {"page": 50, "deep": 50, "wide": 100, "detail": 1}
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


async def decide_all(conn: Any, today: date) -> None:
    """The demo policy for the city, and every household decided under it (as the worker would)."""
    await conn.execute(
        "INSERT INTO dibao_policy (region_code, effective_from, parameters) "
        "VALUES ('371000', '2020-01-01', $1)",
        dict(DEMO_PARAMETERS),
    )
    ids = [r["id"] for r in await conn.fetch("SELECT id FROM household ORDER BY id")]
    for start in range(0, len(ids), 2000):
        async with conn.transaction():
            await decide_households(conn, ids[start : start + 2000], as_of=today)


async def prepare(database_url: str, n: int, seed: int, today: date) -> tuple[int, list[int]]:
    """Migrate, create unions and sponsors, load N households, pair some, decide all; the largest
    household id and the district unions' ids."""
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
        await decide_all(conn, today)
        await conn.execute("ANALYZE")
        members = await conn.fetchval("SELECT count(*) FROM member")
        paired = await conn.fetchval("SELECT count(DISTINCT household_id) FROM sponsorship") / max(n, 1)
        elapsed = time.perf_counter() - started
        print(f"\n  {members:,} members, {paired:.0%} of households paired, {elapsed:.0f}s", flush=True)
        max_id: int = await conn.fetchval("SELECT coalesce(max(id), 0) FROM household")
        return max_id, unions
    finally:
        await pool.close()
        await conn.close()


def start_server(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)


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


def request_body(shape: str, variables: dict[str, Any]) -> bytes:
    return json.dumps(
        {"query": QUERIES[shape], "operationName": OPERATION[shape], "variables": variables}
    ).encode()


def bodies_for(shape: str, max_id: int, unions: list[int], first: int | None = None) -> list[bytes]:
    """200 requests of the shape at random places (page cursors, unions, households)."""
    rng = random.Random(shape)
    first = first or PAGE_SIZE[shape]
    out = []
    for k in range(200):
        after = rng.randrange(1, max(max_id - first * len(unions), 2)) if k else 0
        cursor = encode_cursor(after) if after else None
        if shape == "deep":
            union = to_global_id("TradeUnion", unions[k % len(unions)])
            out.append(request_body(shape, {"union": union, "after": cursor, "first": first}))
        elif shape == "detail":
            out.append(request_body(shape, {"id": to_global_id("Household", rng.randrange(1, max_id + 1))}))
        else:
            out.append(request_body(shape, {"after": cursor, "first": first}))
    return out


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


async def check_same(shape: str, bodies: list[bytes], api: Client, hand: Client) -> None:
    for body in [bodies[0], bodies[57], bodies[-1]]:
        answers = [json.loads((await client.post(body))[2]) for client in (api, hand)]
        assert answers[0] == answers[1], f"{shape}: the two endpoints disagree for {body[-80:]!r}: {answers}"
        assert "errors" not in answers[0], answers[0]


async def statements(shape: str, client: Client, max_id: int, unions: list[int]) -> str:
    """Statements per request at two page sizes ("a/b"), or one figure for the single-household shape."""
    sizes = (1,) if shape == "detail" else (10, 100)
    found = []
    for first in sizes:
        _, headers, _ = await client.post(bodies_for(shape, max_id, unions, first)[1])
        found.append(headers.get("x-sql-statements", "?"))
    return "/".join(found)


class CpuMeter:
    """CPU seconds of a server process and of the PostgreSQL server's processes (the postmaster's
    children, per process, so backends that come and go in between count for the time they ran), read
    around a round: what a request costs each side, steadier than req/s on a small shared machine.
    PostgreSQL's share is left out (0) when the server is not on this machine."""

    def __init__(self, pid: int, postmaster: int | None) -> None:
        self.server = psutil.Process(pid)
        self.postmaster = postmaster

    def _postgres(self) -> dict[int, float]:
        found: dict[int, float] = {}
        if self.postmaster is None:
            return found
        with contextlib.suppress(psutil.Error):
            for process in psutil.Process(self.postmaster).children():
                with contextlib.suppress(psutil.Error):
                    times = process.cpu_times()
                    found[process.pid] = times.user + times.system
        return found

    def read(self) -> tuple[float, dict[int, float]]:
        times = self.server.cpu_times()
        return times.user + times.system, self._postgres()

    @staticmethod
    def spent(
        before: tuple[float, dict[int, float]], after: tuple[float, dict[int, float]]
    ) -> tuple[float, float]:
        """(server, PostgreSQL) CPU seconds between two readings."""
        postgres = sum(t - before[1].get(pid, 0.0) for pid, t in after[1].items())
        return after[0] - before[0], postgres


async def postmaster_pid(database_url: str) -> int | None:
    """The local PostgreSQL server's postmaster (the parent of a backend), or None if not local."""
    conn = await connect(database_url)
    try:  # (asked while the backend lives: it exits when its connection closes)
        parent = psutil.Process(await conn.fetchval("SELECT pg_backend_pid()")).parent()
    except psutil.Error:
        return None
    finally:
        await conn.close()
    return parent.pid if parent is not None and (parent.name() or "").startswith("postgres") else None


class Profiler:
    """py-spy sampling the API process during its rounds (raw collapsed stacks), if asked for."""

    def __init__(self, pid: int | None, out: Path) -> None:
        self.pid, self.out, self.process = pid, out, None

    def start(self, seconds: float) -> None:
        if self.pid is None:
            return
        command = ["py-spy", "record", "--pid", str(self.pid), "--format", "raw", "--rate", "250"]
        command += ["--duration", str(int(seconds)), "--output", str(self.out), "--nonblocking"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.process is not None:
            self.process.wait(30)
            self.process = None


BUCKETS: list[tuple[str, Callable[[str], bool]]] = [
    ("planned executor", lambda f: "lianxin_api/executor/" in f),
    ("graphql-core", lambda f: "site-packages/graphql/" in f),
    ("strawberry", lambda f: "site-packages/strawberry/" in f),
    ("resolvers, access rules, models", lambda f: any(k in f for k in ("lianxin_api/graphql/", "/lianxin/"))),
    ("loaders", lambda f: "lianxin_api/loaders" in f),
    ("asyncpg", lambda f: "asyncpg" in f),
    ("redis (rate limit)", lambda f: "site-packages/redis/" in f),
    (
        "HTTP: uvicorn, starlette, middleware, auth",
        lambda f: any(k in f for k in ("uvicorn", "starlette", "lianxin_api/")),
    ),
]


def summarize_profile(path: Path) -> str:
    """Self time by component: the innermost frame of our code or a library in each sample."""
    if not path.exists():
        return "  (no profile)"
    totals: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        leaf = frames[-1]
        # uvloop runs in C below `Runner.run`: I/O callbacks, scheduling, epoll
        bucket = (
            "event loop (uvloop, in C)" if leaf.startswith(("Runner.run", "select", "_run_once")) else None
        )
        if bucket is None:
            for frame in reversed(frames):
                bucket = next((name for name, match in BUCKETS if match(frame)), None)
                if bucket:
                    break
        totals[bucket or "other (interpreter, asyncio, json)"] += int(count)
    whole = sum(totals.values()) or 1
    return "\n".join(f"  {name:<44} {n / whole:6.1%}" for name, n in totals.most_common())


async def measure(
    args: argparse.Namespace,
    api_port: int,
    hand_port: int,
    token: str,
    max_id: int,
    unions: list[int],
    pids: dict[int, int],
    database_url: str,
) -> None:
    api, hand = Client(api_port, token), Client(hand_port, token)
    api_pid = pids[api_port]
    postmaster = await postmaster_pid(database_url)
    meters = {port: CpuMeter(pid, postmaster) for port, pid in pids.items()}
    shapes = [s for s in ("page", "deep", "wide", "detail") if s in args.shapes.split(",")]
    bodies = {shape: bodies_for(shape, max_id, unions) for shape in shapes}
    sql = {}
    for shape in shapes:
        await check_same(shape, bodies[shape], api, hand)
        sql[shape] = (
            await statements(shape, api, max_id, unions),
            await statements(shape, hand, max_id, unions),
        )
    print("  both endpoints return the same JSON for every shape checked")
    api.close()
    hand.close()
    results = {}
    cpu: dict[str, dict[str, list[tuple[float, float, float]]]] = {}
    for shape in shapes:
        for port in (api_port, hand_port):  # warm up: pool connections, caches, plans
            await throughput(port, token, bodies[shape], args.concurrency, 2)
        rounds: dict[str, list[float]] = {"GraphQL API": [], "hand-written": []}
        spent: dict[str, list[tuple[float, float, float]]] = {"GraphQL API": [], "hand-written": []}
        profiler = Profiler(api_pid if args.profile else None, Path(args.profile or ".") / f"{shape}.txt")
        for k in range(2 * args.pairs):
            name, port = ("GraphQL API", api_port) if k % 2 == 0 else ("hand-written", hand_port)
            if k == 0:
                profiler.start(args.seconds)
            before, started = meters[port].read(), time.perf_counter()
            rate = await throughput(port, token, bodies[shape], args.concurrency, args.seconds)
            requests = rate * (time.perf_counter() - started)
            server, postgres = CpuMeter.spent(before, meters[port].read())
            if k == 0:
                profiler.stop()
            rounds[name].append(rate)
            spent[name].append((requests, server, postgres))
            print(
                f"  {shape:<6} round {k + 1}: {name:<12} {rate:8.1f} req/s, CPU per request: server "
                f"{1000 * server / requests:.2f} ms, PostgreSQL {1000 * postgres / requests:.2f} ms",
                flush=True,
            )
        results[shape] = rounds
        cpu[shape] = spent
        if args.profile:
            print(f"  profile of the API, {shape} (self time by component):")
            print(summarize_profile(profiler.out), flush=True)
    report(args, results, sql, cpu)


def report(
    args: argparse.Namespace,
    results: dict[str, dict[str, list[float]]],
    sql: dict[str, tuple[str, str]],
    cpu: dict[str, dict[str, list[tuple[float, float, float]]]],
) -> None:
    print(
        f"\n{args.concurrency} clients, {args.pairs} x {args.seconds:g}s per side and shape, alternated; "
        "ratio over all rounds, and its range over the pairs of rounds; SQL at first 10/100\n"
    )
    head = ("shape", "GraphQL req/s", "hand req/s", "ratio", "pair ratios", "SQL GraphQL", "SQL hand")
    print("| " + " | ".join(f"{h:>13}" for h in head) + " |")
    print("| " + " | ".join("-" * 13 for _ in head) + " |")
    ratios = {}
    for shape, rounds in results.items():
        api, hand = (sum(r) / len(r) for r in rounds.values())
        ratios[shape] = api / hand
        pairs = [a / h for a, h in zip(*rounds.values(), strict=True)]
        spread = f"{min(pairs):.2f}-{max(pairs):.2f}"
        row = (shape, f"{api:.1f}", f"{hand:.1f}", f"{api / hand:.2f}", spread, *sql[shape])
        print("| " + " | ".join(f"{c:>13}" for c in row) + " |")
    print("\nCPU per request (ms), all rounds of each side: each server is one process, so its CPU per")
    print("request bounds its req/s; PostgreSQL runs beside it on the other cores\n")
    head = ("shape", "API server", "hand server", "server ratio", "API PG", "hand PG")
    print("| " + " | ".join(f"{h:>13}" for h in head) + " |")
    print("| " + " | ".join("-" * 13 for _ in head) + " |")
    for shape, sides in cpu.items():
        per = {}
        for name, spent in sides.items():
            requests = sum(r for r, _, _ in spent) or 1.0
            per[name] = (
                1000 * sum(s for _, s, _ in spent) / requests,
                1000 * sum(p for _, _, p in spent) / requests,
            )
        (api_server, api_pg), (hand_server, hand_pg) = per["GraphQL API"], per["hand-written"]
        cells = (shape, f"{api_server:.2f}", f"{hand_server:.2f}", f"{hand_server / api_server:.2f}")
        print("| " + " | ".join(f"{c:>13}" for c in (*cells, f"{api_pg:.2f}", f"{hand_pg:.2f}")) + " |")
    print()
    for shape, ratio in ratios.items():
        print(f"ratio {shape}: {ratio:.2f} (budget: at least 0.50)")


async def main_async(args: argparse.Namespace, database_url: str, redis_url: str, data_dir: Path) -> None:
    max_id, unions = await prepare(database_url, args.n, args.seed, today_in("Asia/Shanghai"))
    api_port, hand_port = free_port(), free_port()
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LIANXIN_JWT_SECRET": SECRET,
        "LIANXIN_DATA_DIR": str(data_dir),
        "LIANXIN_ENV": "development",  # keeps the x-sql-statements header
        "LIANXIN_LOG_LEVEL": "WARNING",  # measure GraphQL, not access logging
        "LIANXIN_RATE_LIMIT_PER_MINUTE": "10000000",  # one token drives the load: no throttling
        "LIANXIN_BENCH_LEAN_BASELINE": "1" if args.lean_baseline else "",
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
        pids = {port: process.pid for port, process in servers.items()}
        await measure(args, api_port, hand_port, token, max_id, unions, pids, database_url)
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
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per measured round (default 5)")
    parser.add_argument(
        "--pairs",
        type=int,
        default=5,
        help="rounds per side and shape, alternated GraphQL, hand-written, GraphQL… (default 5): many "
        "short rounds, so that the machine's slow and fast spells fall on both sides alike",
    )
    parser.add_argument("--seed", type=int, default=20180301, help="generator seed")
    parser.add_argument("--shapes", default="page,deep,wide,detail", help="comma-separated shapes to run")
    parser.add_argument("--profile", default="", help="folder for py-spy profiles of the API (needs py-spy)")
    parser.add_argument(
        "--lean-baseline",
        action="store_true",
        help="the hand-written endpoints also cache verified tokens and skip the pool's reset of their "
        "read connection, as the API does (no part of GraphQL's cost)",
    )
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
