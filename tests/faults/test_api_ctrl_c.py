"""Ctrl-C (SIGINT) stops `lianxin api` quietly: uvicorn shuts down gracefully and re-raises the signal
once done, which must not reach the operator as a KeyboardInterrupt traceback or a failure status."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from lianxin.core.config import Settings
from lianxin_cli.embedded import free_port

from conftest import JWT_SECRET

pytestmark = pytest.mark.timeout(120)


def test_ctrl_c_stops_the_api_without_a_traceback(settings: Settings, migrated: str, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.require_database_url(),
        "REDIS_URL": settings.require_redis_url(),
        "LIANXIN_JWT_SECRET": JWT_SECRET,
        "LIANXIN_DATA_DIR": str(tmp_path),
        "PORT": str(port),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "lianxin_cli.main", "api"], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.communicate()[1]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the API did not become ready"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in stderr, stderr
    assert "Finished server process" in stderr  # the graceful shutdown ran
    assert proc.returncode == 0, stderr
