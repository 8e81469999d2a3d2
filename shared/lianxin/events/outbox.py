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
