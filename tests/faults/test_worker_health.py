"""arq's health check as compose runs it (`lianxin worker --check`) against a real worker process."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from lianxin.core.config import Settings

pytestmark = pytest.mark.timeout(90)


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.require_database_url(),
        "REDIS_URL": settings.require_redis_url(),
        "LIANXIN_LOG_LEVEL": "WARNING",
    }


def _check(settings: Settings) -> int:
    cmd = [sys.executable, "-m", "lianxin_cli.main", "worker", "--check"]
    return subprocess.run(cmd, env=_env(settings), capture_output=True, check=False).returncode


def test_health_check_follows_a_running_worker(settings: Settings) -> None:
    assert _check(settings) == 1  # no worker has reported yet
    worker = subprocess.Popen([sys.executable, "-m", "lianxin_cli.main", "worker"], env=_env(settings))
    try:
        deadline = time.monotonic() + 30
        while _check(settings) != 0:
            assert worker.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, "the worker never reported healthy"
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(20)
    assert worker.returncode == 0
