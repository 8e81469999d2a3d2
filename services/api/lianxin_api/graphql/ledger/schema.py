"""The ledger (台账) as `.xlsx` over GraphQL: the workbook travels base64-encoded in a string, or as a
file in a multipart request (`importLedgerFile`)."""

from __future__ import annotations

import base64
import binascii
import dataclasses
from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from lianxin.core.clock import today_in
from lianxin.core.errors import DomainError
from lianxin.ledger import service
from lianxin.ledger.rows import RowError
from lianxin.ledger.workbook import WorkbookLimits
from lianxin_api.context import Info
from lianxin_api.graphql.audit.access import note_unmasked_reads
from lianxin_api.graphql.common import MutationInput, UserError, user_errors
from lianxin_api.graphql.permissions import principal, require_operation
from lianxin_api.graphql.visibility import scope_for

MAX_BYTES = 20 * 1024 * 1024


@strawberry.type(name="LedgerRowError", description="A refused cell or row of an imported workbook.")
class LedgerRowErrorType:
    sheet: str = strawberry.field(description="The worksheet's name.")
    row: int = strawberry.field(description="The sheet's row number as Excel shows it (header = 1).")
    column: str | None = strawberry.field(
        description="The column's header; null when the whole row is refused."
    )
    code: str = strawberry.field(description="Stable machine-readable code, as in UserError.code.")
    message: str = strawberry.field(description="A sentence for people.")

    @classmethod
    def from_model(cls, e: RowError) -> LedgerRowErrorType:
        return cls(sheet=e.sheet, row=e.row, column=e.column, code=e.code, message=e.message)


@strawberry.type(name="LedgerImportPayload", description="Result of importLedger or importLedgerFile.")
class LedgerImportPayload:
    created: int = strawberry.field(description="Households archived from new archive numbers.")
    updated: int = strawberry.field(description="Known households updated.")
    unchanged: int = strawberry.field(description="Known households identical to the workbook, left alone.")
    failed: int = strawberry.field(description="Households refused; see rowErrors.")
    row_errors: list[LedgerRowErrorType] = strawberry.field(
        description="Every refused cell or row; the other households were imported."
    )
    error_report: str | None = strawberry.field(description="The row errors as a base64 .xlsx workbook.")
    errors: list[UserError] = strawberry.field(description="Set when the file itself is unusable.")


@strawberry.input(name="ImportLedgerInput", description="A ledger workbook (台账) to import.")
class ImportLedgerInput:
    content: str = strawberry.field(description="The .xlsx workbook, base64-encoded.")


def _failed(exc: DomainError) -> LedgerImportPayload:
    return LedgerImportPayload(
        created=0, updated=0, unchanged=0, failed=0, row_errors=[], error_report=None, errors=user_errors(exc)
    )


@strawberry.type
class LedgerQuery:
    @strawberry.field(
        description="The whole ledger as a base64 .xlsx workbook: sheets `households` and `members`; "
        "for UNION_STAFF, the households of its union's subtree only. Every cell is text (never a "
        "formula); each exported member's ID number is recorded in the access log as an unmasked read."
    )
    async def ledger_export(self, info: Info) -> str:
        require_operation(info, "ledgerExport")
        scope = scope_for(info, "Household")
        async with info.context.pool.acquire() as conn:
            exported = await service.export_ledger(conn, scope)
        # full ID numbers, as Member.idNumber gives them: logged before the response leaves (fails closed)
        note_unmasked_reads(info.context, exported.member_ids)
        return base64.b64encode(exported.content).decode("ascii")


async def _import(info: Info, data: bytes, field: str) -> LedgerImportPayload:
    """The import both mutations share, once the workbook's bytes are in hand."""
    if len(data) > MAX_BYTES:
        return _failed(DomainError.single("FILE_TOO_LARGE", "at most 20 MiB", [field]))
    ctx = info.context
    scope_for(info, "Household")  # FORBIDDEN for a caller who sees no household at all
    limits = WorkbookLimits(max_unpacked_bytes=ctx.settings.workbook_max_unpacked_bytes)
    try:
        who = service.ImportContext(caller=principal(info), operation=info.field_name)
        report = await service.import_ledger(
            ctx.pool,
            data,
            today=today_in(ctx.settings.timezone),
            dispatcher=ctx.queue,
            who=who,
            limits=limits,
        )
    except DomainError as exc:
        # the workbook service names the file `content`, the argument importLedger sends it in
        issues = [
            dataclasses.replace(i, field=(field,)) if i.field == ("content",) else i for i in exc.issues
        ]
        return _failed(DomainError(issues))
    rows = [LedgerRowErrorType.from_model(e) for e in report.errors]
    error_report = base64.b64encode(service.error_report(report.errors)).decode() if rows else None
    return LedgerImportPayload(
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        failed=report.failed,
        row_errors=rows,
        error_report=error_report,
        errors=[],
    )


async def _read_upload(file: object) -> bytes | None:
    """The uploaded file's bytes, read up to one byte past the limit; None for anything that is not an
    uploaded file (a client can send any JSON value for an `Upload` variable)."""
    read = getattr(file, "read", None)
    if not callable(read):
        return None
    data = await read(MAX_BYTES + 1)
    return data if isinstance(data, bytes) else None


@strawberry.type
class LedgerMutation:
    @strawberry.mutation(
        description="Import a ledger workbook: new archive numbers are archived, known ones updated, "
        "identical ones left alone; each refused household is reported by sheet, row and column."
    )
    async def import_ledger(self, info: Info, input: MutationInput[ImportLedgerInput]) -> LedgerImportPayload:
        require_operation(info, "importLedger")
        try:
            data = base64.b64decode(input.content, validate=True)
        except (binascii.Error, ValueError):
            return _failed(DomainError.single("INVALID_CONTENT", "content is not base64", ["content"]))
        return await _import(info, data, "content")

    @strawberry.mutation(
        description="importLedger with the workbook sent as a file: a multipart request (GraphQL "
        "multipart request spec) with the `Authorization` header; same payload."
    )
    async def import_ledger_file(
        self,
        info: Info,
        file: Annotated[
            Upload, strawberry.argument(description=f"The .xlsx workbook, at most {MAX_BYTES // 2**20} MiB.")
        ],
    ) -> LedgerImportPayload:
        require_operation(info, "importLedgerFile")
        data = await _read_upload(file)
        if data is None:
            return _failed(DomainError.single("INVALID_UPLOAD", "file is not an uploaded file", ["file"]))
        return await _import(info, data, "file")
