"""Sponsorship pairings (结对帮扶): a household and a sponsor organization."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NewType

import asyncpg

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
    def from_row(cls, row: asyncpg.Record) -> Sponsorship:
        return cls(
            id=SponsorshipId(row["id"]),
            household_id=row["household_id"],
            sponsor_id=row["sponsor_id"],
            started_on=row["started_on"],
            ended_on=row["ended_on"],
            end_reason=row["end_reason"],
        )
