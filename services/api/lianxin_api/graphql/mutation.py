"""Runs one mutation as one unit of work, turning domain errors into `UserError`s; audits it either way.

Before any work, every record the input names by global id must be one the caller may see (DESIGN.md §7):
a UNION_STAFF cannot touch another subtree's household by guessing its id. A record outside the caller's
scope is refused exactly like one that does not exist, so the answer tells an outsider nothing."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from lianxin.access.roles import sees_everything
from lianxin.audit import service as audit
from lianxin.core.db import UnitOfWork, unit_of_work
from lianxin.core.errors import DomainError
from lianxin_api.context import Info
from lianxin_api.graphql.audit import recording
from lianxin_api.graphql.common import UserError, user_errors
from lianxin_api.graphql.visibility import REFERENCE_LOADERS, load_visible

T = TypeVar("T")


def _not_found(path: tuple[str, ...], kind: str) -> UserError:
    """The error a missing record gets: `householdId` → HOUSEHOLD_NOT_FOUND, `id` → NOT_FOUND."""
    key = next((p for p in reversed(path) if not p.isdigit()), "id")
    stem = re.sub(r"(^i|I)ds?$", "", key)
    code = re.sub(r"(?<!^)(?=[A-Z])", "_", stem).upper() + "_NOT_FOUND" if stem else "NOT_FOUND"
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", stem or kind).lower()
    field = [p for p in path if p != "input"] or ["id"]
    return UserError(field=field, code=code, message=f"the {words} does not exist")


async def unseen_references(info: Info, args: Mapping[str, Any]) -> list[UserError]:
    """A NOT_FOUND error for each record named in `args` that does not exist or that the caller may not
    see; nothing for callers who see everything (their mutations report missing records themselves)."""
    caller = info.context.principal
    if caller is None or sees_everything(caller):
        return []
    errors = []
    for path, _, kind, pk in recording.ids_in_input(args):
        if kind in REFERENCE_LOADERS and await load_visible(info, kind, pk) is None:
            errors.append(_not_found(path, kind))
    return errors


async def run_in_transaction(
    info: Info, work: Callable[[UnitOfWork], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """(result, []) after commit, or (None, errors) with everything rolled back.

    The audit row of a committed mutation is written in its transaction; a refused one gets its row
    in a transaction of its own (the mutation's rolled back)."""
    ctx = info.context
    who, operation, args = recording.actor(info), info.field_name, recording.arguments(info)
    unseen = await unseen_references(info, args)
    if unseen:
        codes = [e.code for e in unseen]
        await audit.record_refused_mutation(ctx.pool, who, operation, recording.entity_ids(args), args, codes)
        return None, unseen
    try:
        async with unit_of_work(ctx.pool, ctx.queue) as uow:
            await audit.start_change_capture(uow.conn)
            result = await work(uow)
            await audit.record_mutation(uow.conn, who, operation, recording.entity_ids(args, result), args)
    except DomainError as exc:
        codes = [issue.code for issue in exc.issues]
        await audit.record_refused_mutation(ctx.pool, who, operation, recording.entity_ids(args), args, codes)
        return None, user_errors(exc)
    return result, []
