"""`lianxin dev` (what `make run` runs) as a user runs it: from an empty data folder to a served query,
then SIGINT leaves no process behind, and a second start reuses the data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from lianxin_cli.embedded import free_port

pytestmark = [pytest.mark.no_db, pytest.mark.timeout(180)]

QUERY = "{ unions(first: 10) { totalCount edges { node { name kind } } } }"


def _start(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "LIANXIN_JWT_SECRET")
    }
    env.update(LIANXIN_DATA_DIR=str(data_dir), PORT=str(port))
    # output goes to a file: an unread pipe fills up (the worker logs every demo job) and blocks the process
    with (data_dir.parent / "dev.log").open("a") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "lianxin_cli.main", "dev"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )


def _wait_ready(proc: subprocess.Popen[str], port: int, timeout: float = 90) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        assert proc.poll() is None, "lianxin dev exited early (see dev.log)"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("lianxin dev did not become ready")


def _servers_for(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "cwd"]):
        try:
            cmdline = " ".join(proc.info["cmdline"] or [])
            if str(data_dir) in cmdline or (
                "redis-server" in cmdline and proc.cwd().startswith(str(data_dir))
            ):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def _token(data_dir: Path) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "lianxin_cli.main", "token", "--role", "ADMIN"],
        env={**os.environ, "LIANXIN_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def _stop(proc: subprocess.Popen[str], data_dir: Path) -> str:
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    return (data_dir.parent / "dev.log").read_text(errors="replace")


def test_dev_serves_demo_unions_and_stops_cleanly(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    proc = _start(data_dir, port)
    try:
        _wait_ready(proc, port)
        refused = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": QUERY}, timeout=10).json()
        assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        headers = {"Authorization": f"Bearer {_token(data_dir)}"}
        body = httpx.post(
            f"http://127.0.0.1:{port}/graphql", json={"query": QUERY}, headers=headers, timeout=10
        ).json()
        names = {e["node"]["name"] for e in body["data"]["unions"]["edges"]}
        assert {"威海市总工会", "环翠区总工会", "临港区农林水产业工会"} <= names
        total = body["data"]["unions"]["totalCount"]
    finally:
        output = _stop(proc, data_dir)
    assert proc.returncode == 0, output
    assert "GraphiQL" in output
    time.sleep(0.5)
    assert _servers_for(data_dir) == []

    # a second run reuses the data (no second copy of the demo set)
    proc = _start(data_dir, port)
    try:
        _wait_ready(proc, port)
        body = httpx.post(
            f"http://127.0.0.1:{port}/graphql", json={"query": QUERY}, headers=headers, timeout=10
        ).json()
        assert body["data"]["unions"]["totalCount"] == total
    finally:
        _stop(proc, data_dir)
    time.sleep(0.5)
    assert _servers_for(data_dir) == []
