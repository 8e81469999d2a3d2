"""Issue 16: a chaos soak — the deployment's shape under load while its processes are killed and restarted.

Started and stopped by this script, in a temporary folder:
- PostgreSQL (pgserver's postmaster, restarted with its own pg_ctl) and Redis (redis-server, AOF);
- three API processes (`lianxin api`) behind HAProxy (round robin, health checks on /readyz, websocket
  timeouts; installed with `apt-get install haproxy` when missing and running as root), two workers;
- a bounded mixed load through HAProxy: GraphQL reads, household edits (`updateHousehold`), websocket
  subscribers (graphql-transport-ws) that resume from their last cursor whenever they are cut off, and a
  local webhook receiver registered as a civil-affairs agency's endpoint, counting by Lianxin-Event-Id;
- on a schedule, one fault at a time, in turn: SIGKILL an API process (then start it again), SIGKILL a
  worker (start another), restart Redis, restart PostgreSQL.

Then the load stops, the system drains, and the outcome is checked against the database: every committed
event reached every subscriber (after its resumes), no household has two decisions for the same inputs
fingerprint and policy, and every event the agency's endpoint should get was posted to it at least once.
The last line is exactly `lost events N, duplicate decisions N, lost deliveries N`; the exit status is 0
only when all three are 0 and no request failed outside a fault window.

    .venv/bin/python benchmarks/chaos.py --minutes 3      # or --seconds 30 (what `make test` runs)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import itertools
import json
import logging
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/lianxin-runtime-{os.getuid()}")
Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402
from websockets.asyncio.client import connect as ws_connect  # noqa: E402

from lianxin.core.clock import today_in  # noqa: E402
from lianxin.core.db import Pool, connect, create_pool, unit_of_work  # noqa: E402
from lianxin.core.ids import to_global_id  # noqa: E402
from lianxin.core.jobs import JobQueue  # noqa: E402
from lianxin.core.migrate import migrate  # noqa: E402
from lianxin.core.tokens import Principal, Role, issue_token  # noqa: E402
from lianxin.demo.generator import generate_households  # noqa: E402
from lianxin.events.reader import START, StoredEvent, encode_cursor  # noqa: E402
from lianxin.household.service import archive_household  # noqa: E402
from lianxin.notification import repository as webhook_repo  # noqa: E402
from lianxin.notification import webhook  # noqa: E402
from lianxin.policy import service as policy_service  # noqa: E402
from lianxin.referral import service as referral_service  # noqa: E402
from lianxin.trade_union.models import UnionKind  # noqa: E402
from lianxin.trade_union.service import NewUnion, create_union  # noqa: E402
from lianxin_cli.embedded import EmbeddedRedis, free_port  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
REGION = "371002"
DATABASE = "lianxin_chaos"
APIS, WORKERS = 3, 2
GRACE = 4.0  # after a fault has healed: HAProxy's health check marks the server up, pools reconnect
# a worker gives up on a Redis that went away only after its own retries, and exits some seconds later
CRASH_GRACE = 15.0
DOWNTIME = 1.5  # seconds Redis and PostgreSQL stay down when restarted
FAULTS = ("api", "worker", "redis", "postgres")

READ = "query { households(first: 10) { edges { node { id archiveNo version } } } }"
EDIT = """mutation($input: UpdateHouseholdInput!) {
  updateHousehold(input: $input) { household { id version } errors { code } } }"""
SUBSCRIBE = """subscription($after: String) {
  events(after: $after) { id cursor type } }"""


PRODUCTION_PROXY = REPO / "docker" / "haproxy" / "haproxy.cfg"


def backends_config(servers: list[int]) -> str:
    """The API processes, in the shape docker/haproxy/haproxy.cfg takes its servers from a second file
    (health checks, balancing and timeouts come from that file's `defaults`)."""
    lines = ["backend lianxin_api"]
    lines += [f"    server api{i + 1} 127.0.0.1:{port} check" for i, port in enumerate(servers)]
    return "\n".join(lines) + "\n"


def standalone_config(frontend_port: int) -> str:
    """Used when the tree has no docker/haproxy/haproxy.cfg: the same shape, written here. Round robin,
    /readyz health checks, websocket-friendly timeouts (`timeout tunnel` once a connection is
    upgraded), a refused connection retried on another server (`option redispatch`), never a request
    that may have reached a server; no TLS (loopback)."""
    lines = [
        "global",
        "    maxconn 4096",
        "defaults lianxin",
        "    mode http",
        "    timeout connect 5s",
        "    timeout http-request 15s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    timeout tunnel 1h",
        "    timeout client-fin 5s",
        "    retries 2",
        "    option redispatch 1",
        "    retry-on conn-failure",
        "    balance roundrobin",
        "    option httpchk GET /readyz",
        "    http-check expect status 200",
        # a refused connection fails a check at once; a slow answer (a loaded host) is not a dead server
        "    timeout check 5s",
        "    default-server inter 1s fastinter 500ms downinter 500ms fall 2 rise 1",
        "frontend lianxin",
        f"    bind 127.0.0.1:{frontend_port}",
        "    default_backend lianxin_api",
    ]
    return "\n".join(lines) + "\n"


def haproxy_files(folder: Path, frontend_port: int, servers: list[int], shared: Path | None) -> list[Path]:
    """The configuration files, in order: docker/haproxy/haproxy.cfg (or a standalone one), the servers."""
    backends = folder / "backends.cfg"
    backends.write_text(backends_config(servers))
    if shared is not None and shared.is_file():
        return [shared, backends]
    standalone = folder / "haproxy.cfg"
    standalone.write_text(standalone_config(frontend_port))
    return [standalone, backends]


def ensure_haproxy() -> str:
    """The haproxy binary; installed from Debian's packages when missing (needs root and apt-get)."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/sbin"])
    if found := shutil.which("haproxy", path=search):
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit("haproxy is missing and cannot be installed here (needs root and apt-get)")
    print("installing haproxy (apt-get install -y haproxy)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"env": env, "stdout": subprocess.DEVNULL, "check": True}
    subprocess.run(["apt-get", "update", "-qq"], **quiet)  # type: ignore[call-overload]
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "haproxy"], **quiet)  # type: ignore[call-overload]
    if found := shutil.which("haproxy", path=search):
        return found
    raise SystemExit("apt-get install haproxy did not provide a haproxy binary")


class Postgres:
    """pgserver's postmaster on a unix socket; `restart` stops it with pg_ctl and starts it again."""

    def __init__(self, folder: Path) -> None:
        import pgserver

        self.server: Any = pgserver.get_server(folder.resolve(), cleanup_mode="stop")

    def ensure_database(self, name: str) -> str:
        self.server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')
        self.server.psql(f'CREATE DATABASE "{name}";')
        uri: str = self.server.get_uri(name)
        return uri

    def stop_now(self) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user, timeout=60
        )

    def start_again(self) -> None:
        self.server.ensure_postgres_running()

    def stop(self) -> None:
        self.server.cleanup()


