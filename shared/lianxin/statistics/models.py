"""Figures a federation reports upward: households by dimension, and archived households per year."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import asyncpg


class Dimension(StrEnum):
    LEVEL = "LEVEL"
    CATEGORY = "CATEGORY"
    REASON = "REASON"
    STATUS = "STATUS"
    REGION = "REGION"
    OUTCOME = "OUTCOME"  # the current decision's 低保 outcome (RULES.md v2 tiers included)
    SUGGESTED_CATEGORY = "SUGGESTED_CATEGORY"  # the current decision's union category (RULES.md v2)


@dataclass(frozen=True, slots=True)
class Count:
    dimension: Dimension
    key: str
    households: int

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Count:
        return cls(dimension=Dimension(row["dimension"]), key=row["key"], households=row["households"])


@dataclass(frozen=True, slots=True)
class YearFigures:
    """One calendar year: households archived in it, on file at its end, and marked out of hardship in it."""

    year: int
    archived: int
    on_file: int
    out_of_hardship: int

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> YearFigures:
        return cls(
            year=row["year"],
            archived=row["archived"],
            on_file=row["on_file"],
            out_of_hardship=row["out_of_hardship"],
        )
