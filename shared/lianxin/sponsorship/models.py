"""Sponsorship pairings (结对帮扶): a household and a sponsor organization."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NewType

import asyncpg

from lianxin.core.rows import build_all

SponsorshipId = NewType("SponsorshipId", int)


@dataclass(frozen=True, slots=True)
class Sponsorship:
    id: SponsorshipId
    household_id: int
    sponsor_id: int
    started_on: date
    ended_on: date | None
    end_reason: str | None

    @property
    def active(self) -> bool:
        return self.ended_on is None

    @classmethod
    def from_rows(cls, rows: Sequence[asyncpg.Record]) -> list[Sponsorship]:
        """`from_row` of each row (one compiled builder per statement's column order)."""
        return build_all(cls, rows)

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Sponsorship:
        return cls(
            id=SponsorshipId(row["id"]),
            household_id=row["household_id"],
            sponsor_id=row["sponsor_id"],
            started_on=row["started_on"],
            ended_on=row["ended_on"],
            end_reason=row["end_reason"],
        )
