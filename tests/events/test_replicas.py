"""Two API processes (`lianxin api`, real subprocesses) on one database: a change made through one
reaches a subscriber of the other, because subscriptions read the durable log, woken by NOTIFY."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gqlws import GqlWs

from lianxin.core.config import Settings
from lianxin_cli.embedded import free_port

from conftest import JWT_SECRET, make_token

pytestmark = pytest.mark.timeout(120)

CREATE_UNION = """mutation { createUnion(input: {name: "复制", kind: FEDERATION, regionCode: "371000"}) {
  union { id } errors { code } } }"""


def start_api(settings: Settings, data_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.require_database_url(),
        "REDIS_URL": settings.require_redis_url(),
        "LIANXIN_JWT_SECRET": JWT_SECRET,
        "LIANXIN_DATA_DIR": str(data_dir),
        "LIANXIN_LOG_LEVEL": "WARNING",
        "PORT": str(port),
    }
    proc = subprocess.Popen([sys.executable, "-m", "lianxin_cli.main", "api"], env=env)
    return proc, port


def wait_ready(proc: subprocess.Popen[bytes], port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the API process exited"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("the API process did not become ready")


@pytest.fixture
def two_apis(settings: Settings, migrated: str, tmp_path: Path) -> Iterator[tuple[int, int]]:
    procs = [start_api(settings, tmp_path) for _ in range(2)]
    try:
        for proc, port in procs:
            wait_ready(proc, port)
        yield procs[0][1], procs[1][1]
    finally:
        for proc, _ in procs:
            proc.terminate()
        for proc, _ in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def test_a_change_through_one_replica_reaches_a_subscriber_of_the_other(
    two_apis: tuple[int, int],
) -> None:
    writer_port, reader_port = two_apis
    subscriber = await GqlWs.open(f"ws://127.0.0.1:{reader_port}/graphql", make_token())
    await subscriber.subscribe("1", types=["union.created"])
    await subscriber.nothing_within(0.3)
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"http://127.0.0.1:{writer_port}/graphql",
            json={"query": CREATE_UNION},
            headers={"Authorization": f"Bearer {make_token()}"},
        )
    union_id = response.json()["data"]["createUnion"]["union"]["id"]
    [event] = await subscriber.events(1)
    assert (event["type"], event["subjectId"], event["payload"]["name"]) == (
        "union.created",
        union_id,
        "复制",
    )
    await subscriber.close()
