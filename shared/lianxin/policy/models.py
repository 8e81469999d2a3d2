"""Versioned 低保 policies (DibaoPolicy): a region, an effective date, parameters as data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NewType

import asyncpg

from lianxin.eligibility import DibaoParameters, parse_parameters

PolicyId = NewType("PolicyId", int)


@dataclass(frozen=True, slots=True)
class DibaoPolicy:
    id: PolicyId
    region_code: str
    effective_from: date
    raw_parameters: dict[str, Any]
    published_at: datetime

    @property
    def parameters(self) -> DibaoParameters:
        return parse_parameters(self.raw_parameters)

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> DibaoPolicy:
        return cls(
            id=PolicyId(row["id"]),
            region_code=row["region_code"],
            effective_from=row["effective_from"],
            raw_parameters=row["parameters"],
            published_at=row["published_at"],
        )
