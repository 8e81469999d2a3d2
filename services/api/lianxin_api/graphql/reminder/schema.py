"""`reminders`: the reminders the worker's scan raised, within the caller's scope."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from lianxin.core.errors import DomainError
from lianxin.core.ids import expect_global_id
from lianxin.core.pagination import PageRequest, page_from_rows
from lianxin.reminder import repository as repo
from lianxin.reminder.models import ReminderKind
from lianxin_api.context import Info
from lianxin_api.graphql.common import After, Before, Connection, First, Last, make_connection
from lianxin_api.graphql.permissions import require_operation
from lianxin_api.graphql.reminder.types import ReminderType
from lianxin_api.graphql.selection import selected_paths
from lianxin_api.graphql.visibility import scope_for


def _scoped(info: Info, wanted: repo.ReminderFilter) -> repo.ReminderFilter:
    """Narrow the filter to what the caller may see (`lianxin.access`): a union's subtree, or a
    sponsor's own pairings (only festival reminders carry a pairing, so a sponsor gets those only)."""
    scope = scope_for(info, "Reminder")
    return repo.ReminderFilter(
        wanted.kind,
        wanted.period,
        wanted.household_id,
        union_id=scope.union_root,
        sponsor_id=scope.sponsor_id,
    )


@strawberry.type
class ReminderQuery:
    @strawberry.field(
        description="Reminders raised by the worker's hourly scan, oldest first: ADMIN and AUDITOR see all, "
        "UNION_STAFF those of households in its union's subtree, a SPONSOR the festival visits of its "
        "own pairings."
    )
    async def reminders(
        self,
        info: Info,
        kind: Annotated[
            ReminderKind | None, strawberry.argument(description="Only reminders of this kind.")
        ] = None,
        period: Annotated[
            str | None, strawberry.argument(description="Only this period, e.g. 2026Q4 or 2026-R3.")
        ] = None,
        household_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this Household's reminders.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ReminderType]:
        require_operation(info, "reminders")
        try:
            request = PageRequest.parse(first, after, last, before)
            household = expect_global_id(household_id, "Household", "householdId") if household_id else None
        except DomainError as exc:
            issue = exc.issues[0]
            raise GraphQLError(issue.message, extensions={"code": issue.code}) from None
        wanted = _scoped(info, repo.ReminderFilter(kind, period.strip() if period else None, household))
        async with info.context.pool.acquire() as conn, request.reading():
            rows = await repo.list_reminders_page(conn, wanted, request.after_id, request.first + 1)
            # not asked for: never serialised
            total = await repo.count_reminders(conn, wanted) if "totalCount" in selected_paths(info) else 0
        page = page_from_rows(rows, request, total)
        return make_connection(page, lambda r: r.id, ReminderType.from_model)
