"""Runs one mutation as one unit of work, turning domain errors into `UserError`s."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from lianxin.core.db import UnitOfWork, unit_of_work
from lianxin.core.errors import DomainError
from lianxin_api.context import Info
from lianxin_api.graphql.common import UserError, user_errors

T = TypeVar("T")


async def run_in_transaction(
    info: Info, work: Callable[[UnitOfWork], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """(result, []) after commit, or (None, errors) with everything rolled back."""
    ctx = info.context
    try:
        async with unit_of_work(ctx.pool, ctx.queue) as uow:
            result = await work(uow)
    except DomainError as exc:
        return None, user_errors(exc)
    return result, []
