"""Backing servers for the benchmark scripts: the configured ones, else embedded ones."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from lianxin.core.db import connect
from lianxin_cli.embedded import EmbeddedPostgres, EmbeddedRedis


async def recreate_database(server_url: str, database: str) -> str:
    conn = await connect(server_url)  # a failure ends the script, so no try/finally
    await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{database}"')
    await conn.close()
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{database}"))


@contextlib.contextmanager
def backing_services(data_dir: Path, database: str) -> Iterator[tuple[str, str]]:
    """(URL of a fresh database named `database`, Redis URL): DATABASE_URL/REDIS_URL, else embedded."""
    with contextlib.ExitStack() as stack:
        if server := os.environ.get("DATABASE_URL"):
            database_url = asyncio.run(recreate_database(server, database))
        else:
            pg = EmbeddedPostgres(data_dir / "postgres")
            stack.callback(pg.stop)
            database_url = pg.ensure_database(database, recreate=True)
        if not (redis_url := os.environ.get("REDIS_URL", "")):
            redis = EmbeddedRedis(data_dir / "redis")
            stack.callback(redis.stop)
            redis_url = redis.url
        yield database_url, redis_url


async def wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """uvicorn binds its port only after the app's startup (pool, queue) has succeeded."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.1)
    tail = log.read_text()[-3000:]  # noqa: ASYNC240 - once, on the way out
    raise RuntimeError(f"the server on port {port} did not start (exit code {process.poll()}):\n{tail}")
