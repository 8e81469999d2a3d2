"""Write domain events to the outbox table `event` inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from lianxin.core.db import Connection


async def record_event(
    conn: Connection, type_: str, subject_id: str, payload: dict[str, Any], region_code: str | None = None
) -> int:
    event_id: int = await conn.fetchval(
        "INSERT INTO event (type, subject_id, region_code, payload) VALUES ($1, $2, $3, $4) RETURNING id",
        type_,
        subject_id,
        region_code,
        payload,
    )
    return event_id


async def record_events(conn: Connection, events: list[dict[str, Any]]) -> None:
    """Insert many events in one statement; each dict has type, subject_id, payload, region_code."""
    if not events:
        return
    await conn.execute(
        """INSERT INTO event (type, subject_id, region_code, payload)
           SELECT r.type, r.subject_id, r.region_code, r.payload
           FROM jsonb_to_recordset($1::jsonb)
                AS r(type text, subject_id text, region_code text, payload jsonb)""",
        events,
    )
