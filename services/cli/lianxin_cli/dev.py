"""`lianxin dev` (what `make run` runs): embedded servers, migrations, demo data, API and worker."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

from lianxin.core.config import Settings
from lianxin_cli.banner import banner, log_folder, wait_until_serving
from lianxin_cli.devstate import remove_state, write_state
from lianxin_cli.embedded import OrphanedServer, die_with_parent
from lianxin_cli.tasks import database_is_empty, load_demo, migrate_database


class _Stop:
    requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True


def _embedded(settings: Settings, stack: ExitStack) -> dict[str, str]:
    """Start what is not configured; returns the environment overrides pointing at it."""
    env: dict[str, str] = {}
    if not settings.database_url:
        from lianxin_cli.embedded import EmbeddedPostgres

        print(f"starting embedded PostgreSQL in {settings.data_dir / 'postgres'} …", flush=True)
        pg = EmbeddedPostgres(settings.data_dir / "postgres")
        stack.callback(pg.stop)
        env["DATABASE_URL"] = pg.ensure_database("lianxin")
    if not settings.redis_url:
        from lianxin_cli.embedded import EmbeddedRedis

        print(f"starting embedded Redis in {settings.data_dir / 'redis'} …", flush=True)
        redis = EmbeddedRedis(settings.data_dir / "redis")
        stack.callback(redis.stop)
        env["REDIS_URL"] = redis.url
    return env


def _child_setup() -> None:
    """In the API and worker: a closed terminal's SIGHUP is ours to handle (we stop them with SIGTERM,
    in order); if `lianxin dev` itself dies, they get SIGTERM rather than living on."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    die_with_parent()


def _spawn(command: str, env: dict[str, str], log: Path | None = None) -> subprocess.Popen[bytes]:
    """The command as a child; its output appended to `log` when given, else on this terminal."""
    argv = [sys.executable, "-m", "lianxin_cli.main", command]
    if log is None:
        return subprocess.Popen(argv, env=env, preexec_fn=_child_setup)
    with log.open("ab") as out:
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_child_setup)


def _terminate(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def run_dev(settings: Settings) -> int:
    stop = _Stop()
    # a closed terminal (SIGHUP) stops everything like Ctrl-C: the embedded PostgreSQL is not a child of
    # ours (pg_ctl detaches it), so dying on the signal would leave it running
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    runtime = (settings.data_dir / "run").resolve()  # pgserver's lock files; quiets a platformdirs warning
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    with ExitStack() as stack:
        try:
            env = {**os.environ, **_embedded(settings, stack)}
        except OrphanedServer as exc:
            print(f"lianxin dev: {exc}", file=sys.stderr, flush=True)
            return 1
        env.setdefault("DATABASE_URL", settings.database_url or "")
        env.setdefault("REDIS_URL", settings.redis_url or "")
        env.setdefault("LIANXIN_JWT_SECRET", settings.signing_secret)  # the only place it is created
        env["LIANXIN_DATA_DIR"] = str(settings.data_dir)
        resolved = settings.model_copy(
            update={"database_url": env["DATABASE_URL"], "redis_url": env["REDIS_URL"]}
        )
        url = resolved.require_database_url()
        applied = asyncio.run(migrate_database(url))
        print(f"migrations: {len(applied)} applied", flush=True)
        if asyncio.run(database_is_empty(url)):
            print(asyncio.run(load_demo(resolved)), flush=True)
        write_state(settings, env["DATABASE_URL"], env["REDIS_URL"])
        stack.callback(remove_state, settings)
        worker_log = log_folder(settings) / "worker.log"
        children = [_spawn("api", env), _spawn("worker", env, worker_log)]
        code = 0
        try:
            if wait_until_serving(settings, children, stopped=lambda: stop.requested):
                print(banner(settings, env["DATABASE_URL"], env["REDIS_URL"], worker_log), flush=True)
            while not stop.requested:
                time.sleep(0.2)
                if not stop.requested and any(c.poll() is not None for c in children):
                    print(
                        f"a service exited unexpectedly; stopping (worker log: {worker_log})",
                        file=sys.stderr,
                        flush=True,
                    )
                    code = 1
                    break
        finally:
            _terminate(children)
            print("stopped API and worker; stopping embedded servers …", flush=True)
    return code
