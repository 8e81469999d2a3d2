"""Review 5 (issue 12): a compiled row builder is remembered by everything that shapes it: the model,
its columns, their positions and the conversions. A builder made without conversions must never be
handed out for a read that converts (its enum values would stay raw strings and an unknown value
would be accepted instead of failing as `Enum(value)` does), nor the other way round."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pytest

from lianxin.core.db import Pool
from lianxin.core.rows import build_all, by_value, partial_builder


class Tone(StrEnum):
    WARM = "WARM"
    COOL = "COOL"


@dataclass(frozen=True, slots=True)
class Swatch:  # a model of this file's own, so no other test's builders are in the caches
    id: int
    tone: Tone


class _Row(dict[str, Any]):
    """A record stand-in: `keys()` in column order, `row[k]` by position."""

    def __getitem__(self, k: Any) -> Any:
        return list(self.values())[k] if isinstance(k, int) else super().__getitem__(k)


def test_a_builder_without_conversions_is_not_reused_for_a_converting_read() -> None:
    raw = partial_builder(Swatch, ("id", "tone"), ())
    assert raw((1, "WARM")).tone == "WARM"
    converting = partial_builder(Swatch, ("id", "tone"), (("tone", by_value(Tone)),))
    assert type(converting((1, "WARM")).tone) is Tone
    with pytest.raises(ValueError, match="is not a valid Tone"):
        converting((1, "PURPLE"))


def test_build_all_with_other_conversions_builds_its_own() -> None:
    rows = [_Row(tone="COOL", id=2)]
    assert build_all(Swatch, rows, ())[0].tone == "COOL"  # type: ignore[arg-type]
    built = build_all(Swatch, rows, (("tone", by_value(Tone)),))  # type: ignore[arg-type]
    assert type(built[0].tone) is Tone
    with pytest.raises(ValueError, match="is not a valid Tone"):
        build_all(Swatch, [_Row(tone="PURPLE", id=3)], (("tone", by_value(Tone)),))  # type: ignore[arg-type]


async def test_build_all_reads_a_repeated_column_name_as_the_record_does(pool: Pool) -> None:
    # asyncpg answers `row[name]` with the last column of that name (a join's `a.*, b.*` repeats
    # `id`); a builder by positions must take the same one, as `from_row` reading by name does
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT 1 AS id, 'WARM' AS tone, 2 AS id")
    assert rows[0]["id"] == 2
    built = build_all(Swatch, rows, (("tone", by_value(Tone)),))
    assert built == [Swatch(id=rows[0]["id"], tone=Tone.WARM)]
