"""The ledger (台账) as an `.xlsx` workbook: a households sheet and a members sheet, one row each.

Pure file handling with openpyxl: no database. Every cell is read back as text, so an ID number or a
region code typed as a number in Excel is still compared as the digits it shows.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from lianxin.core.errors import DomainError

HOUSEHOLDS: Final = "households"
MEMBERS: Final = "members"
HOUSEHOLD_COLUMNS: Final = (
    "archiveNo",
    "unionId",
    "level",
    "category",
    "hardshipReasons",
    "regionCode",
    "contactName",
    "contactPhone",
)
MEMBER_COLUMNS: Final = ("archiveNo", "name", "relation", "idNumber", "health", "employment")
# RULES.md v2 facts, exported after the columns above; optional on import (a workbook from before v2
# leaves them as stored): majorEventCasualty true/false, exclusions comma-separated like hardshipReasons.
V2_HOUSEHOLD_COLUMNS: Final = ("majorEventCasualty", "exclusions")
ERROR_COLUMNS: Final = ("sheet", "row", "column", "code", "message")
MAX_ROWS: Final = 100_000


@dataclass(frozen=True)
class SheetRow:
    """One data row: its 1-based row number in the sheet (the header is row 1) and its cells by column."""

    row: int
    cells: dict[str, str]


def write_workbook(sheets: dict[str, tuple[Sequence[str], Sequence[Sequence[object]]]]) -> bytes:
    """A workbook with one sheet per entry: a header row, then the rows as given (None → empty)."""
    book = Workbook()
    first = True
    for title, (columns, rows) in sheets.items():
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        sheet.title = title
        first = False
        sheet.append(list(columns))
        for values in rows:
            sheet.append(list(values))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_sheet(
    data: bytes, title: str, columns: Sequence[str], optional: Sequence[str] = ()
) -> list[SheetRow]:
    """The rows of sheet `title` below its header; blank rows are skipped. An `optional` column is in a
    row's cells only when the header has it.

    Raises DomainError INVALID_WORKBOOK (not an .xlsx), MISSING_SHEET, MISSING_COLUMN or TOO_MANY_ROWS.
    """
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise DomainError.single(
            "INVALID_WORKBOOK", "the file is not an .xlsx workbook", ["content"]
        ) from None
    if title not in book.sheetnames:
        raise DomainError.single("MISSING_SHEET", f"the workbook has no sheet named {title!r}", ["content"])
    rows = book[title].iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, ())]
    missing = [c for c in columns if c not in header]
    if missing:
        raise DomainError.single(
            "MISSING_COLUMN", f"sheet {title!r} lacks the column(s) {', '.join(missing)}", ["content"]
        )
    columns = [*columns, *(c for c in optional if c in header)]
    found: list[SheetRow] = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS:
            raise DomainError.single("TOO_MANY_ROWS", f"at most {MAX_ROWS} rows per sheet", ["content"])
        cells = {name: _text(v) for name, v in zip(header, values, strict=False) if name in columns}
        if any(cells.values()):
            found.append(SheetRow(row=number, cells={c: cells.get(c, "") for c in columns}))
    book.close()
    return found