@dataclass
class Soak:
    """Everything measured, in one place."""

    started: float = field(default_factory=time.monotonic)
    # (kind, start, end) of each fault, end = when the component answered again
    faults: list[tuple[str, float, float]] = field(default_factory=list)
    # (kind, start, end, ok, detail) of each request
    requests: list[tuple[str, float, float, bool, str]] = field(default_factory=list)
    received: list[dict[int, int]] = field(default_factory=list)  # per subscriber: event id → times
    resumes: int = 0
    posts: Counter[str] = field(default_factory=Counter)  # Lianxin-Event-Id → POSTs received
    # processes that died without being killed (and were started again, as a restart policy would):
    # (name, exit status, the fault it happened during or None)
    crashes: list[tuple[str, int, str | None]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    verbose: bool = False

    def record(self, kind: str, t0: float, ok: bool, detail: str = "") -> None:
        t1 = time.monotonic()
        self.requests.append((kind, t0, t1, ok, detail))
        if self.verbose and not ok:
            print(
                f"  {t0 - self.started:6.1f}-{t1 - self.started:.1f} s  failed {kind}: {detail}", flush=True
            )

    def fault_of(self, t0: float, t1: float, grace: float = GRACE) -> str | None:
        """The latest fault whose window (grace included) the interval [t0, t1] overlaps, if any."""
        for kind, start, end in reversed(self.faults):
            if t0 <= end + grace and t1 >= start:
                return kind
        return None


def _die_with_parent() -> None:
    """Linux: the child gets SIGKILL if this script dies, so an interrupted soak leaves no process."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Processes:
    """The API, worker and HAProxy child processes, their logs, and who is meant to be running."""

    def __init__(self, folder: Path, env: dict[str, str], soak: Soak) -> None:
        self.folder = folder
        self.env = env
        self.soak = soak
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.api_ports = [free_port() for _ in range(APIS)]

    def start(self, name: str, command: list[str], extra: dict[str, str] | None = None) -> None:
        with (self.folder / f"{name}.log").open("ab") as log:
            self.running[name] = subprocess.Popen(
                command,
                env={**self.env, **(extra or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )

    def start_api(self, i: int) -> None:
        cli = [sys.executable, "-m", "lianxin_cli.main"]
        self.start(f"api{i + 1}", [*cli, "api"], {"PORT": str(self.api_ports[i])})

    def start_worker(self, i: int) -> None:
        self.start(f"worker{i + 1}", [sys.executable, "-m", "lianxin_cli.main", "worker"])

    def kill(self, name: str) -> None:
        process = self.running.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def check_alive(self) -> None:
        for name, process in list(self.running.items()):
            if process.poll() is not None:
                now = time.monotonic()
                during = self.soak.fault_of(now, now, CRASH_GRACE)
                self.soak.crashes.append((name, process.returncode, during))
                del self.running[name]
                last = (self.folder / f"{name}.log").read_text(errors="replace").strip().splitlines()[-1:]
                print(
                    f"  {now - self.soak.started:6.1f} s  {name} exited by itself ({process.returncode}), "
                    f"started again: {last[0][-160:] if last else ''}",
                    flush=True,
                )
                if name.startswith("api"):
                    self.start_api(int(name[-1]) - 1)
                elif name.startswith("worker"):
                    self.start_worker(int(name[-1]) - 1)
                else:
                    raise RuntimeError(f"{name} exited: see {self.folder / name}.log (--keep a folder)")

    def stop_all(self) -> None:
        for process in self.running.values():
            process.terminate()
        for process in self.running.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.running.clear()


async def wait_ready(url: str, within: float = 90) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not become ready within {within:.0f} s")


# ---- set-up ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    households: list[int]
    endpoint_id: int
    secret: str


async def seed(database_url: str, redis_url: str, households: int, receiver: str) -> World:
    """Migrate; a union, the demo policies, the region's agency with a webhook endpoint, households."""
    conn = await connect(database_url)
    await migrate(conn)
    await conn.close()
    pool = await create_pool(database_url, max_size=2)
    queue = await JobQueue.connect(redis_url)
    today = today_in("Asia/Shanghai")
    try:
        async with unit_of_work(pool, queue) as uow:
            city = await create_union(uow, NewUnion("威海市总工会", UnionKind.FEDERATION, "371000", None))
            union = await create_union(
                uow, NewUnion("环翠区总工会", UnionKind.DISTRICT_FEDERATION, REGION, city.id)
            )
            for region, effective_from, parameters in policy_service.seed_policies():
                await policy_service.publish_policy(uow, region, effective_from, parameters, "chaos")
            agency = await referral_service.register_agency(uow, "环翠区民政局", REGION)
            endpoint, secret = await webhook.create_endpoint(
                uow, webhook.NewEndpoint(receiver, [], agency.id, "chaos"), allow_private=True
            )
        ids = []
        for new in generate_households(
            households, seed=16, union_ids=[union.id], region_codes=[REGION], today=today, archive_prefix="CH"
        ):
            async with unit_of_work(pool, queue) as uow:
                ids.append((await archive_household(uow, new, today=today)).id)
        return World(ids, endpoint.id, secret)
    finally:
        await pool.close()
        await queue.close()


# ---- load -----------------------------------------------------------------------------------------


def failure_detail(response: httpx.Response, field_name: str) -> str | None:
    """None when a GraphQL response is a success, else a short reason."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return "not JSON"
    if body.get("errors"):
        first = body["errors"][0]
        return f"GraphQL error {(first.get('extensions') or {}).get('code') or first.get('message', '')[:40]}"
    errors = (body.get("data") or {}).get(field_name, {}).get("errors") if field_name else None
    return f"user error {errors[0]['code']}" if errors else None


async def http_loop(
    soak: Soak,
    http: httpx.AsyncClient,
    kind: str,
    pause: float,
    body: Callable[[], dict[str, Any]],
    name: str,
) -> None:
    while not soak.stop.is_set():
        t0 = time.monotonic()
        try:
            response = await http.post("/graphql", json=body())
            detail = failure_detail(response, name)
        except httpx.TimeoutException:
            detail = "timeout"
        except httpx.HTTPError as exc:
            detail = type(exc).__name__
        soak.record(kind, t0, detail is None, detail or "")
        await asyncio.sleep(pause * random.uniform(0.5, 1.5))


async def subscriber(soak: Soak, url: str, token: str, received: dict[int, int]) -> None:
    """Follow the whole event log from its start; resume after the last cursor whenever cut off."""
    after = encode_cursor(START)
    while True:
        t0 = time.monotonic()
        established = False
        try:
            async with ws_connect(
                url,
                subprotocols=["graphql-transport-ws"],
                max_queue=None,
                open_timeout=10,  # type: ignore[list-item]
            ) as ws:
                init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
                await ws.send(json.dumps(init))
                async with asyncio.timeout(10):
                    ack = json.loads(await ws.recv())
                if ack["type"] != "connection_ack":
                    raise ConnectionError(f"no ack: {ack}")
                variables = {"after": after}
                await ws.send(
                    json.dumps(
                        {
                            "id": "1",
                            "type": "subscribe",
                            "payload": {"query": SUBSCRIBE, "variables": variables},
                        }
                    )
                )
                established = True
                soak.record("subscribe", t0, True)
                async for raw in ws:
                    message = json.loads(raw)
                    if message["type"] == "ping":
                        await ws.send('{"type": "pong"}')
                        continue
                    if message["type"] != "next" or message["payload"].get("errors"):
                        raise ConnectionError(f"stream ended: {str(message)[:200]}")
                    event = message["payload"]["data"]["events"]
                    event_id = int(event["id"]) if event["id"].isdigit() else _event_pk(event["id"])
                    received[event_id] = received.get(event_id, 0) + 1
                    after = event["cursor"]
                raise ConnectionError("closed by the server")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every way a stream can end is a resume
            if established:
                soak.resumes += 1
                soak.record("subscription cut", time.monotonic(), False, type(exc).__name__)
            else:
                soak.record("subscribe", t0, False, type(exc).__name__)
        await asyncio.sleep(0.2)


def _event_pk(global_id: str) -> int:
    from lianxin.core.ids import parse_global_id

    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] != "Event":
        raise ValueError(f"not an event id: {global_id}")
    return parsed[1]


def receiver_app(soak: Soak) -> Starlette:
    """The agency's receiver: counts every POST by Lianxin-Event-Id (duplicates are expected)."""

    async def hook(request: Request) -> Response:
        await request.body()
        soak.posts[request.headers["Lianxin-Event-Id"]] += 1
        return Response(status_code=204)

    return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


# ---- faults ---------------------------------------------------------------------------------------


async def inject(
    kind: str, procs: Processes, pg: Postgres, redis: list[EmbeddedRedis], round_no: int
) -> float:
    """Do one fault; return when the component answers again (monotonic time)."""
    if kind == "api":
        i = round_no % APIS
        procs.kill(f"api{i + 1}")
        await asyncio.sleep(0.5)  # a dead process, not a restart: HAProxy has to notice
        procs.start_api(i)
        await wait_ready(f"http://127.0.0.1:{procs.api_ports[i]}/readyz")
    elif kind == "worker":
        i = round_no % WORKERS
        procs.kill(f"worker{i + 1}")
        await asyncio.sleep(0.5)
        procs.start_worker(i)
    elif kind == "redis":
        old = redis[0]
        await asyncio.to_thread(old.stop)
        await asyncio.sleep(DOWNTIME)
        redis[0] = await asyncio.to_thread(EmbeddedRedis, old.folder, old.port)
    elif kind == "postgres":
        await asyncio.to_thread(pg.stop_now)
        await asyncio.sleep(DOWNTIME)
        await asyncio.to_thread(pg.start_again)
    return time.monotonic()


async def fault_schedule(
    soak: Soak, seconds: float, kinds: list[str], procs: Processes, pg: Postgres, redis: list[EmbeddedRedis]
) -> None:
    """One fault at a time, every `interval` seconds (or GRACE after the last healed), until the load's
    time is nearly up, and at least one of each kind even when healing takes longer than the load."""
    interval = min(15.0, max(6.0, seconds / 5))
    next_at = soak.started + interval
    for n in itertools.count():
        kind = kinds[n % len(kinds)]
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        if n >= len(kinds) and time.monotonic() > soak.started + seconds - 4:
            return
        start = time.monotonic()
        print(f"  {start - soak.started:6.1f} s  fault: {kind}", flush=True)
        soak.faults.append((kind, start, float("inf")))
        end = await inject(kind, procs, pg, redis, n // len(kinds))
        soak.faults[-1] = (kind, start, end)
        print(f"  {end - soak.started:6.1f} s  healed: {kind} ({end - start:.1f} s)", flush=True)
        next_at = max(next_at + interval, end + GRACE)


async def watchdog(soak: Soak, procs: Processes) -> None:
    while True:
        procs.check_alive()
        await asyncio.sleep(0.5)


# ---- checks against the database ------------------------------------------------------------------


@dataclass
class Outcome:
    events: int
    lost_events: int
    decisions: int
    duplicate_decisions: int
    expected_deliveries: int
    lost_deliveries: int
    pending_jobs: int


DUPLICATE_DECISIONS = """SELECT count(*) FROM (SELECT household_id FROM eligibility_decision
GROUP BY household_id, policy_id, fingerprint HAVING count(*) > 1) AS d"""


async def outcome(pool: Pool, soak: Soak, endpoint_id: int) -> Outcome:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM event ORDER BY id")
        events = [StoredEvent.from_row(r) for r in rows]
        duplicates = await conn.fetchval(DUPLICATE_DECISIONS)
        decisions = await conn.fetchval("SELECT count(*) FROM eligibility_decision")
        pending = await conn.fetchval("SELECT count(*) FROM job_outbox WHERE done_at IS NULL")
        scoped = {e.id: region for e, region in await webhook_repo.active_endpoints_with_scope(conn)}
        endpoint = next(
            e for e, _ in await webhook_repo.active_endpoints_with_scope(conn) if e.id == endpoint_id
        )
    ids = {e.id for e in events}
    lost = sum(len(ids - set(got)) for got in soak.received)
    wanted = {
        webhook.event_document(e)["id"]
        for e in events
        if webhook._wants(endpoint, scoped[endpoint_id], e)  # the fan-out's own rule
    }
    return Outcome(
        events=len(ids),
        lost_events=lost,
        decisions=decisions,
        duplicate_decisions=duplicates,
        expected_deliveries=len(wanted),
        lost_deliveries=len(wanted - set(soak.posts)),
        pending_jobs=pending,
    )


async def drain(pool: Pool, soak: Soak, endpoint_id: int, within: float) -> Outcome:
    """Wait (bounded) until the jobs are done and every subscriber and the receiver caught up."""
    deadline = time.monotonic() + within
    while True:
        with contextlib.suppress(Exception):  # PostgreSQL may be on its way back
            result = await outcome(pool, soak, endpoint_id)
            done = not (result.lost_events or result.lost_deliveries or result.pending_jobs)
            if done or time.monotonic() > deadline:
                return result
        if time.monotonic() > deadline + 30:
            raise RuntimeError("the database did not answer while draining")
        await asyncio.sleep(0.5)


async def explain_pending(pool: Pool, redis_url: str) -> None:
    """Outbox jobs still not done after the drain, with what arq remembers of each."""
    from arq.jobs import Job as ArqJob

    from lianxin.core.jobs import QUEUE_NAME, outbox_job_id

    queue = await JobQueue.connect(redis_url)
    try:
        async with pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT id, job, created_at FROM job_outbox WHERE done_at IS NULL ORDER BY id LIMIT 10"
            )
        for row in rows:
            job = ArqJob(outbox_job_id(row["id"]), queue.redis, _queue_name=QUEUE_NAME)
            info = await job.result_info()
            arq = f"{'succeeded' if info.success else 'failed'}: {str(info.result)[:120]}" if info else "none"
            print(f"  pending outbox job {row['id']} ({row['job']}); arq's result: {arq}")
    finally:
        await queue.close()


# ---- report ---------------------------------------------------------------------------------------


def p99(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000:.0f} ms"


def report(soak: Soak, seconds: float, result: Outcome, haproxy_version: str) -> bool:
    served = [r for r in soak.requests if r[3] and r[0] in ("read", "edit")]
    failed = [r for r in soak.requests if not r[3]]
    by_kind = Counter(r[0] for r in served)
    faults = Counter(kind for kind, _, _ in soak.faults)
    downs = {kind: max(end - start for k, start, end in soak.faults if k == kind) for kind in faults}
    print(f"chaos soak: {seconds:.0f} s, {APIS} API processes behind {haproxy_version}, {WORKERS} workers")
    print(
        "faults: "
        + ", ".join(
            f"{kind} ×{faults[kind]} (longest {downs[kind]:.1f} s to heal)"
            for kind in FAULTS
            if kind in faults
        )
    )
    print(
        f"requests served: {len(served)} ({by_kind['read']} reads, {by_kind['edit']} edits); "
        f"subscriptions opened {sum(1 for r in soak.requests if r[0] == 'subscribe' and r[3])}, "
        f"resumed after a cut {soak.resumes}"
    )
    outside = [r for r in failed if soak.fault_of(r[1], r[2]) is None]
    print(
        f"failed requests: {len(failed)} "
        f"(during faults {len(failed) - len(outside)}, outside faults {len(outside)})"
    )
    table = Counter((r[0], r[4], soak.fault_of(r[1], r[2]) or "no fault") for r in failed)
    for (kind, detail, fault), count in sorted(table.items()):
        print(f"  {kind:<17} {detail:<28} {count:>5}  during: {fault}")
    quiet = [r[2] - r[1] for r in served if soak.fault_of(r[1], r[2]) is None]
    loud = [r[2] - r[1] for r in served if soak.fault_of(r[1], r[2]) is not None]
    print(f"p99 latency: outside faults {p99(quiet)} ({len(quiet)}), during faults {p99(loud)} ({len(loud)})")
    crashed = Counter((name.rstrip("0123456789"), during or "no fault") for name, _, during in soak.crashes)
    print(
        "processes that exited by themselves and were started again: "
        + (
            ", ".join(f"{kind} ×{n} during: {during}" for (kind, during), n in sorted(crashed.items()))
            or "none"
        )
    )
    unexplained = [c for c in soak.crashes if c[2] is None]
    duplicates_seen = sum(sum(n - 1 for n in got.values()) for got in soak.received)
    print(
        f"events committed {result.events}, subscribers {len(soak.received)} "
        f"(events seen twice {duplicates_seen}); "
        f"decisions {result.decisions}; jobs still pending {result.pending_jobs}; "
        f"agency deliveries expected {result.expected_deliveries}, "
        f"POSTs {sum(soak.posts.values())} for {len(soak.posts)} events"
    )
    print(
        f"lost events {result.lost_events}, duplicate decisions {result.duplicate_decisions}, "
        f"lost deliveries {result.lost_deliveries}"
    )
    return not (
        result.lost_events
        or result.duplicate_decisions
        or result.lost_deliveries
        or result.pending_jobs  # a committed change whose job never ran (its decision is missing)
        or outside
        or unexplained
    )


# ---- main -----------------------------------------------------------------------------------------


async def soak_async(
    args: argparse.Namespace, folder: Path, pg: Postgres, redis: list[EmbeddedRedis]
) -> bool:
    seconds: float = args.seconds
    soak = Soak(verbose=args.verbose)
    hook_port = free_port()
    hook_server = uvicorn.Server(uvicorn.Config(receiver_app(soak), port=hook_port, log_level="warning"))
    serving = asyncio.create_task(hook_server.serve())
    t0 = time.monotonic()
    database_url = pg.ensure_database(DATABASE)
    world = await seed(database_url, redis[0].url, args.households, f"http://127.0.0.1:{hook_port}/hook")
    secret = secrets.token_urlsafe(48)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis[0].url,
        "LIANXIN_JWT_SECRET": secret,
        "LIANXIN_DATA_DIR": str(folder),
        "LIANXIN_LOG_LEVEL": "WARNING",
        "LIANXIN_DB_POOL_MAX": "6",
        "LIANXIN_RATE_LIMIT_PER_MINUTE": "10000000",  # one token drives the load
        "LIANXIN_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",  # the receiver is on 127.0.0.1
        "LIANXIN_WEBHOOK_TIMEOUT": "2",  # a killed worker's leased deliveries come back after seconds
        "LIANXIN_JOB_TIMEOUT": "10",  # and its arq job is retried by the other worker soon after
        "LIANXIN_WS_PING_SECONDS": "5",
        "PYTHONPATH": os.pathsep.join(
            [str(REPO / p) for p in ("shared", "services/api", "services/worker", "services/cli")]
            + [os.environ.get("PYTHONPATH", "")]
        ),
    }
    procs = Processes(folder, env, soak)
    haproxy, version = args.haproxy
    front = free_port()
    files = haproxy_files(folder, front, procs.api_ports, args.haproxy_config)
    proxy_env = {"LIANXIN_PROXY_BIND": f"127.0.0.1:{front}"}  # docker/haproxy/haproxy.cfg's frontend
    proxy = [haproxy, *itertools.chain.from_iterable(("-f", str(f)) for f in files)]
    checked = await asyncio.to_thread(
        subprocess.run, [*proxy, "-c", "-q"], env={**os.environ, **proxy_env}, capture_output=True, text=True
    )
    if checked.returncode != 0:
        raise RuntimeError(f"haproxy refuses {' '.join(map(str, files))}:\n{checked.stdout}{checked.stderr}")
    print(f"proxy: {' + '.join(str(f) for f in files)}", flush=True)
    pool = await create_pool(database_url, max_size=2)
    token = issue_token(secret, Principal("chaos", Role.ADMIN), now=datetime.now(UTC), ttl=timedelta(hours=6))
    tasks: list[asyncio.Task[Any]] = []
    try:
        for i in range(APIS):
            procs.start_api(i)
        for i in range(WORKERS):
            procs.start_worker(i)
        procs.start("haproxy", [*proxy, "-db"], proxy_env)
        await asyncio.gather(*(wait_ready(f"http://127.0.0.1:{p}/readyz") for p in procs.api_ports))
        await wait_ready(f"http://127.0.0.1:{front}/readyz")
        print(
            f"set up in {time.monotonic() - t0:.0f} s; load for {seconds:.0f} s (at least one of each fault) "
            f"through HAProxy on 127.0.0.1:{front}",
            flush=True,
        )
        soak.started = time.monotonic()
        base = f"http://127.0.0.1:{front}"
        headers = {"Authorization": f"Bearer {token}"}
        amount = itertools.count(1)

        def edit_body(households: list[int]) -> Callable[[], dict[str, Any]]:
            def body() -> dict[str, Any]:
                yuan = f"{300 + next(amount) / 100:.2f}"  # never the same inputs twice: a new fingerprint
                household = to_global_id("Household", random.choice(households))
                variables = {"input": {"id": household, "incomes": [{"kind": "WAGE", "monthlyAmount": yuan}]}}
                return {"query": EDIT, "variables": variables}

            return body

        http = httpx.AsyncClient(base_url=base, headers=headers, timeout=30)
        loops: list[Awaitable[None]] = [
            http_loop(soak, http, "read", args.pause, lambda: {"query": READ}, "")
            for _ in range(args.readers)
        ]
        share = [world.households[i :: args.editors] for i in range(args.editors)]
        loops += [
            http_loop(soak, http, "edit", args.pause * 4, edit_body(share[i]), "updateHousehold")
            for i in range(args.editors)
        ]
        for _ in range(args.subscribers):
            soak.received.append({})
            tasks.append(
                asyncio.create_task(
                    subscriber(soak, f"ws://127.0.0.1:{front}/graphql", token, soak.received[-1])
                )
            )
        tasks.append(asyncio.create_task(watchdog(soak, procs)))
        load = [asyncio.create_task(loop) for loop in loops]  # type: ignore[arg-type]
        faults = asyncio.create_task(fault_schedule(soak, seconds, args.faults, procs, pg, redis))
        await faults  # the load goes on until the last fault has healed, and a little beyond
        await asyncio.sleep(max(GRACE, soak.started + seconds - time.monotonic()))
        soak.stop.set()
        await asyncio.gather(*load)
        seconds = time.monotonic() - soak.started
        await http.aclose()
        print(f"load stopped after {seconds:.0f} s; draining", flush=True)
        t0 = time.monotonic()
        result = await drain(pool, soak, world.endpoint_id, args.drain)
        print(f"drained in {time.monotonic() - t0:.1f} s", flush=True)
        if result.pending_jobs:
            await explain_pending(pool, redis[0].url)
        return report(soak, seconds, result, version)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await pool.close()
        procs.stop_all()
        hook_server.should_exit = True
        await serving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="length of the load (default 3)")
    parser.add_argument("--seconds", type=float, help="length of the load in seconds (instead of --minutes)")
    parser.add_argument("--readers", type=int, default=4, help="concurrent GraphQL readers (default 4)")
    parser.add_argument("--editors", type=int, default=2, help="concurrent household editors (default 2)")
    parser.add_argument("--subscribers", type=int, default=3, help="websocket subscribers (default 3)")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between a reader's requests")
    parser.add_argument("--households", type=int, default=30, help="households edited (default 30)")
    parser.add_argument("--drain", type=float, default=60, help="seconds to wait for everything to arrive")
    parser.add_argument(
        "--faults", default=",".join(FAULTS), help=f"the faults, in turn (default {','.join(FAULTS)})"
    )
    parser.add_argument(
        "--haproxy-config",
        type=Path,
        default=PRODUCTION_PROXY,
        help="HAProxy's main file; the servers are generated into a second one "
        "(default docker/haproxy/haproxy.cfg, else a standalone file of the same shape)",
    )
    parser.add_argument("--keep", help="a folder to work in and keep (logs, haproxy.cfg, data)")
    parser.add_argument("--verbose", action="store_true", help="print each failure as it happens")
    args = parser.parse_args()
    args.faults = [f for f in args.faults.split(",") if f]
    if unknown := set(args.faults) - set(FAULTS):
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    args.seconds = args.seconds if args.seconds is not None else args.minutes * 60
    logging.getLogger("asyncpg").setLevel(logging.CRITICAL)  # our pool's reconnects while PostgreSQL is down
    haproxy = ensure_haproxy()
    version = subprocess.run([haproxy, "-v"], capture_output=True, text=True).stdout
    args.haproxy = (haproxy, " ".join(version.split()[:3]))  # HAProxy version 2.6.12-1+deb12u3
    with tempfile.TemporaryDirectory(prefix="lianxin-chaos-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        pg = Postgres(folder / "postgres")
        redis = [EmbeddedRedis(folder / "redis")]
        try:
            ok = asyncio.run(soak_async(args, folder, pg, redis))
        finally:
            redis[0].stop()
            pg.stop()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
