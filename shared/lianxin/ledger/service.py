"""The ledger (台账) in Excel: export every household with its members; import a workbook row by row.

An export returns the ids of the members whose ID numbers it wrote in full: the caller records them in
the access log like any other unmasked read.

An import is idempotent: households are matched by archive number, a new one is archived, a known one
updated only where the sheet differs (never duplicated), an identical one left alone. Each household
commits on its own, so one bad household does not hold back the rest; every refusal comes back with
its sheet, row and column, and as a downloadable `.xlsx` error report. The workbook is parsed in a
worker thread (never on the event loop) within `WorkbookLimits`. Who may write which household is
decided by `lianxin.access` alone: a row naming a union outside the caller's scope is refused like one
naming no union, and an archive number held by a household the caller cannot see is refused exactly
like a number already in use, without a word about that household.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from lianxin.access.rules import EVERYTHING, HouseholdScope, ListScope, sees_household
from lianxin.audit import service as audit
from lianxin.audit.models import Actor
from lianxin.core.db import Connection, JobDispatcher, Pool, unit_of_work
from lianxin.core.errors import DomainError, Issue
from lianxin.core.ids import to_global_id
from lianxin.core.sql import load_queries
from lianxin.core.tokens import Principal
from lianxin.household import repository as household_repo
from lianxin.household import service as household_service
from lianxin.household.models import Household, Member
from lianxin.ledger.rows import LedgerHousehold, RowError, attach_members, parse_households
from lianxin.ledger.workbook import (
    ERROR_COLUMNS,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLDS,
    MEMBER_COLUMNS,
    MEMBERS,
    OPTIONAL_HOUSEHOLD_COLUMNS,
    WorkbookLimits,
    read_workbook,
    write_workbook,
)

Q = load_queries(__package__)
EXPORT_CHUNK: Final = 500
Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LedgerExport:
    """The workbook, and the members whose ID numbers it holds unmasked (for the access log)."""

    content: bytes
    member_ids: tuple[int, ...]


async def export_ledger(conn: Connection, scope: ListScope = EVERYTHING) -> LedgerExport:
    """Every household in `scope` (oldest first) and its members, as the import reads them back."""
    households: list[list[object]] = []
    members: list[list[object]] = []
    member_ids: list[int] = []
    after = 0
    while rows := await conn.fetch(Q.list_households_after, after, EXPORT_CHUNK, *scope.household_params()):
        chunk = [Household.from_row(r) for r in rows]
        after = chunk[-1].id
        by_household: dict[int, list[Member]] = {}
        for m in await household_repo.list_members_by_household_ids(conn, [h.id for h in chunk]):
            by_household.setdefault(m.household_id, []).append(m)
        for h in chunk:
            households.append(_household_cells(h))
            for m in by_household.get(h.id, []):
                members.append([h.archive_no, m.name, m.relation, m.id_number, m.health, m.employment])
                member_ids.append(m.id)
    content = await asyncio.to_thread(
        write_workbook,
        {
            HOUSEHOLDS: ((*HOUSEHOLD_COLUMNS, *OPTIONAL_HOUSEHOLD_COLUMNS), households),
            MEMBERS: (MEMBER_COLUMNS, members),
        },
    )
    return LedgerExport(content=content, member_ids=tuple(member_ids))


def _household_cells(h: Household) -> list[object]:
    return [
        h.archive_no,
        to_global_id("TradeUnion", h.union_id),
        h.level,
        h.category,
        ",".join(h.hardship_reasons),
        h.region_code,
        h.contact_name,
        h.contact_phone,
        # RULES.md v2 (V2_HOUSEHOLD_COLUMNS), then archivedOn (OPTIONAL_HOUSEHOLD_COLUMNS)
        "true" if h.major_event_casualty else "false",
        ",".join(h.exclusions) or None,
        h.archived_on.isoformat(),
    ]


def error_report(errors: list[RowError]) -> bytes:
    """The refusals of an import as a workbook people can open next to the one they sent."""
    rows = [[e.sheet, e.row, e.column, e.code, e.message] for e in errors]
    return write_workbook({"errors": (ERROR_COLUMNS, rows)})


def _unchanged(current: Household, members: list[Member], new: LedgerHousehold) -> bool:
    return (
        current.category is new.category
        and sorted(current.hardship_reasons) == sorted(set(new.reasons))
        # a blank contact cell keeps the recorded contact person (an update cannot remove one)
        and new.contact_name in (None, current.contact_name)
        and new.contact_phone in (None, current.contact_phone)
        and [(m.name, m.relation, m.id_number, m.health, m.employment) for m in members]
        == [(d.name, d.relation, d.id_number, d.health, d.employment) for d in new.members]
        and new.major_event_casualty in (None, current.major_event_casualty)
        and (new.exclusions is None or set(new.exclusions) == set(current.exclusions))
    )


def _fixed_fields(current: Household, new: LedgerHousehold) -> list[RowError]:
    """Level, region and union are set when archiving; the ledger cannot move a household."""
    given: dict[str, object] = {"level": new.level, "regionCode": new.region_code, "unionId": new.union_id}
    stored: dict[str, object] = {
        "level": current.level,
        "regionCode": current.region_code,
        "unionId": current.union_id,
    }
    if new.archived_on is not None:
        given["archivedOn"], stored["archivedOn"] = new.archived_on, current.archived_on
    return [
        RowError(HOUSEHOLDS, new.row, c, "CANNOT_CHANGE", f"{c} is {stored[c]} in the archive")
        for c in given
        if given[c] != stored[c]
    ]


def _row_errors(new: LedgerHousehold, issues: tuple[Issue, ...]) -> list[RowError]:
    """Issues of the household service, placed on the sheet row and column they concern."""
    found = []
    for issue in issues:
        path = list(issue.field or ())
        if (
            len(path) >= 2
            and path[0] == "members"
            and path[1].isdigit()
            and int(path[1]) < len(new.member_rows)
        ):
            row, column = new.member_rows[int(path[1])], (path[2] if len(path) > 2 else None)
            found.append(RowError(MEMBERS, row, column, issue.code, issue.message))
        else:
            found.append(RowError(HOUSEHOLDS, new.row, path[0] if path else None, issue.code, issue.message))
    return found


@dataclass(frozen=True, slots=True)
class ImportContext:
    """Who imports: `caller` decides, through `lianxin.access`, which households a row may create or
    change; every household written is audited as `operation` by `caller`."""

    caller: Principal
    operation: str = "importLedger"

    @property
    def actor(self) -> Actor:
        return Actor(subject=self.caller.subject, role=self.caller.role.value)


def _may_write(caller: Principal, union_path: tuple[int, ...] | None, region_code: str) -> bool:
    """The caller would see a household of this union and region (no union: never). Only ADMIN and
    UNION_STAFF import, and their reach does not depend on pairings, so none are looked up."""
    if union_path is None:
        return False
    return sees_household(caller, HouseholdScope(union_path, region_code, frozenset()))


def archive_no_unavailable(new: LedgerHousehold) -> RowError:
    """The one refusal for an archive number the caller may not use: word for word what archiving a
    household says of a number already in use, whoever holds it and whatever it holds."""
    message = f"archive number {new.archive_no} is already in use"
    return RowError(HOUSEHOLDS, new.row, "archiveNo", "DUPLICATE_ARCHIVE_NO", message)


async def _apply(
    pool: Pool,
    dispatcher: JobDispatcher | None,
    new: LedgerHousehold,
    today: date,
    report: ImportReport,
    who: ImportContext,
) -> None:
    async with pool.acquire() as conn:
        path = await conn.fetchval(Q.union_path, new.union_id)
        if not _may_write(who.caller, tuple(path) if path is not None else None, new.region_code):
            report.failed += 1
            report.errors.append(
                RowError(HOUSEHOLDS, new.row, "unionId", "UNION_NOT_FOUND", "the union does not exist")
            )
            return
        found = await conn.fetch(Q.find_by_archive_nos, [new.archive_no])
        current = Household.from_row(found[0]) if found else None
        if current is not None:
            held_by = await conn.fetchval(Q.union_path, current.union_id)
            if not _may_write(
                who.caller, tuple(held_by) if held_by is not None else None, current.region_code
            ):
                report.failed += 1
                report.errors.append(archive_no_unavailable(new))
                return
        members = await household_repo.list_members_by_household_ids(conn, [current.id]) if current else []
    if current is not None and (fixed := _fixed_fields(current, new)):
        report.failed += 1
        report.errors.extend(fixed)
        return
    if current is not None and _unchanged(current, members, new):
        report.unchanged += 1
        return
    try:
        async with unit_of_work(pool, dispatcher) as uow:
            await audit.start_change_capture(uow.conn)
            if current is None:
                created = await household_service.archive_household(uow, _new(new), today=today)
                household_id = created.id
            else:
                household_id = current.id
                changes = household_service.HouseholdChanges(
                    household_id=current.id,
                    members=new.members,
                    category=new.category,
                    hardship_reasons=new.reasons,
                    contact_name=new.contact_name,
                    contact_phone=new.contact_phone,
                    major_event_casualty=new.major_event_casualty,
                    exclusions=new.exclusions,
                )
                await household_service.update_household(uow, changes, today=today)
            await audit.record_mutation(
                uow.conn,
                who.actor,
                who.operation,
                [to_global_id("Household", household_id), to_global_id("TradeUnion", new.union_id)],
                {"archiveNo": new.archive_no, "sheet": HOUSEHOLDS, "row": new.row},
            )
    except DomainError as exc:
        report.failed += 1
        report.errors.extend(
            archive_no_unavailable(new) if i.code == "DUPLICATE_ARCHIVE_NO" else r
            for i, r in zip(exc.issues, _row_errors(new, exc.issues), strict=True)
        )
        return
    if current is None:
        report.created += 1
    else:
        report.updated += 1


def _new(h: LedgerHousehold) -> household_service.NewHousehold:
    return household_service.NewHousehold(
        union_id=h.union_id,
        archive_no=h.archive_no,
        level=h.level,
        category=h.category,
        hardship_reasons=h.reasons,
        region_code=h.region_code,
        members=h.members,
        contact_name=h.contact_name,
        contact_phone=h.contact_phone,
        major_event_casualty=bool(h.major_event_casualty),
        exclusions=h.exclusions or (),
        archived_on=h.archived_on,
    )


async def import_ledger(
    pool: Pool,
    data: bytes,
    *,
    today: date,
    dispatcher: JobDispatcher | None,
    who: ImportContext,
    progress: Progress | None = None,
    limits: WorkbookLimits | None = None,
) -> ImportReport:
    """Import a workbook; raises DomainError only when the file itself is unusable. Each household
    commits on its own, with its audit row (refused rows are reported, not audited: nothing changed).
    The workbook is checked and parsed in a worker thread, so the event loop keeps serving."""
    sheets = await asyncio.to_thread(
        read_workbook,
        data,
        {HOUSEHOLDS: HOUSEHOLD_COLUMNS, MEMBERS: MEMBER_COLUMNS},
        limits,
        {HOUSEHOLDS: OPTIONAL_HOUSEHOLD_COLUMNS},
    )
    household_rows, member_rows = sheets[HOUSEHOLDS], sheets[MEMBERS]
    report = ImportReport()
    households = parse_households(household_rows, report.errors)
    known = {r.cells["archiveNo"] for r in household_rows}
    spoiled = attach_members(member_rows, households, known, report.errors)
    for archive_no in spoiled & set(households):
        households.pop(archive_no)
    report.failed = len(known) - len(households)
    total = len(households)
    for done, new in enumerate(households.values(), start=1):
        await _apply(pool, dispatcher, new, today, report, who)
        if progress is not None:
            progress(done, total)
    return report
