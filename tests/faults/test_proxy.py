"""docker/haproxy/haproxy.cfg run for real (Debian's haproxy; skipped when it is not installed) in front
of two API replicas, with a certificate from docker/make-internal-ca.sh: plain HTTP is redirected to
TLS, GraphQL and a subscription's websocket go through it, and a replica that dies stops getting
traffic. The file of backends has the shape benchmarks/chaos.py generates."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gqlws import GqlWs, live_server
from websockets.asyncio.client import connect

from lianxin.core.config import Settings
from lianxin_cli.embedded import free_port

from conftest import make_token

pytestmark = pytest.mark.timeout(90)
ROOT = Path(__file__).resolve().parents[2]
HAPROXY = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
CREATE_UNION = """mutation($name: String!) {
  createUnion(input: {name: $name, kind: FEDERATION, regionCode: "371000"}) { union { id } errors { code } } }"""


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if HAPROXY is None or shutil.which("openssl") is None:
        pytest.skip("haproxy or openssl is not installed (apt-get install haproxy openssl)")
    folder = tmp_path_factory.mktemp("certs")
    subprocess.run(
        ["sh", str(ROOT / "docker" / "make-internal-ca.sh"), "localhost", "127.0.0.1"],
        env={"LIANXIN_CERT_DIR": str(folder), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        timeout=60,
    )
    return folder


@contextlib.contextmanager
def _proxy(certs: Path, ports: list[int], folder: Path) -> Iterator[tuple[int, int]]:
    backends = folder / "backends.cfg"
    lines = [f"    server api{i + 1} 127.0.0.1:{port} check" for i, port in enumerate(ports)]
    backends.write_text("backend lianxin_api\n" + "\n".join(lines) + "\n")
    http_port, https_port = free_port(), free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LIANXIN_PROXY_BIND": f"127.0.0.1:{http_port}",
        "LIANXIN_TLS_BIND": f"127.0.0.1:{https_port}",
        "LIANXIN_TLS_CERT": str(certs / "lianxin.pem"),
        "LIANXIN_TLS_PUBLIC_PORT": str(https_port),
    }
    assert HAPROXY is not None
    log = (folder / "haproxy.log").open("w")
    proc = subprocess.Popen(
        [HAPROXY, "-db", "-f", str(ROOT / "docker" / "haproxy" / "haproxy.cfg"), "-f", str(backends)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield http_port, https_port
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        log.close()


async def _until_served(client: httpx.AsyncClient, url: str) -> httpx.Response:
    async with asyncio.timeout(20):
        while True:
            try:
                response = await client.get(url)
                if response.status_code == 200:
                    return response
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)


async def test_tls_websockets_and_a_dead_replica_through_haproxy(
    certs: Path, settings: Settings, migrated: str, empty_state: None, tmp_path: Path
) -> None:
    ctx = ssl.create_default_context(cafile=str(certs / "ca.crt"))  # trusts only the internal CA
    auth = {"Authorization": f"Bearer {make_token()}"}
    async with contextlib.AsyncExitStack() as stack:
        one = await stack.enter_async_context(live_server(settings))
        two_stack = await stack.enter_async_context(contextlib.AsyncExitStack())
        two = await two_stack.enter_async_context(live_server(settings))
        ports = [int(u.rsplit(":", 1)[1].split("/")[0]) for u in (one, two)]
        http_port, https_port = stack.enter_context(_proxy(certs, ports, tmp_path))
        base = f"https://localhost:{https_port}"
        client = await stack.enter_async_context(httpx.AsyncClient(verify=ctx, headers=auth, timeout=10))
        ready = await _until_served(client, f"{base}/readyz")
        assert ready.json() == {"status": "ready"}
        assert ready.headers["strict-transport-security"].startswith("max-age=")
        # metrics are scraped from the replicas on the internal network; through the proxy, no such path
        hidden, missing = await client.get(f"{base}/metrics"), await client.get(f"{base}/no-such-path")
        assert (hidden.status_code, hidden.text) == (missing.status_code, missing.text) == (404, "Not Found")
        assert hidden.headers["content-type"] == missing.headers["content-type"]
        assert (await client.get(f"http://127.0.0.1:{ports[0]}/metrics")).text.startswith("# HELP")
        plain = await client.get(f"http://127.0.0.1:{http_port}/readyz?a=1")
        assert plain.status_code == 308
        assert plain.headers["location"] == f"https://127.0.0.1:{https_port}/readyz?a=1"

        # a subscription's websocket through TLS and the proxy; the edit goes through it too
        ws = await connect(
            f"wss://localhost:{https_port}/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            ssl=ctx,
        )
        subscriber = GqlWs(ws)
        await subscriber.send({"type": "connection_init", "payload": auth})
        assert (await subscriber.receive())["type"] == "connection_ack"
        await subscriber.subscribe("1", types=["union.created"])
        await asyncio.sleep(0.3)
        created = await client.post(
            f"{base}/graphql", json={"query": CREATE_UNION, "variables": {"name": "经代理"}}
        )
        assert created.json()["data"]["createUnion"]["errors"] == []
        (event,) = await subscriber.events(1, within=15)
        assert event["payload"]["name"] == "经代理"
        await subscriber.close()

        # one replica gone: a refused connection is retried on the other, so every request is served
        await two_stack.aclose()
        statuses = [(await client.get(f"{base}/readyz")).status_code for _ in range(20)]
        assert statuses == [200] * 20
