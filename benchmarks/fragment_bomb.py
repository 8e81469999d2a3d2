"""Issue 11: `/healthz` latency while fragment bombs hit the API (the real `lianxin api`, a subprocess).

PostgreSQL and Redis from DATABASE_URL / REDIS_URL, else embedded in a temporary folder; a fresh,
migrated database. Three rounds of `--seconds` each, `/healthz` probed every 20 ms on its own connection:

1. idle: no other load (the baseline);
2. bombs: `--concurrency` anonymous and as many ADMIN clients posting a sub-1 KB fragment bomb (24
   levels, each spreading the one below twice) back to back;
3. bombs + slow validation: the same, plus one ADMIN client posting a valid document that graphql-core's
   OverlappingFieldsCanBeMergedRule needs seconds for (stopped by the validation budget).

Prints p50 / p99 / max of `/healthz` per round and what the bombs were answered (status, error code).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _services import backing_services, wait_listening

os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/lianxin-runtime-{os.getuid()}")
Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)

from lianxin.core.db import connect  # noqa: E402
from lianxin.core.migrate import migrate  # noqa: E402
from lianxin.core.tokens import Principal, Role, issue_token  # noqa: E402
from lianxin_cli.embedded import free_port  # noqa: E402

DATABASE = "lianxin_bench_bomb"
SECRET = "bench-secret-" + "x" * 48


def fragment_bomb(levels: int = 24) -> str:
    fragments = ["fragment F0 on Node{id}"]
    fragments += [f"fragment F{i} on Node{{...F{i - 1}...F{i - 1}}}" for i in range(1, levels + 1)]
    return f"query{{unions(first:1){{edges{{node{{...F{levels}}}}}}}}}" + " ".join(fragments)


def overlap_tree(levels: int = 9) -> str:
    def tree(level: int) -> str:
        return "name" if level == 0 else " ".join(f"parent {{ {tree(level - 1)} }}" for _ in range(2))

    return f"{{ unions(first: 1) {{ edges {{ node {{ {tree(levels)} }} }} }} }}"


class Connection:
    """One keep-alive HTTP/1.1 connection, minimal so the load costs far less than the server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def send(self, head: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        writer.write(head.encode() + body)
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) != b"\r\n":
            if not line:
                raise ConnectionError("the server closed the connection")
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        return status, await reader.readexactly(length)

    async def post(self, query: str, token: str | None) -> tuple[int, bytes]:
        body = json.dumps({"query": query}).encode()
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        head = (
            f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return await self.send(head, body)

    async def get(self, path: str) -> tuple[int, bytes]:
        return await self.send(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


async def attacker(port: int, query: str, token: str | None, until: float, answers: Counter[str]) -> None:
    connection = Connection(port)
    try:
        while time.monotonic() < until:
            status, body = await connection.post(query, token)
            codes = [e.get("extensions", {}).get("code") for e in json.loads(body).get("errors", [])]
            answers[f"{'ADMIN' if token else 'anonymous'} {status} {','.join(map(str, codes))}"] += 1
    finally:
        connection.close()


async def probe(port: int, until: float) -> list[float]:
    connection, latencies = Connection(port), []
    try:
        while time.monotonic() < until:
            started = time.perf_counter()
            status, _ = await connection.get("/healthz")
            assert status == 200, status
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)
    finally:
        connection.close()
    return latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def round_(name: str, port: int, seconds: float, attackers: list[tuple[str, str | None]]) -> None:
    until = time.monotonic() + seconds
    answers: Counter[str] = Counter()
    tasks = [asyncio.create_task(attacker(port, q, t, until, answers)) for q, t in attackers]
    latencies = await probe(port, until)
    await asyncio.gather(*tasks)
    ms = [v * 1000 for v in latencies]
    print(
        f"{name:<28} /healthz n={len(ms):>4}  p50 {statistics.median(ms):7.1f} ms  "
        f"p99 {percentile(ms, 0.99):7.1f} ms  max {max(ms):7.1f} ms",
        flush=True,
    )
    for answer, count in sorted(answers.items()):
        print(f"{'':<28}   {count:>6} × {answer}  ({count / seconds:.0f}/s)", flush=True)


def start_api(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        command = [sys.executable, "-m", "lianxin_cli.main", "api"]
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


async def main_async(args: argparse.Namespace, database_url: str, redis_url: str, data_dir: Path) -> None:
    conn = await connect(database_url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LIANXIN_JWT_SECRET": SECRET,
        "LIANXIN_DATA_DIR": str(data_dir),
        "LIANXIN_LOG_LEVEL": "WARNING",
        "LIANXIN_RATE_LIMIT_PER_MINUTE": "10000000",  # measure the work a request causes, not the limiter
        "PORT": str(port),
    }
    log = data_dir / "api.log"
    process = start_api(env, log)
    try:
        await wait_listening(port, process, log)
        token = issue_token(
            SECRET, Principal(subject="bench", role=Role.ADMIN), now=datetime.now(UTC), ttl=timedelta(hours=1)
        )
        bomb = fragment_bomb()
        print(
            f"bomb: {len(bomb.encode())} bytes; "
            f"{args.concurrency} anonymous + {args.concurrency} ADMIN clients"
        )
        bombs = [(bomb, None)] * args.concurrency + [(bomb, token)] * args.concurrency
        await round_("idle", port, args.seconds, [])
        await round_("bombs", port, args.seconds, bombs)
        await round_("bombs + slow validation", port, args.seconds, [*bombs, (overlap_tree(), token)])
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=8, help="bomb clients of each kind (default 8)")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per round (default 10)")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="lianxin-bench-"))
    try:
        print(f"starting PostgreSQL and Redis (data in {data_dir})", flush=True)
        with backing_services(data_dir, DATABASE) as (database_url, redis_url):
            asyncio.run(main_async(args, database_url, redis_url, data_dir))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
