"""SQL access for the audit trail. Functions take the connection first and never commit."""

from __future__ import annotations

from typing import Any

from lianxin.audit.models import Actor, AuditEntry, AuditFilter
from lianxin.core.db import Connection
from lianxin.core.sql import load_queries

Q = load_queries(__package__)


async def start_change_capture(conn: Connection) -> None:
    await conn.execute(Q.start_change_capture)


async def take_row_changes(conn: Connection) -> tuple[list[dict[str, Any]], int]:
    """(the first 1000 row changes staged by this transaction, how many there were); clears them."""
    row = await conn.fetchrow(Q.take_row_changes)
    assert row is not None
    return list(row["changes"]), row["change_count"]


async def insert_audit_entry(
    conn: Connection,
    actor: Actor,
    operation: str,
    entity_ids: list[str],
    input: dict[str, Any],
    outcome: list[str],
    request_id: str | None,
    changes: list[dict[str, Any]],
    change_count: int,
    truncated: dict[str, int] | None,
) -> AuditEntry:
    row = await conn.fetchrow(
        Q.insert_audit_entry,
        actor.subject,
        actor.role,
        operation,
        entity_ids,
        input,
        outcome,
        request_id,
        changes,
        change_count,
        truncated,
    )
    assert row is not None
    return AuditEntry.from_row(row)


def _filter_args(f: AuditFilter) -> tuple[Any, ...]:
    return (f.actor, f.operation, f.entity_id, f.occurred_from, f.occurred_to)


async def list_audit_entries_page(conn: Connection, f: AuditFilter, key: int, limit: int) -> list[AuditEntry]:
    """Newest first: entries below `key` (`PageRequest.key(ascending=False)` gives the start)."""
    rows = await conn.fetch(Q.list_audit_entries_page, *_filter_args(f), key, limit)
    return [AuditEntry.from_row(r) for r in rows]


async def count_audit_entries(conn: Connection, f: AuditFilter) -> int:
    count: int = await conn.fetchval(Q.count_audit_entries, *_filter_args(f))
    return count


async def insert_access_log(
    conn: Connection, actor: Actor, field: str, member_ids: list[int], request_id: str | None
) -> None:
    await conn.execute(Q.insert_access_log, actor.subject, actor.role, field, member_ids, request_id)
