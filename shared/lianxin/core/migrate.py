"""Forward-only SQL migrations: ordered files, applied once each in a transaction, checksummed,
serialised across replicas by a PostgreSQL advisory lock."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources

from lianxin.core.db import Connection

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same for every replica of this application.
MIGRATION_LOCK_KEY = 0x4C69616E78696E  # "Lianxin"
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(package: str = "lianxin.migrations") -> list[Migration]:
    found: list[Migration] = []
    for entry in resources.files(package).iterdir():
        match = _FILE.match(entry.name)
        if match is None:
            continue
        found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration versions in {package}: {versions}")
    return found


async def migrate(conn: Connection, migrations: list[Migration] | None = None) -> list[Migration]:
    """Apply pending migrations; return those applied. Refuses if an applied file was edited."""
    pending_source = load_migrations() if migrations is None else migrations
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migration (
                   version integer PRIMARY KEY,
                   name text NOT NULL,
                   checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        rows = await conn.fetch("SELECT version, name, checksum FROM schema_migration")
        applied = {r["version"]: r for r in rows}
        done: list[Migration] = []
        for m in pending_source:
            row = applied.get(m.version)
            if row is not None:
                if row["checksum"] != m.checksum:
                    raise MigrationError(
                        f"migration {m.version:04d}_{m.name} was changed after it was applied "
                        "(migrations are forward-only: add a new file instead)"
                    )
                continue
            async with conn.transaction():
                await conn.execute(m.sql)
                await conn.execute(
                    "INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3)",
                    m.version,
                    m.name,
                    m.checksum,
                )
            log.info("applied migration %04d_%s", m.version, m.name)
            done.append(m)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
