"""`lianxin backup FILE` / `lianxin restore FILE` round trips (issue 16): data, the audit log, the event
log and reader positions survive; a subscriber resumes with the cursor it held before the backup, both
in a database of the same server and on a fresh embedded server whose transaction counter starts far
behind the restored events; a database holding data is only replaced with --force."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from gqlws import GqlWs, live_server

from lianxin.core.config import Settings
from lianxin.core.db import Pool, connect
from lianxin.events.reader import START, read_events
from lianxin_cli.embedded import EmbeddedPostgres

from conftest import make_token, with_database

pytestmark = pytest.mark.timeout(240)
CREATE_UNION = """mutation($name: String!) {
  createUnion(input: {name: $name, kind: FEDERATION, regionCode: "371000"}) { union { id } errors { code } } }"""
TABLES = {
    "trade_union": "SELECT id, name FROM trade_union ORDER BY id",
    "audit_entry": "SELECT id, operation, entity_ids, outcome, actor_subject FROM audit_entry ORDER BY id",
    "event": "SELECT id, txid::text, type, subject_id, payload FROM event ORDER BY id",
    "event_reader": "SELECT name, txid::text, event_id FROM event_reader ORDER BY name",
}


def lianxin(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "LIANXIN_ENV")}
    return subprocess.run(
        [sys.executable, "-m", "lianxin_cli.main", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    conn = await connect(url)
    try:
        return {name: [tuple(r) for r in await conn.fetch(sql)] for name, sql in TABLES.items()}
    finally:
        await conn.close()


async def create_unions(ws_url: str, *names: str) -> None:
    base = ws_url.replace("ws://", "http://")
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {make_token()}"}, timeout=20) as http:
        for name in names:
            body = (await http.post(base, json={"query": CREATE_UNION, "variables": {"name": name}})).json()
            assert body["data"]["createUnion"]["errors"] == [], body


async def resumes(settings: Settings, database_url: str, cursor: str) -> None:
    """A subscriber holding `cursor` (it had seen 甲) gets 乙 and 丙 replayed, then 丁 live."""
    async with live_server(settings.model_copy(update={"database_url": database_url})) as url:
        subscriber = await GqlWs.open(url, make_token())
        await subscriber.subscribe("1", after=cursor, types=["union.created"])
        replayed = await subscriber.events(2, within=20)
        assert [e["payload"]["name"] for e in replayed] == ["乙", "丙"]
        await create_unions(url, "丁")
        (live,) = await subscriber.events(1, within=20)
        assert live["payload"]["name"] == "丁"
        assert live["cursor"] not in (cursor, replayed[-1]["cursor"])
        await subscriber.close()


async def test_backup_restore_round_trip_and_subscribers_resume(
    settings: Settings, migrated: str, empty_state: None, pool: Pool, tmp_path: Path, run_tag: str
) -> None:
    # A source whose transaction counter is well past a fresh server's (a real one is far beyond)
    async with pool.acquire() as conn:
        if int(await conn.fetchval("SELECT pg_current_xact_id()::text")) < 20_000:
            await conn.execute(
                """CREATE TEMP TABLE burn (i int);
                   DO $$ BEGIN FOR i IN 1..20000 LOOP
                     BEGIN INSERT INTO burn VALUES (i); EXCEPTION WHEN OTHERS THEN NULL; END;
                   END LOOP; END $$;
                   DROP TABLE burn"""
            )
    async with live_server(settings) as url:
        await create_unions(url, "甲", "乙", "丙")
    async with pool.acquire() as conn:
        events = await read_events(conn, START, types=["union.created"])
        assert [e.payload["name"] for e in events] == ["甲", "乙", "丙"]
        await conn.execute(
            "INSERT INTO event_reader (name, txid, event_id) VALUES ('webhooks', $1::text::xid8, $2)",
            str(events[1].txid),
            events[1].id,
        )
    cursor = events[0].cursor  # what a subscriber that had seen 甲 holds
    before = await snapshot(migrated)
    assert before["audit_entry"]
    assert len(before["event"]) >= 3

    # backup: one file, readable by its owner only
    dump = tmp_path / "lianxin.dump"
    made = lianxin("backup", str(dump), DATABASE_URL=migrated)
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert not dump.with_name("lianxin.dump.partial").exists()

    # restore into an empty database of the same server
    target_name = f"lianxin_restore_{run_tag}"
    admin = await connect(migrated)
    await admin.execute(f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{target_name}"')
    target = with_database(migrated, target_name)
    try:
        restored = lianxin("restore", str(dump), DATABASE_URL=target)
        assert restored.returncode == 0, restored.stderr
        assert await snapshot(target) == before

        # a database holding data is refused without --force, and left as it was
        again = lianxin("restore", str(dump), DATABASE_URL=target)
        assert again.returncode == 1
        assert "not empty" in again.stderr
        assert "--force" in again.stderr
        forced = lianxin("restore", "--force", str(dump), DATABASE_URL=target)
        assert forced.returncode == 0, forced.stderr
        assert await snapshot(target) == before
        not_a_backup = tmp_path / "notes.txt"
        not_a_backup.write_text("hello")
        refused = lianxin("restore", "--force", str(not_a_backup), DATABASE_URL=target)
        assert refused.returncode == 1
        assert "not a backup" in refused.stderr

        await resumes(settings, target, cursor)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)')
        await admin.close()

    # restore onto a fresh embedded server (no DATABASE_URL): its counter starts far behind the events
    data_dir = tmp_path / "data"
    fresh = lianxin("restore", str(dump), LIANXIN_DATA_DIR=str(data_dir))
    assert fresh.returncode == 0, fresh.stderr
    assert "transaction-id epoch" in fresh.stdout
    pg = EmbeddedPostgres(data_dir / "postgres")
    try:
        url = pg.url()
        assert await snapshot(url) == before
        await resumes(settings, url, cursor)
    finally:
        pg.stop()
