"""API keys as frozen dataclasses; the key itself is never part of a model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: int
    agency_id: int
    name: str
    prefix: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> ApiKey:
        return cls(
            id=row["id"],
            agency_id=row["agency_id"],
            name=row["name"],
            prefix=row["prefix"],
            created_by=row["created_by"],
            created_at=row["created_at"],
            revoked_at=row["revoked_at"],
        )


@dataclass(frozen=True, slots=True)
class KeyHolder:
    """Who a valid, unrevoked key speaks for."""

    key_id: int
    agency_id: int
    region_code: str
