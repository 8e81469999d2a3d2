"""Ledger rows → household drafts, cell by cell, every problem named by sheet, row and column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Final, TypeVar

from lianxin.core.ids import parse_global_id
from lianxin.household.drafts import MemberDraft
from lianxin.household.enums import (
    ArchiveExclusion,
    ArchiveLevel,
    Employment,
    HardshipCategory,
    HardshipReason,
    Health,
    Relation,
)
from lianxin.ledger.workbook import HOUSEHOLDS, MEMBERS, SheetRow

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str | None
    code: str
    message: str


@dataclass
class LedgerHousehold:
    """A household as the ledger gives it, with the sheet rows it came from."""

    row: int
    archive_no: str
    union_id: int
    level: ArchiveLevel
    category: HardshipCategory
    reasons: tuple[HardshipReason, ...]
    region_code: str
    contact_name: str | None
    contact_phone: str | None
    members: list[MemberDraft] = field(default_factory=list)
    member_rows: list[int] = field(default_factory=list)
    # RULES.md v2 facts; None when the workbook has no such column (the stored value stays)
    major_event_casualty: bool | None = None
    exclusions: tuple[ArchiveExclusion, ...] | None = None
    # when it was archived; None when the column is absent or blank (a new household: the import's day)
    archived_on: date | None = None


class _Row:
    """Reads the cells of one row, collecting an error per unusable cell."""

    def __init__(self, sheet: str, source: SheetRow, errors: list[RowError]) -> None:
        self.sheet, self.source, self.errors = sheet, source, errors
        self.ok = True

    def fail(self, column: str | None, code: str, message: str) -> None:
        self.ok = False
        self.errors.append(RowError(self.sheet, self.source.row, column, code, message))

    def text(self, column: str, *, required: bool = True) -> str:
        value = self.source.cells[column]
        if required and not value:
            self.fail(column, "REQUIRED", f"{column} is empty")
        return value

    def choice(self, column: str, enum: type[E]) -> E:
        value = self.text(column)
        try:
            return enum(value)
        except ValueError:
            if value:
                allowed = ", ".join(e.value for e in enum)
                self.fail(column, "INVALID_VALUE", f"{value!r} is not one of {allowed}")
            return next(iter(enum))


def parse_households(rows: Sequence[SheetRow], errors: list[RowError]) -> dict[str, LedgerHousehold]:
    """The usable household rows by archive number; a number given twice is refused both times."""
    found: dict[str, LedgerHousehold] = {}
    seen: dict[str, int] = {}
    for source in rows:
        r = _Row(HOUSEHOLDS, source, errors)
        archive_no = r.text("archiveNo")
        union = parse_global_id(r.text("unionId"))
        if union is None or union[0] != "TradeUnion":
            r.fail("unionId", "INVALID_ID", "unionId is not a TradeUnion id as exported")
        level = r.choice("level", ArchiveLevel)
        category = r.choice("category", HardshipCategory)
        reasons: list[HardshipReason] = []
        for part in filter(None, (p.strip() for p in r.text("hardshipReasons").split(","))):
            try:
                reasons.append(HardshipReason(part))
            except ValueError:
                r.fail("hardshipReasons", "INVALID_VALUE", f"{part!r} is not a hardship reason")
        region = r.text("regionCode")
        if archive_no in seen:
            r.fail("archiveNo", "DUPLICATE_ROW", f"{archive_no} is also on row {seen[archive_no]}")
            found.pop(archive_no, None)
            continue
        seen[archive_no] = source.row
        if r.ok and union is not None:
            found[archive_no] = LedgerHousehold(
                row=source.row,
                archive_no=archive_no,
                union_id=union[1],
                level=level,
                category=category,
                reasons=tuple(reasons),
                region_code=region,
                contact_name=r.text("contactName", required=False) or None,
                contact_phone=r.text("contactPhone", required=False) or None,
            )
            _v2_facts(r, found[archive_no])
            _archived_on(r, found[archive_no])
            if not r.ok:
                found.pop(archive_no)
    return found


_TRUE: Final = frozenset({"true", "1", "yes", "是"})
_FALSE: Final = frozenset({"false", "0", "no", "否", ""})


def _v2_facts(r: _Row, h: LedgerHousehold) -> None:
    """RULES.md v2 columns, when the sheet has them: a blank majorEventCasualty is false, a blank
    exclusions cell is none (as exported)."""
    cells = r.source.cells
    if "majorEventCasualty" in cells:
        value = cells["majorEventCasualty"].lower()
        if value in _TRUE | _FALSE:
            h.major_event_casualty = value in _TRUE
        else:
            r.fail("majorEventCasualty", "INVALID_VALUE", f"{value!r} is not true or false")
    if "exclusions" in cells:
        found: list[ArchiveExclusion] = []
        for part in filter(None, (p.strip() for p in cells["exclusions"].split(","))):
            try:
                found.append(ArchiveExclusion(part))
            except ValueError:
                allowed = ", ".join(e.value for e in ArchiveExclusion)
                r.fail("exclusions", "INVALID_VALUE", f"{part!r} is not one of {allowed}")
        h.exclusions = tuple(found)


def _archived_on(r: _Row, h: LedgerHousehold) -> None:
    """The optional archivedOn column: YYYY-MM-DD, or a date cell (read as "YYYY-MM-DD 00:00:00")."""
    value = r.source.cells.get("archivedOn", "")
    if not value:
        return
    day = value[:10] if len(value) == 10 or value[10:11] in (" ", "T") else ""
    try:
        h.archived_on = date.fromisoformat(day)
    except ValueError:
        r.fail("archivedOn", "INVALID_VALUE", f"{value!r} is not a date (YYYY-MM-DD)")


def attach_members(
    rows: Sequence[SheetRow], households: dict[str, LedgerHousehold], known: set[str], errors: list[RowError]
) -> set[str]:
    """Add member rows to their households, in sheet order; the archive numbers with a bad member row."""
    spoiled: set[str] = set()
    for source in rows:
        r = _Row(MEMBERS, source, errors)
        archive_no = r.text("archiveNo")
        draft = MemberDraft(
            name=r.text("name"),
            relation=r.choice("relation", Relation),
            id_number=r.text("idNumber").upper(),
            health=r.choice("health", Health),
            employment=r.choice("employment", Employment),
        )
        if archive_no and archive_no not in known:
            r.fail("archiveNo", "UNKNOWN_HOUSEHOLD", f"{archive_no} is not on the households sheet")
        if not r.ok:
            spoiled.add(archive_no)
            continue
        if archive_no in households:
            households[archive_no].members.append(draft)
            households[archive_no].member_rows.append(source.row)
    return spoiled
