"""`lianxin backup FILE` and `lianxin restore FILE [--force]`: the whole database (data, audit log, event
log, reader positions, webhook deliveries, the job outbox) in pg_dump's custom format, against
`DATABASE_URL` or, when it is unset, the embedded PostgreSQL in `LIANXIN_DATA_DIR`.

Redis holds nothing that is not also in the database (jobs are in the outbox, re-enqueued by the
worker's sweep), so it is not part of a backup.

Event cursors survive a restore: events keep their `(txid, id)` positions. Restored into another
PostgreSQL cluster (a new server after a disaster), the new server's transaction counter may be behind
the restored positions, and subscribers would wait for it to catch up: the restore then moves the
counter's epoch past them (`pg_resetwal -e`, on the stopped server; automatic for the embedded server,
printed as the command to run for a configured one), so old cursors resume and new events sort after.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

from lianxin.core.config import Settings
from lianxin.core.db import connect

if TYPE_CHECKING:
    from lianxin_cli.embedded import EmbeddedPostgres


class BackupError(Exception):
    """Why a backup or restore did not happen (one line for the operator)."""


def pg_tool(name: str) -> str:
    """pg_dump/pg_restore: next to the embedded server's binaries (pgserver), else on PATH."""
    with contextlib.suppress(ImportError):
        from pgserver._commands import POSTGRES_BIN_PATH

        bundled = Path(POSTGRES_BIN_PATH) / name
        if bundled.exists():
            return str(bundled)
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found: install PostgreSQL's client tools (the server's major version or newer) "
            "or the embedded extra (pip install 'lianxin[embedded]')"
        )
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and the environment carrying it (not on a command line)."""
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        user = parts.username or ""
        host = parts.netloc.rsplit("@", 1)[1]
        url = urlunsplit(parts._replace(netloc=f"{user}@{host}"))
    return url, env


@contextlib.contextmanager
def _database(settings: Settings, *, create: bool) -> Iterator[tuple[str, EmbeddedPostgres | None]]:
    """(URL, the embedded server or None): the configured database, else the embedded one."""
    if settings.database_url:
        yield settings.database_url, None
        return
    folder = settings.data_dir / "postgres"
    if not create and not (folder / "PG_VERSION").exists():
        raise BackupError(f"DATABASE_URL is not set and there is no embedded database in {folder}")
    from lianxin_cli.embedded import DATABASE_NAME, EmbeddedPostgres

    os.environ.setdefault("XDG_RUNTIME_DIR", str(_runtime_dir(settings)))
    pg = EmbeddedPostgres(folder)
    try:
        yield pg.ensure_database(DATABASE_NAME), pg
    finally:
        pg.stop()


def _runtime_dir(settings: Settings) -> Path:
    runtime = (settings.data_dir / "run").resolve()
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    return runtime


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise BackupError(f"{Path(command[0]).name} failed: {detail}")


def backup(settings: Settings, path: Path) -> str:
    """Write the database to `path` (mode 0600: it holds personal data); returns a summary."""
    with _database(settings, create=False) as (url, _):
        libpq_url, env = _libpq(url)
        partial = path.with_name(path.name + ".partial")
        path.parent.mkdir(parents=True, exist_ok=True)
        # a fresh file of our own: a leftover .partial (any mode) or a planted symlink is not reused
        partial.unlink(missing_ok=True)
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
        try:
            _run([pg_tool("pg_dump"), "--format=custom", "--file", str(partial), "--dbname", libpq_url], env)
            os.replace(partial, path)  # a failed dump never leaves a file that looks like a backup
        finally:
            partial.unlink(missing_ok=True)
    return f"backup written to {path} ({path.stat().st_size} bytes)"


async def _contents(url: str) -> tuple[int, int]:
    """(tables in schema public, of which holding rows), the migration record aside."""
    conn = await connect(url)
    try:
        tables = await conn.fetch(
            "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'schema_migration'"
        )
        filled = 0
        for table in tables:
            filled += bool(await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table['name']})"))
        return len(tables), filled
    finally:
        await conn.close()


async def _xid_gap(url: str) -> tuple[int, int]:
    """(largest transaction id in the restored event log and reader positions, the server's next one)."""
    conn = await connect(url)
    try:
        restored = await conn.fetchval(
            """SELECT greatest(
                   (SELECT txid FROM event ORDER BY txid DESC LIMIT 1),
                   (SELECT max(txid::text::numeric) FROM event_reader)::text::xid8)::text"""
        )
        next_xid = await conn.fetchval("SELECT pg_snapshot_xmax(pg_current_snapshot())::text")
        return int(restored or 0), int(next_xid)
    finally:
        await conn.close()


def restore(settings: Settings, path: Path, *, force: bool) -> str:
    """Load a backup into the database; refuses one holding data unless `force`. Returns a summary."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    with _database(settings, create=True) as (url, embedded):
        libpq_url, env = _libpq(url)
        listed = subprocess.run([pg_tool("pg_restore"), "--list", str(path)], capture_output=True, env=env)
        if listed.returncode != 0:
            raise BackupError(f"{path} is not a backup made by `lianxin backup` (pg_dump's custom format)")
        tables, filled = asyncio.run(_contents(url))
        if filled and not force:
            raise BackupError(
                f"the database is not empty ({filled} of {tables} tables hold rows); a restore replaces "
                "everything in it: stop the API and workers, then run again with --force"
            )
        command = [
            pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
        ]
        if tables:  # an empty migrated schema, or --force: drop what the backup recreates, atomically
            command += ["--clean", "--if-exists"]
        _run([*command, "--dbname", libpq_url, str(path)], env)
        restored, next_xid = asyncio.run(_xid_gap(url))
        summary = f"restored {path} into the database"
        if restored < next_xid:
            return summary
        epoch = (restored >> 32) + 1
        if embedded is not None:
            if embedded.advance_xid_epoch(epoch):
                return (
                    f"{summary}; moved the embedded server's transaction-id epoch to {epoch} (event cursors)"
                )
            raise BackupError(
                f"{summary}, but the embedded server's transaction counter ({next_xid}) is behind the "
                f"restored event log ({restored}) and another process uses the server: stop `lianxin dev`, "
                "then run the restore again with --force"
            )
        raise BackupError(
            f"{summary}, but this server's transaction counter ({next_xid}) is behind the restored event "
            f"log ({restored}): subscribers' cursors would stall. Stop PostgreSQL cleanly and run "
            f"`pg_resetwal -e {epoch} -D <its data directory>` as its user (docker compose: `docker compose "
            f"stop api worker postgres && docker compose run --rm --no-deps --user postgres postgres "
            f"pg_resetwal -e {epoch} -D /var/lib/postgresql/data && docker compose up -d`), then take a "
            "new base backup"
        )


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    try:
        print(backup(settings, Path(args.path)))
    except BackupError as exc:
        print(f"lianxin backup: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    try:
        print(restore(settings, Path(args.path), force=args.force))
    except BackupError as exc:
        print(f"lianxin restore: {exc}", file=sys.stderr)
        return 1
    print("next: `lianxin migrate` if this release is newer than the backup (compose runs it at start)")
    return 0


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument("path", help="the backup file (pg_dump custom format)")
    if command == "restore":
        parser.add_argument("--force", action="store_true", help="replace a database that holds data")
