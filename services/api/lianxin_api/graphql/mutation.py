"""Runs one mutation as one unit of work, turning domain errors into `UserError`s; audits it either way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from lianxin.audit import service as audit
from lianxin.core.db import UnitOfWork, unit_of_work
from lianxin.core.errors import DomainError
from lianxin_api.context import Info
from lianxin_api.graphql.audit import recording
from lianxin_api.graphql.common import UserError, user_errors

T = TypeVar("T")


async def run_in_transaction(
    info: Info, work: Callable[[UnitOfWork], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """(result, []) after commit, or (None, errors) with everything rolled back.

    The audit row of a committed mutation is written in its transaction; a refused one gets its row
    in a transaction of its own (the mutation's rolled back)."""
    ctx = info.context
    who, operation, args = recording.actor(info), info.field_name, recording.arguments(info)
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
