"""No Docker engine runs here, so the compose file is checked against the code it starts, compose's own
interpolation rules and (when installed) HAProxy's config checker."""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from lianxin.core.config import Settings, env_vars
from lianxin_cli.main import build_parser

pytestmark = pytest.mark.no_db
ROOT = Path(__file__).resolve().parents[2]
RAW = (ROOT / "docker-compose.yml").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load(RAW)
SERVICES: dict[str, Any] = COMPOSE["services"]
OURS = ["migrate", "api", "worker"]
LONG_RUNNING = ["postgres", "redis", "api", "worker", "proxy"]
SECRETS = ["POSTGRES_PASSWORD", "REDIS_PASSWORD", "LIANXIN_JWT_SECRET"]
HAPROXY = ROOT / "docker" / "haproxy"
_VAR = re.compile(r"\$\{(?P<name>[A-Z_][A-Z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class Refused(Exception):
    """compose's `${VAR:?message}` with VAR unset or empty: `docker compose` exits with the message."""


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """compose's variable interpolation (`${V}`, `${V:-default}`, `${V-default}`, `${V:?err}`, `$$`)."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        given = env.get(name)
        if op in (":?", "?") and (given is None or (op == ":?" and not given)):
            raise Refused(f"{name}: {arg}")
        if op in (":-", "-") and (given is None or (op == ":-" and not given)):
            return str(arg)
        return given or ""

    return _VAR.sub(one, value.replace("$$", "\0")).replace("\0", "$")


GOOD_ENV = {
    "POSTGRES_PASSWORD": "4f9c2d7e1a8b3c6d5e0f4a9b",
    "REDIS_PASSWORD": "9b8a7c6d5e4f3a2b1c0d9e8f",
    "LIANXIN_JWT_SECRET": "b7d1e0c94f2a6e3c8d5b1a7f0e9c4d2b6a8f3e1c7d9b0a5e",
}


def resolved(env: dict[str, str] = GOOD_ENV) -> dict[str, Any]:
    services: dict[str, Any] = interpolate(SERVICES, env)
    return services


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


def test_compose_refuses_to_start_without_each_secret() -> None:
    for secret in SECRETS:
        assert re.search(r"\$\{" + secret + r":\?", RAW), secret
        defaults = [m for m in _VAR.finditer(RAW) if m["name"] == secret and m["op"] != ":?"]
        assert defaults == [], f"{secret} has a default somewhere: {defaults}"
        for missing in ({k: v for k, v in GOOD_ENV.items() if k != secret}, {**GOOD_ENV, secret: ""}):
            with pytest.raises(Refused, match=secret):
                resolved(missing)
    assert "lianxin:lianxin@" not in RAW


def test_the_resolved_environment_passes_the_production_checks() -> None:
    services = resolved()
    for name in OURS:
        env = services[name]["environment"]
        settings = Settings(**env)
        assert settings.is_production
        assert settings.serving_problem() is None, name
    env = services["api"]["environment"]
    pg = services["postgres"]["environment"]
    assert env["DATABASE_URL"] == (
        f"postgresql://{pg['POSTGRES_USER']}:{GOOD_ENV['POSTGRES_PASSWORD']}@postgres:5432/{pg['POSTGRES_DB']}"
    )
    assert env["REDIS_URL"] == f"redis://:{GOOD_ENV['REDIS_PASSWORD']}@redis:6379/0"
    assert pg["POSTGRES_PASSWORD"] == GOOD_ENV["POSTGRES_PASSWORD"]


def test_redis_requires_the_password_the_url_carries() -> None:
    redis = resolved()["redis"]
    script = " ".join(redis["command"])
    assert "requirepass %s" in script
    assert '"$REDIS_PASSWORD"' in script  # read by the container's shell, not written into the command
    assert "exec docker-entrypoint.sh redis-server /tmp/auth.conf --appendonly yes" in script
    assert redis["environment"]["REDIS_PASSWORD"] == GOOD_ENV["REDIS_PASSWORD"]
    assert 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli ping' in redis["healthcheck"]["test"][1]


def test_every_long_running_service_restarts_and_the_migration_does_not() -> None:
    assert set(SERVICES) == {*LONG_RUNNING, "migrate"}
    for name in LONG_RUNNING:
        assert SERVICES[name].get("restart") in ("always", "unless-stopped"), name
    assert SERVICES["migrate"]["restart"] == "no"


def test_replicas_can_scale_and_only_the_proxy_publishes_a_port() -> None:
    for name, service in SERVICES.items():
        assert "container_name" not in service, name  # a fixed name forbids --scale
        assert "ports" not in service or name == "proxy", name
    port = SERVICES["api"]["environment"]["PORT"]
    assert SERVICES["api"]["expose"] == [port]
    assert f"127.0.0.1:{port}/readyz" in " ".join(SERVICES["api"]["healthcheck"]["test"])
    proxy = resolved()["proxy"]
    assert proxy["ports"] == ["8000:8080", "8443:8443"]
    assert proxy["environment"]["LIANXIN_PROXY_BIND"] == ":8080"
    assert proxy["environment"]["LIANXIN_TLS_BIND"] == ":8443"
    assert proxy["ports"][1].split(":")[0] == proxy["environment"]["LIANXIN_TLS_PUBLIC_PORT"]  # redirects
    moved = interpolate(SERVICES["proxy"], {**GOOD_ENV, "LIANXIN_HTTPS_PORT": "443"})
    assert moved["environment"]["LIANXIN_TLS_PUBLIC_PORT"] == "443"
    assert moved["ports"][1] == "443:8443"
    assert proxy["depends_on"]["api"]["condition"] == "service_healthy"
    backends = (HAPROXY / "backends-compose.cfg").read_text()
    template = re.search(r"server-template api (\d+) api:(\d+) check resolvers docker", backends)
    assert template is not None
    assert int(template[1]) >= 3
    assert template[2] == port


def test_the_proxy_runs_our_config_and_is_the_one_trusted_proxy() -> None:
    proxy = resolved()["proxy"]
    assert proxy["image"].startswith("haproxy:2.")
    command = proxy["command"]
    files = [command[i + 1] for i, arg in enumerate(command) if arg == "-f"]
    assert files == ["/usr/local/etc/haproxy/haproxy.cfg", "/usr/local/etc/haproxy/backends-compose.cfg"]
    assert "./docker/haproxy:/usr/local/etc/haproxy:ro" in proxy["volumes"]
    assert "./docker/certs:/etc/lianxin/certs:ro" in proxy["volumes"]
    for path in files:
        assert (HAPROXY / Path(path).name).exists()
    address = proxy["networks"]["default"]["ipv4_address"]
    subnet = (
        resolved()["proxy"] and interpolate(COMPOSE["networks"], {})["default"]["ipam"]["config"][0]["subnet"]
    )
    assert ipaddress.ip_address(address) in ipaddress.ip_network(subnet)
    for name in OURS:
        assert resolved()[name]["environment"]["LIANXIN_TRUSTED_PROXIES"] == address


def test_the_proxy_config_carries_websockets_and_checks_readiness() -> None:
    text = (HAPROXY / "haproxy.cfg").read_text()
    assert re.search(r"^\s+mode http$", text, re.M)  # HTTP mode passes Upgrade: websocket through
    assert re.search(r"^\s+timeout tunnel 1h$", text, re.M)  # an idle websocket is not cut at 60 s
    assert "option httpchk GET /readyz" in text
    assert "balance leastconn" in text
    assert "option forwardfor" in text
    assert re.search(r"^\s+retry-on conn-failure$", text, re.M)  # nothing sent is ever sent twice
    assert 'ssl crt "${LIANXIN_TLS_CERT}"' in text
    assert "default_backend lianxin_api" in text


def test_images_healthchecks_and_dependencies_are_consistent() -> None:
    assert SERVICES["postgres"]["image"] == "postgres:16"
    assert SERVICES["redis"]["image"] == "redis:7"
    images = {SERVICES[n]["image"] for n in OURS}
    assert images == {"lianxin:latest"}
    assert SERVICES["migrate"]["build"]["dockerfile"] == "docker/Dockerfile"
    assert (ROOT / "docker" / "Dockerfile").exists()
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


def test_no_certificate_or_key_is_committed() -> None:
    ignore = (ROOT / "docker" / "certs" / ".gitignore").read_text().split()
    assert ignore[ignore.index("*") :] == ["*", "!.gitignore", "!README.md"]


def _haproxy_check(*files: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if haproxy is None:
        pytest.skip("haproxy is not installed (apt-get install haproxy); the static checks above still ran")
    args = [haproxy, "-c", "-q"]
    for f in files:
        args += ["-f", str(f)]
    return subprocess.run(args, capture_output=True, text=True, env=env or {}, timeout=30)


def test_haproxy_accepts_the_compose_and_a_generated_backend_file(tmp_path: Path) -> None:
    compose = _haproxy_check(HAPROXY / "haproxy.cfg", HAPROXY / "backends-compose.cfg")
    assert compose.returncode == 0, compose.stderr
    local = tmp_path / "backends.cfg"
    local.write_text(
        "backend lianxin_api\n    server api1 127.0.0.1:18001 check\n    server api2 127.0.0.1:18002 check\n"
    )
    result = _haproxy_check(HAPROXY / "haproxy.cfg", local, env={"LIANXIN_PROXY_BIND": "127.0.0.1:18000"})
    assert result.returncode == 0, result.stderr


def test_haproxy_terminates_tls_with_a_certificate_of_the_internal_ca(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    made = subprocess.run(
        ["sh", str(ROOT / "docker" / "make-internal-ca.sh"), "lianxin.example.internal", "10.0.0.5"],
        env={"LIANXIN_CERT_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    assert {p.name for p in tmp_path.iterdir()} >= {"ca.crt", "ca.key", "lianxin.pem"}
    result = _haproxy_check(
        HAPROXY / "haproxy.cfg",
        HAPROXY / "backends-compose.cfg",
        env={"LIANXIN_TLS_CERT": str(tmp_path / "lianxin.pem")},
    )
    assert result.returncode == 0, result.stderr
