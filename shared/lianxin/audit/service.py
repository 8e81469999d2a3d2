"""Recording the audit trail: mutations (in the mutation's own transaction when it commits, in a
transaction of their own when refused) and unmasked reads of ID numbers (one row per request)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lianxin.audit import repository
from lianxin.audit.caps import MAX_ITEMS, Cut, cap_entry, cap_value
from lianxin.audit.models import OK, Actor, AuditEntry, AuditFilter
from lianxin.core.db import Connection, Pool
from lianxin.core.logs import request_id_var
from lianxin.core.pagination import Page, PageRequest, page_from_rows

# Input keys (lower-cased, any case style) whose values never reach the audit table in clear.
_SECRET_PARTS = ("secret", "password", "token", "apikey", "credential")
_ID_PARTS = ("idnumber", "residentid")
_PHONE_PARTS = ("phone",)


def _mask_middle(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def _mask_value(key: str, value: Any) -> Any:
    folded = key.replace("_", "").lower()
    if isinstance(value, str):
        if any(p in folded for p in _SECRET_PARTS):
            return "***"
        if any(p in folded for p in _ID_PARTS):
            return _mask_middle(value, 4, 4)  # "3710**********1234", as the API shows it
        if any(p in folded for p in _PHONE_PARTS):
            return _mask_middle(value, 3, 4)
        return value
    return mask_input(value)


def mask_input(value: Any) -> Any:
    """A JSON-able copy of a mutation's arguments with secrets, ID numbers and phones masked."""
    if isinstance(value, Mapping):
        return {str(k): _mask_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_input(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


async def start_change_capture(conn: Connection) -> None:
    """From here to the end of the transaction, audited tables stage their changes for the audit row."""
    await repository.start_change_capture(conn)


async def record_mutation(
    conn: Connection,
    actor: Actor,
    operation: str,
    entity_ids: Iterable[str],
    arguments: Mapping[str, Any],
    error_codes: Iterable[str] = (),
) -> AuditEntry:
    """Append one audit row on `conn`: inside the mutation's transaction, so both commit or neither.

    Input and changes are kept within the bounds of `caps` (what was cut is counted in `truncated`)."""
    outcome = list(dict.fromkeys(error_codes)) or [OK]
    changes, change_count = await repository.take_row_changes(conn)
    cut = Cut()
    ids = [cap_value(i, cut) for i in list(dict.fromkeys(entity_ids))[:MAX_ITEMS]]
    input, changes = cap_entry(mask_input(arguments), changes, cut)
    return await repository.insert_audit_entry(
        conn,
        actor,
        cap_value(operation, cut),
        ids,
        input,
        outcome,
        request_id_var.get(),
        changes,
        change_count,
        cut.as_json(),
    )


async def record_refused_mutation(
    pool: Pool,
    actor: Actor,
    operation: str,
    entity_ids: Iterable[str],
    arguments: Mapping[str, Any],
    error_codes: Iterable[str],
) -> AuditEntry:
    """A refused mutation rolled everything back; its audit row commits in a transaction of its own."""
    async with pool.acquire() as conn, conn.transaction():
        return await record_mutation(conn, actor, operation, entity_ids, arguments, error_codes)


async def record_unmasked_reads(pool: Pool, actor: Actor, field: str, member_ids: Iterable[int]) -> None:
    """One access-log row for every member whose `field` a request returned in full."""
    ids = sorted(set(member_ids))
    if not ids:
        return
    async with pool.acquire() as conn:
        await repository.insert_access_log(conn, actor, field, ids, request_id_var.get())


async def list_audit_entries(pool: Pool, f: AuditFilter, request: PageRequest) -> Page[AuditEntry]:
    """Newest first; `last`/`before` pages read toward the oldest entry."""
    async with pool.acquire() as conn, request.reading():
        rows = await repository.list_audit_entries_page(conn, f, request.key(ascending=False), request.limit)
        total = await repository.count_audit_entries(conn, f)
    return page_from_rows(rows, request, total)
