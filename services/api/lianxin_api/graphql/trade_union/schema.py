"""Union queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from lianxin.core.db import UnitOfWork
from lianxin.core.errors import DomainError
from lianxin.core.ids import expect_global_id
from lianxin.core.pagination import PageRequest, page_from_rows
from lianxin.trade_union import repository as repo
from lianxin.trade_union import service
from lianxin.trade_union.models import TradeUnion
from lianxin_api.context import Info
from lianxin_api.graphql.common import After, Before, Connection, First, Last, MutationInput, make_connection
from lianxin_api.graphql.mutation import run_in_transaction
from lianxin_api.graphql.permissions import require_operation
from lianxin_api.graphql.trade_union.inputs import CreateUnionInput, UpdateUnionInput
from lianxin_api.graphql.trade_union.types import TradeUnionType, UnionPayload
from lianxin_api.graphql.visibility import scope_for


def _bad_input(exc: DomainError) -> GraphQLError:
    issue = exc.issues[0]
    return GraphQLError(issue.message, extensions={"code": issue.code, "field": list(issue.field or ())})


@strawberry.type
class UnionQuery:
    @strawberry.field(
        description="Unions, oldest first; with `parent`, only that union's direct children. UNION_STAFF "
        "sees its union's subtree (a `parent` outside it matches nothing); other roles but ADMIN and "
        "AUDITOR are refused."
    )
    async def unions(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        parent: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="A TradeUnion: list only its direct children."),
        ] = None,
    ) -> Connection[TradeUnionType]:
        require_operation(info, "unions")
        scope = scope_for(info, "TradeUnion")
        try:
            request = PageRequest.parse(first, after, last, before)
            parent_id = expect_global_id(parent, "TradeUnion", "parent") if parent is not None else None
        except DomainError as exc:
            raise _bad_input(exc) from None
        async with info.context.pool.acquire() as conn, request.reading():
            rows = await repo.list_unions_page(
                conn, parent_id, request.after_id, request.first + 1, scope=scope
            )
            total = await repo.count_unions(conn, parent_id, scope=scope)
        page = page_from_rows(rows, request, total)
        return make_connection(page, lambda u: u.id, TradeUnionType.from_model)


@strawberry.type
class UnionMutation:
    @strawberry.mutation(description="Found a union under a parent (ADMIN).")
    async def create_union(self, info: Info, input: MutationInput[CreateUnionInput]) -> UnionPayload:
        require_operation(info, "createUnion")

        async def work(uow: UnitOfWork) -> TradeUnion:
            parent_id = (
                expect_global_id(input.parent_id, "TradeUnion", "parentId") if input.parent_id else None
            )
            new = service.NewUnion(
                name=input.name, kind=input.kind, region_code=input.region_code, parent_id=parent_id
            )
            return await service.create_union(uow, new)

        union, errors = await run_in_transaction(info, work)
        return UnionPayload(union=TradeUnionType.from_model(union) if union else None, errors=errors)

    @strawberry.mutation(
        description="Rename a union or move it with its subtree; cycles are refused (ADMIN)."
    )
    async def update_union(self, info: Info, input: MutationInput[UpdateUnionInput]) -> UnionPayload:
        require_operation(info, "updateUnion")
        move = input.parent_id is not strawberry.UNSET

        async def work(uow: UnitOfWork) -> TradeUnion:
            union_id = expect_global_id(input.id, "TradeUnion", "id")
            parent_id = None
            if move and input.parent_id is not None:
                parent_id = expect_global_id(input.parent_id, "TradeUnion", "parentId")
            return await service.update_union(uow, union_id, input.name, parent_id, move)

        union, errors = await run_in_transaction(info, work)
        return UnionPayload(union=TradeUnionType.from_model(union) if union else None, errors=errors)
