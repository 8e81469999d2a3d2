"""No Docker engine runs here, so the compose file is checked against the code it starts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lianxin.core.config import env_vars
from lianxin_cli.main import build_parser

pytestmark = pytest.mark.no_db
ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
OURS = ["migrate", "api", "worker"]


def _subcommands() -> set[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return set(action.choices)  # type: ignore[arg-type]


def test_every_lianxin_service_runs_a_real_subcommand() -> None:
    for name in OURS:
        command = SERVICES[name]["command"]
        assert command[0] == "lianxin", name
        build_parser().parse_args(command[1:])  # exits on an unknown command or flag
        assert command[1] in _subcommands()
    healthcheck = SERVICES["worker"]["healthcheck"]["test"]
    assert healthcheck[1:3] == ["lianxin", "worker"]
    build_parser().parse_args(healthcheck[2:])


def test_every_env_var_set_is_one_the_settings_read() -> None:
    known = env_vars()
    for name in OURS:
        env = SERVICES[name]["environment"]
        assert set(env) <= known, (name, set(env) - known)
        assert {"DATABASE_URL", "REDIS_URL", "LIANXIN_JWT_SECRET"} <= set(env)


def test_urls_point_at_the_compose_servers_and_their_credentials() -> None:
    env = SERVICES["api"]["environment"]
    pg = SERVICES["postgres"]["environment"]
    assert env["DATABASE_URL"].startswith(f"postgresql://{pg['POSTGRES_USER']}:")
    assert env["DATABASE_URL"].endswith(f"@postgres:5432/{pg['POSTGRES_DB']}")
    assert env["REDIS_URL"].startswith("redis://redis:6379/")


def test_images_ports_and_healthchecks_are_consistent() -> None:
    assert SERVICES["postgres"]["image"] == "postgres:16"
    assert SERVICES["redis"]["image"] == "redis:7"
    images = {SERVICES[n]["image"] for n in OURS}
    assert images == {"lianxin:latest"}
    assert SERVICES["migrate"]["build"]["dockerfile"] == "docker/Dockerfile"
    assert (ROOT / "docker" / "Dockerfile").exists()
    port = SERVICES["api"]["environment"]["PORT"]
    assert SERVICES["api"]["ports"] == [f"{port}:{port}"]
    assert f"127.0.0.1:{port}/readyz" in " ".join(SERVICES["api"]["healthcheck"]["test"])
    for name in ("postgres", "redis", "api", "worker"):
        assert "healthcheck" in SERVICES[name], name
    for name in ("api", "worker"):
        deps = SERVICES[name]["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy"
        assert deps["redis"]["condition"] == "service_healthy"
        assert deps["migrate"]["condition"] == "service_completed_successfully"
    assert set(COMPOSE["volumes"]) == {"pgdata", "redisdata"}


def test_dockerfile_is_slim_and_non_root() -> None:
    text = (ROOT / "docker" / "Dockerfile").read_text()
    assert "python:3.11-slim" in text
    assert "USER lianxin" in text
    assert "[embedded" not in text  # production images do not install the embedded servers
