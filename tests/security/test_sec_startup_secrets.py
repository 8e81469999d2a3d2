"""Production refuses to start without its secrets (issue 16): `lianxin api` and `lianxin worker` exit
non-zero with one line on stderr, and an API whose secret is missing never comes up to say "ready"."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from lianxin.core.config import ConfigError, Settings
from lianxin_api.app import create_app
from lianxin_cli.embedded import EmbeddedRedis, free_port

STRONG = secrets.token_urlsafe(48)
GOOD_REDIS = "redis://:Zq8vN2pXr5tLw9@127.0.0.1:1/0"
GOOD_DB = "postgresql://lianxin:Zq8vN2pXr5tLw9@127.0.0.1:1/lianxin"


def _run(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "LIANXIN_JWT_SECRET", "LIANXIN_ENV")
    }
    return subprocess.run(
        [sys.executable, "-m", "lianxin_cli.main", *command],
        env={**base, "LIANXIN_ENV": "production", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.no_db
@pytest.mark.parametrize(
    ("command", "env", "reason"),
    [
        (["api"], {"DATABASE_URL": GOOD_DB, "REDIS_URL": GOOD_REDIS}, "LIANXIN_JWT_SECRET is not set"),
        (
            ["worker"],
            {"LIANXIN_JWT_SECRET": "x" * 64, "DATABASE_URL": GOOD_DB},
            "LIANXIN_JWT_SECRET is a placeholder",
        ),
        (
            ["api"],
            {"LIANXIN_JWT_SECRET": STRONG, "DATABASE_URL": GOOD_DB, "REDIS_URL": "redis://r:6379/0"},
            "REDIS_URL carries no password",
        ),
    ],
)
def test_production_refuses_to_start_with_one_line(
    command: list[str], env: dict[str, str], reason: str
) -> None:
    result = _run(command, **env)
    assert result.returncode == 2, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"lianxin {command[0]}: configuration error: {reason}"), lines[0]
    assert STRONG not in result.stderr  # the line names the problem, never the secret


@pytest.mark.no_db
@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"LIANXIN_JWT_SECRET": None}, "LIANXIN_JWT_SECRET is not set"),
        ({"LIANXIN_JWT_SECRET": "short-but-random-Zq8v"}, "LIANXIN_JWT_SECRET is shorter than 32 bytes"),
        ({"LIANXIN_JWT_SECRET": "change-me-" * 5}, "LIANXIN_JWT_SECRET is a placeholder"),
        (
            {"LIANXIN_JWT_SECRET": "please-set-a-long-random-string-here"},
            "LIANXIN_JWT_SECRET is a placeholder",
        ),
        ({"LIANXIN_JWT_SECRET": "ab" * 32}, "LIANXIN_JWT_SECRET is a placeholder or has too few distinct"),
        ({"DATABASE_URL": None}, "DATABASE_URL is not set"),
        ({"DATABASE_URL": "postgresql://lianxin:lianxin@db/lianxin"}, "DATABASE_URL uses a default password"),
        (
            {"DATABASE_URL": "postgresql://postgres:postgres@db/lianxin"},
            "DATABASE_URL uses a default password",
        ),
        ({"REDIS_URL": "redis://:@redis:6379/0"}, "REDIS_URL carries no password"),
        ({"REDIS_URL": None}, "REDIS_URL is not set"),
        ({"REDIS_URL": "redis://redis:6379/0"}, "REDIS_URL carries no password"),
        ({"REDIS_URL": "redis://:redis@redis:6379/0"}, "REDIS_URL uses a default password"),
    ],
)
def test_weak_or_missing_secrets_are_named(env: dict[str, str | None], reason: str) -> None:
    given = {"LIANXIN_JWT_SECRET": STRONG, "DATABASE_URL": GOOD_DB, "REDIS_URL": GOOD_REDIS, **env}
    settings = Settings(LIANXIN_ENV="production", **{k: v for k, v in given.items() if v is not None})
    problem = settings.serving_problem()
    assert problem is not None
    assert problem.startswith(reason), problem
    assert "\n" not in problem
    with pytest.raises(ConfigError):
        settings.check_serving()


@pytest.mark.no_db
def test_development_needs_no_secret(tmp_path: Path) -> None:
    assert Settings(LIANXIN_DATA_DIR=tmp_path).serving_problem() is None
    unix = Settings(
        LIANXIN_ENV="production",
        LIANXIN_JWT_SECRET=STRONG,
        DATABASE_URL="postgresql:///lianxin?host=/run/pg",
        REDIS_URL="unix:///run/redis.sock",
    )
    assert unix.serving_problem() is None  # peer auth and a socket need no password in the URL


async def test_an_api_without_its_secret_never_reports_ready(settings: Settings, migrated: str) -> None:
    # a fresh Settings: a copy would carry the cached `signing_secret` of the one it was copied from
    broken = Settings(LIANXIN_ENV="production", DATABASE_URL=migrated, REDIS_URL=settings.redis_url or "")
    with pytest.raises(ConfigError, match="LIANXIN_JWT_SECRET"):
        async with LifespanManager(create_app(broken)):
            raise AssertionError("started without a secret")


def test_a_well_configured_production_api_starts_and_is_ready(migrated: str, tmp_path: Path) -> None:
    redis = EmbeddedRedis(tmp_path / "redis", password=secrets.token_hex(16))
    port = free_port()
    log = (tmp_path / "api.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lianxin_cli.main", "api"],
        env={
            **os.environ,
            "LIANXIN_ENV": "production",
            "LIANXIN_JWT_SECRET": STRONG,
            "DATABASE_URL": migrated,
            "REDIS_URL": redis.url,
            "PORT": str(port),
        },
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code
                if status == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert status == 200, (tmp_path / "api.log").read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
        log.close()
        redis.stop()
