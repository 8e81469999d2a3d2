"""Audit rows as frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

OK = "OK"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    occurred_at: datetime
    actor_subject: str
    actor_role: str
    operation: str
    entity_ids: tuple[str, ...]
    input: dict[str, Any]
    outcome: tuple[str, ...]  # ("OK",) or the user error codes
    request_id: str | None
    # [{"table", "rowId", "op", "before", "after"}] for every row the mutation wrote, in order; `before`
    # and `after` hold only the changed columns of an update (masked like `input`); at most 1000 kept
    changes: tuple[dict[str, Any], ...] = ()
    change_count: int = 0
    # what `lianxin.audit.caps` cut from input and changes: {"values": n, "characters": m}, or None
    truncated: dict[str, int] | None = None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> AuditEntry:
        return cls(
            id=row["id"],
            occurred_at=row["occurred_at"],
            actor_subject=row["actor_subject"],
            actor_role=row["actor_role"],
            operation=row["operation"],
            entity_ids=tuple(row["entity_ids"]),
            input=row["input"],
            outcome=tuple(row["outcome"]),
            request_id=row["request_id"],
            changes=tuple(row["changes"]),
            change_count=row["change_count"],
            truncated=row["truncated"],
        )


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: str | None = None
    operation: str | None = None
    entity_id: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    subject: str
    role: str
