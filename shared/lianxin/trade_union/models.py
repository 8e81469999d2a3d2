"""The union tree (工会): federation → district federation → industry union → grassroots union."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NewType

import asyncpg

UnionId = NewType("UnionId", int)


class UnionKind(StrEnum):
    FEDERATION = "FEDERATION"  # 市总工会 (or a province federation)
    DISTRICT_FEDERATION = "DISTRICT_FEDERATION"  # 区/县总工会
    INDUSTRY = "INDUSTRY"  # 产业工会
    GRASSROOTS = "GRASSROOTS"  # 基层工会

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {
    UnionKind.FEDERATION: 0,
    UnionKind.DISTRICT_FEDERATION: 1,
    UnionKind.INDUSTRY: 2,
    UnionKind.GRASSROOTS: 3,
}


@dataclass(frozen=True, slots=True)
class TradeUnion:
    id: UnionId
    name: str
    kind: UnionKind
    region_code: str
    parent_id: UnionId | None
    path: tuple[UnionId, ...]
    created_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> TradeUnion:
        return cls(
            id=UnionId(row["id"]),
            name=row["name"],
            kind=UnionKind(row["kind"]),
            region_code=row["region_code"],
            parent_id=UnionId(row["parent_id"]) if row["parent_id"] is not None else None,
            path=tuple(UnionId(i) for i in row["path"]),
            created_at=row["created_at"],
        )


@dataclass(frozen=True, slots=True)
class UnionStats:
    union_id: UnionId
    child_unions: int
    member_units: int
    sponsors: int
    computed_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> UnionStats:
        return cls(
            union_id=UnionId(row["union_id"]),
            child_unions=row["child_unions"],
            member_units=row["member_units"],
            sponsors=row["sponsors"],
            computed_at=row["computed_at"],
        )
