"""The ledger (台账) as an `.xlsx` workbook: a households sheet and a members sheet, one row each.

Pure file handling with openpyxl: no database, and nothing here may touch the event loop (callers run
`read_workbook` in a thread). Every cell is read back as text, so an ID number or a region code typed
as a number in Excel is still compared as the digits it shows.

Writing: every string is written as a text cell (an inline string, never a formula, whatever it starts
with: `=`, `+`, `-`, `@`, a tab, ＝ ...) in the Text number format `@`, so Excel keeps it text even when
someone edits the cell; only the numbers we write ourselves (an error report's row number) stay numbers.

Reading: before openpyxl sees a byte, the zip's own directory is checked: the number of members, the
size each unpacks to (in total, and as a ratio of its packed size) against `WorkbookLimits`; zipfile
never inflates a member past the size the directory declares, so these bounds hold for a lying file
too. Then a sheet is streamed (read-only mode) up to `max_rows` rows and only the columns it needs, and
a cell longer than `max_cell_chars` refuses the file.
"""

from __future__ import annotations

import io
import struct
import threading
import xml.parsers.expat
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Final

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
# When the household was archived (YYYY-MM-DD or a date cell), exported last; optional on import, where
# it dates a household the import creates (blank or absent: the import's day) and must match the stored
# date of one that exists (like level, it is set when archiving).
ARCHIVED_ON_COLUMN: Final = "archivedOn"
OPTIONAL_HOUSEHOLD_COLUMNS: Final = (*V2_HOUSEHOLD_COLUMNS, ARCHIVED_ON_COLUMN)
ERROR_COLUMNS: Final = ("sheet", "row", "column", "code", "message")
MAX_ROWS: Final = 100_000
TEXT_FORMAT: Final = "@"
# at most this many workbooks are parsed at once (each in a worker thread), bounding the memory they take
_PARSING: Final = threading.BoundedSemaphore(2)


@dataclass(frozen=True, slots=True)
class WorkbookLimits:
    """What a workbook may unpack to before it is refused (`WORKBOOK_TOO_LARGE`, `CELL_TOO_LARGE`,
    `TOO_MANY_ROWS`). Packed size is the upload limit's business."""

    max_unpacked_bytes: int = 64 * 1024 * 1024  # LIANXIN_WORKBOOK_MAX_UNPACKED_BYTES
    max_members: int = 200  # files in the zip; an .xlsx of two sheets has about a dozen
    max_ratio: int = 200  # unpacked / packed, per member unpacking to more than `ratio_floor` bytes
    ratio_floor: int = 1024 * 1024
    max_cell_chars: int = 10_000
    max_rows: int = MAX_ROWS
    max_columns: int = 1024  # cells in one row
    max_strings: int = 2_000_000  # entries of the shared string table
    max_held: int = 200_000  # elements of the parts openpyxl keeps whole (styles: a few hundred)


@dataclass(frozen=True)
class SheetRow:
    """One data row: its 1-based row number in the sheet (the header is row 1) and its cells by column."""

    row: int
    cells: dict[str, str]


def write_workbook(sheets: dict[str, tuple[Sequence[str], Sequence[Sequence[object]]]]) -> bytes:
    """A workbook with one sheet per entry: a header row, then the rows as given (None → empty).

    Strings become text cells in the Text format, never formulas; ints stay numbers. Blocking: call
    it in a worker thread."""
    book = Workbook()
    first = True
    for title, (columns, rows) in sheets.items():
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        sheet.title = title
        first = False
        for values in (columns, *rows):
            sheet.append([_value(v) for v in values])
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl made a string starting with "=" a formula: undo
                    cell.number_format = TEXT_FORMAT  # and Excel keeps what is typed there text too
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _value(value: object) -> object:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    return str(value)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _refuse(code: str, message: str) -> DomainError:
    return DomainError.single(code, message, ["content"])


def _not_a_workbook() -> DomainError:
    return _refuse("INVALID_WORKBOOK", "the file is not an .xlsx workbook")


