"""Bounds on what one audit row keeps: the audit table is append-only, so a caller must not be able
to grow it by sending (or writing) huge values, even in a refused mutation.

- each string keeps its first `MAX_TEXT` (1,000) characters: far above any name, note or address the
  domain accepts (the longest, a note, is 500), so a legitimate value is never cut;
- each list keeps its first `MAX_ITEMS` (200) items, and nesting stops at `MAX_DEPTH` (16) levels;
- the whole row (input and changes, as JSON) keeps at most `MAX_ENTRY_BYTES` (64 KiB, UTF-8): trailing
  changes are dropped first (`change_count` still counts them), then the input is kept as a prefix of
  its JSON text under `"_partial"`.

What was cut is counted, `{"values": n, "characters": m}` (values shortened or dropped; characters,
items or JSON bytes removed), and stored with the row. Text that PostgreSQL's jsonb cannot hold (NUL,
lone surrogates) is replaced by U+FFFD, so a refused mutation's row can always be written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

MAX_TEXT: Final = 1_000
MAX_ITEMS: Final = 200
MAX_DEPTH: Final = 16
MAX_ENTRY_BYTES: Final = 64 * 1024
_MARK: Final = "…"


@dataclass
class Cut:
    values: int = 0
    characters: int = 0

    def as_json(self) -> dict[str, int] | None:
        return {"values": self.values, "characters": self.characters} if self.values else None


def _clean(text: str) -> str:
    cleaned = text if _encodes(text) else "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return cleaned.replace("\x00", "\ufffd")


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def cap_value(value: Any, cut: Cut, depth: int = 0) -> Any:
    """A JSON-able copy of `value` within the per-value bounds; what was cut is added to `cut`."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            cut.values += 1
            cut.characters += len(value) - MAX_TEXT
            value = value[:MAX_TEXT] + _MARK
        return _clean(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= MAX_DEPTH:
        cut.values += 1
        cut.characters += len(_dumps(value))
        return _MARK
    if isinstance(value, dict):
        return {_clean(str(k))[:MAX_TEXT]: cap_value(v, cut, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if len(value) > MAX_ITEMS:
            cut.values += 1
            cut.characters += len(value) - MAX_ITEMS
            value = value[:MAX_ITEMS]
        return [cap_value(v, cut, depth + 1) for v in value]
    return cap_value(str(value), cut, depth)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _size(value: Any) -> int:
    return len(_dumps(value).encode("utf-8"))


def cap_entry(
    input: dict[str, Any], changes: list[dict[str, Any]], cut: Cut
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Input and changes, each value capped, the two together within `MAX_ENTRY_BYTES`."""
    capped_input: dict[str, Any] = cap_value(input, cut)
    capped_changes: list[dict[str, Any]] = [cap_value(c, cut) for c in changes]
    input_size = _size(capped_input)
    total = input_size + _size(capped_changes)
    while capped_changes and total > MAX_ENTRY_BYTES:
        dropped = capped_changes.pop()
        size = _size(dropped) + 1
        cut.values += 1
        cut.characters += size
        total -= size
    if input_size > MAX_ENTRY_BYTES // 2 and total > MAX_ENTRY_BYTES:
        text = _dumps(capped_input)
        keep = max(0, MAX_ENTRY_BYTES // 2 - 64)
        prefix = text.encode("utf-8")[:keep].decode("utf-8", "ignore")
        cut.values += 1
        cut.characters += len(text) - len(prefix)
        capped_input = {"_partial": prefix + _MARK}
    return capped_input, capped_changes
