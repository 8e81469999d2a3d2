"""Organizations: member units (会员单位), employers and sponsors (爱心单位)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NewType

import asyncpg

OrganizationId = NewType("OrganizationId", int)


class OrganizationKind(StrEnum):
    MEMBER_UNIT = "MEMBER_UNIT"
    EMPLOYER = "EMPLOYER"
    SPONSOR = "SPONSOR"


@dataclass(frozen=True, slots=True)
class Organization:
    id: OrganizationId
    name: str
    credit_code: str
    kind: OrganizationKind
    union_id: int | None
    region_code: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Organization:
        return cls(
            id=OrganizationId(row["id"]),
            name=row["name"],
            credit_code=row["credit_code"],
            kind=OrganizationKind(row["kind"]),
            union_id=row["union_id"],
            region_code=row["region_code"],
            created_at=row["created_at"],
        )
