"""`lianxin ledger-export FILE` and `lianxin ledger-import FILE`: the ledger (台账) as `.xlsx`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path
from typing import TextIO

from lianxin.audit import service as audit
from lianxin.audit.models import Actor
from lianxin.core.clock import today_in
from lianxin.core.config import Settings
from lianxin.core.db import create_pool
from lianxin.core.errors import DomainError
from lianxin.core.jobs import JobQueue
from lianxin.core.tokens import Principal, Role
from lianxin.ledger import service
from lianxin.ledger.service import ImportContext, ImportReport
from lianxin.ledger.workbook import WorkbookLimits

BAR_WIDTH = 30
# as the API's Member.idNumber resolver records a full ID number it returns
ID_NUMBER_FIELD = "Member.idNumber"


def cli_caller() -> Principal:
    """The operator at the terminal: an ADMIN, named in the audit and access logs as cli:<user>."""
    return Principal(subject=f"cli:{getpass.getuser()}", role=Role.ADMIN)


def cli_actor() -> Actor:
    """The operator at the terminal, as the audit log names them."""
    caller = cli_caller()
    return Actor(subject=caller.subject, role=caller.role.value)


def progress_bar(out: TextIO) -> service.Progress:
    """A one-line text bar, redrawn in place: [#####.....]  120/500."""

    def show(done: int, total: int) -> None:
        filled = BAR_WIDTH * done // max(total, 1)
        out.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:>6}/{total}")
        if done == total:
            out.write("\n")
        out.flush()

    return show


async def export_workbook(settings: Settings) -> bytes:
    """The whole ledger; its members' full ID numbers are in the access log before the bytes are back."""
    pool = await create_pool(settings.require_database_url(), max_size=2)
    try:
        async with pool.acquire() as conn:
            exported = await service.export_ledger(conn)
        await audit.record_unmasked_reads(pool, cli_actor(), ID_NUMBER_FIELD, exported.member_ids)
        return exported.content
    finally:
        await pool.close()


async def import_workbook(settings: Settings, data: bytes, out: TextIO) -> ImportReport:
    """Import a workbook, drawing the progress bar on `out`."""
    pool = await create_pool(settings.require_database_url(), max_size=2)
    queue = await JobQueue.connect(settings.require_redis_url()) if settings.redis_url else None
    try:
        report = await service.import_ledger(
            pool,
            data,
            today=today_in(settings.timezone),
            dispatcher=queue,
            who=ImportContext(caller=cli_caller(), operation="ledger-import"),
            progress=progress_bar(out),
            limits=WorkbookLimits(max_unpacked_bytes=settings.workbook_max_unpacked_bytes),
        )
    finally:
        await pool.close()
        if queue:
            await queue.close()
    return report


def cmd_ledger_export(args: argparse.Namespace, settings: Settings) -> int:
    data = asyncio.run(export_workbook(settings))
    Path(args.path).write_bytes(data)
    print(f"wrote {args.path} ({len(data)} bytes)")
    return 0


def cmd_ledger_import(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.path)
    try:
        report = asyncio.run(import_workbook(settings, path.read_bytes(), sys.stderr))
    except DomainError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 2
    print(
        f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
        f"refused {report.failed}"
    )
    for e in report.errors:
        print(f"  {e.sheet} row {e.row} {e.column or ''}: {e.code} {e.message}", file=sys.stderr)
    if report.errors:
        path.with_suffix(".errors.xlsx").write_bytes(service.error_report(report.errors))
        print(f"error report: {path.with_suffix('.errors.xlsx')}", file=sys.stderr)
    return 1 if report.failed else 0