def _declared_members(data: bytes) -> int | None:
    """The member count in the zip's end-of-central-directory record (found as zipfile finds it), read
    before zipfile builds an object per member; None when there is no such record."""
    at = len(data) - 22 if data[-22:-18] == b"PK\x05\x06" else data.rfind(b"PK\x05\x06", -(65536 + 22))
    if at < 0 or at + 22 > len(data):
        return None
    count: int = struct.unpack_from("<H", data, at + 10)[0]
    return count


def check_archive(data: bytes, limits: WorkbookLimits) -> None:
    """Refuse a zip that would unpack to too much, before anything inflates it; then read each XML part
    with a bare tokenizer (constant memory) and refuse what openpyxl would build too many objects
    for, however few bytes it takes: a DTD (entities), more than `max_rows` rows in a sheet, more than
    `max_columns` cells in a row, more than `max_strings` shared strings, more than `max_held` elements
    in what openpyxl keeps whole (styles, the workbook, a sheet outside its rows).

    Raises DomainError INVALID_WORKBOOK (not a zip, a part that is not XML) or WORKBOOK_TOO_LARGE."""
    declared = _declared_members(data)
    if declared is None:
        raise _not_a_workbook()
    if declared == 0xFFFF or declared > limits.max_members:  # 0xFFFF: zip64, beyond any ledger
        raise _too_large(limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_sizes(members, limits)
            for m in members:
                if not _binary(m.filename) and not m.is_dir():
                    with archive.open(m) as src:
                        _scan(src, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError, EOFError):
        raise _not_a_workbook() from None


# parts openpyxl reads as XML carry any other name; these it does not (images, printer settings)
_BINARY: Final = (".bin", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".emf", ".wmf", ".tif", ".tiff")
_BINARY_BYTES: Final = 1024 * 1024


def _binary(name: str) -> bool:
    return name.lower().endswith(_BINARY)


def _too_large(limits: WorkbookLimits) -> DomainError:
    return _refuse(
        "WORKBOOK_TOO_LARGE",
        f"the workbook is too large to import (at most {limits.max_unpacked_bytes} bytes unpacked, "
        f"{limits.max_rows} rows per sheet, {limits.max_columns} cells per row)",
    )


def _check_sizes(members: Sequence[zipfile.ZipInfo], limits: WorkbookLimits) -> None:
    if len(members) > limits.max_members:
        raise _too_large(limits)
    total = 0
    for m in members:
        total += m.file_size
        big = m.file_size > limits.ratio_floor
        if (
            total > limits.max_unpacked_bytes
            or (big and m.file_size > limits.max_ratio * max(m.compress_size, 1))
            or (_binary(m.filename) and m.file_size > _BINARY_BYTES)
        ):
            raise _too_large(limits)


class _Bounds(Exception):
    """Raised from inside the XML scan: the document goes past a limit."""


class _Declaration(Exception):
    """Raised from inside the XML scan: the document declares a DTD or entities."""


class _Census:
    """Counts, per XML part, what openpyxl would build objects for; raises _Bounds at the first excess.

    openpyxl streams a sheet's rows (`sheetData`: one row at a time) and the shared strings (one `si`
    at a time); everything else it holds whole."""

    def __init__(self, limits: WorkbookLimits) -> None:
        self.limits = limits
        self.per_row = 16 * limits.max_columns  # a cell is a handful of elements unless it is a bomb
        self.depth = self.rows = self.strings = self.held = 0
        self.in_row = self.cells = self.in_string = 0
        self.rows_at = self.strings_at = 0  # depth of the open sheetData / si; 0: none is open

    def start(self, name: str, _attrs: object) -> None:
        self.depth += 1
        if self.rows_at:
            self._in_rows()
        elif self.strings_at:
            self.in_string += 1
            self._check(self.in_string > self.per_row)
        else:
            local = name.rpartition(":")[2]
            if local == "sheetData":
                self.rows_at = self.depth
            elif local == "si":
                self.strings, self.strings_at, self.in_string = self.strings + 1, self.depth, 0
                self._check(self.strings > self.limits.max_strings)
            else:
                self.held += 1
                self._check(self.held > self.limits.max_held)

    def _in_rows(self) -> None:
        if self.depth == self.rows_at + 1:  # a row
            self.rows, self.in_row, self.cells = self.rows + 1, 0, 0
            self._check(self.rows > self.limits.max_rows + 1)  # + the header
        else:  # a cell, or inside one
            self.in_row += 1
            self.cells += self.depth == self.rows_at + 2
            self._check(self.cells > self.limits.max_columns or self.in_row > self.per_row)

    def end(self, _name: str) -> None:
        if self.depth == self.rows_at:
            self.rows_at = 0
        elif self.depth == self.strings_at:
            self.strings_at = 0
        self.depth -= 1

    @staticmethod
    def _check(excess: bool) -> None:
        if excess:
            raise _Bounds


def _declaration(*_args: object) -> None:
    raise _Declaration  # no workbook part declares a DTD; entities are how XML bombs expand


def _scan(src: IO[bytes], limits: WorkbookLimits) -> None:
    """Read one XML part through `_Census`, in constant memory."""
    census = _Census(limits)
    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = census.start
    parser.EndElementHandler = census.end
    parser.StartDoctypeDeclHandler = _declaration
    parser.EntityDeclHandler = _declaration
    try:
        while chunk := src.read(_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Bounds:
        raise _too_large(limits) from None
    except (_Declaration, xml.parsers.expat.ExpatError):
        raise _not_a_workbook() from None


_CHUNK: Final = 1024 * 1024


def read_workbook(
    data: bytes,
    sheets: Mapping[str, Sequence[str]],
    limits: WorkbookLimits | None = None,
    optional: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, list[SheetRow]]:
    """The rows of each sheet `title` below its header (blank rows skipped), with the given columns;
    an `optional` column of a sheet is in its rows' cells only when the header has it.

    Blocking (runs openpyxl): call it in a worker thread. At most two workbooks are parsed at a time.
    Raises DomainError INVALID_WORKBOOK, WORKBOOK_TOO_LARGE, MISSING_SHEET, MISSING_COLUMN,
    TOO_MANY_ROWS or CELL_TOO_LARGE.
    """
    limits = limits or WorkbookLimits()
    with _PARSING:
        check_archive(data, limits)
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
            raise _not_a_workbook() from None
        try:
            extra = optional or {}
            return {
                title: _read_sheet(book, title, columns, limits, extra.get(title, ()))
                for title, columns in sheets.items()
            }
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError):
            # a member that does not inflate to what it declares (bad CRC), or XML that does not parse
            raise _not_a_workbook() from None
        finally:
            book.close()


def _checked(value: object, title: str, row: int, limits: WorkbookLimits) -> str:
    text = _text(value)
    if len(text) > limits.max_cell_chars:
        raise _refuse(
            "CELL_TOO_LARGE",
            f"sheet {title!r} row {row}: a cell holds at most {limits.max_cell_chars} characters",
        )
    return text


def _read_sheet(
    book: Workbook, title: str, columns: Sequence[str], limits: WorkbookLimits, optional: Sequence[str] = ()
) -> list[SheetRow]:
    if title not in book.sheetnames:
        raise _refuse("MISSING_SHEET", f"the workbook has no sheet named {title!r}")
    sheet = book[title]
    header = [_checked(v, title, 1, limits) for v in next(sheet.iter_rows(max_row=1, values_only=True), ())]
    missing = [c for c in columns if c not in header]
    if missing:
        raise _refuse("MISSING_COLUMN", f"sheet {title!r} lacks the column(s) {', '.join(missing)}")
    columns = [*columns, *(c for c in optional if c in header)]
    at = {name: i for i, name in enumerate(header) if name in columns}  # a repeated name: the last one
    width = max(at.values()) + 1
    found: list[SheetRow] = []
    rows = sheet.iter_rows(min_row=2, max_row=limits.max_rows + 1, max_col=width, values_only=True)
    for number, values in enumerate(rows, start=2):
        if number > limits.max_rows:
            raise _refuse("TOO_MANY_ROWS", f"at most {limits.max_rows} rows per sheet")
        cells = {c: _checked(values[at[c]], title, number, limits) for c in columns}
        if any(cells.values()):
            found.append(SheetRow(row=number, cells=cells))
    return found
