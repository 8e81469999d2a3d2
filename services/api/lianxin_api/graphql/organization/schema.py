"""Organization queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from lianxin.core.db import UnitOfWork
from lianxin.core.errors import DomainError
from lianxin.core.ids import expect_global_id
from lianxin.core.pagination import PageRequest, page_from_rows
from lianxin.organization import repository as repo
from lianxin.organization import service
from lianxin.organization.models import Organization, OrganizationKind
from lianxin_api.context import Info
from lianxin_api.graphql.common import After, Before, Connection, First, Last, MutationInput, make_connection
from lianxin_api.graphql.mutation import run_in_transaction
from lianxin_api.graphql.organization.types import (
    CreateOrganizationInput,
    OrganizationPayload,
    OrganizationType,
)
from lianxin_api.graphql.permissions import require_operation
from lianxin_api.graphql.visibility import scope_for


@strawberry.type
class OrganizationQuery:
    @strawberry.field(
        description="Organizations, oldest first, optionally of one union and/or kind. A SPONSOR sees "
        "only itself; CIVIL_AFFAIRS is refused."
    )
    async def organizations(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        union_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only organizations of this TradeUnion.")
        ] = None,
        kind: Annotated[
            OrganizationKind | None, strawberry.argument(description="Only organizations of this kind.")
        ] = None,
    ) -> Connection[OrganizationType]:
        require_operation(info, "organizations")
        scope = scope_for(info, "Organization")
        try:
            request = PageRequest.parse(first, after, last, before)
            union_pk = expect_global_id(union_id, "TradeUnion", "unionId") if union_id is not None else None
        except DomainError as exc:
            issue = exc.issues[0]
            raise GraphQLError(issue.message, extensions={"code": issue.code}) from None
        async with info.context.pool.acquire() as conn, request.reading():
            rows = await repo.list_organizations_page(
                conn, union_pk, kind, request.after_id, request.first + 1, scope=scope
            )
            total = await repo.count_organizations(conn, union_pk, kind, scope=scope)
        return make_connection(
            page_from_rows(rows, request, total), lambda o: o.id, OrganizationType.from_model
        )


@strawberry.type
class OrganizationMutation:
    @strawberry.mutation(description="Register a member unit, employer or sponsor (ADMIN, UNION_STAFF).")
    async def create_organization(
        self, info: Info, input: MutationInput[CreateOrganizationInput]
    ) -> OrganizationPayload:
        require_operation(info, "createOrganization")

        async def work(uow: UnitOfWork) -> Organization:
            union_pk = expect_global_id(input.union_id, "TradeUnion", "unionId") if input.union_id else None
            new = service.NewOrganization(
                name=input.name,
                credit_code=input.credit_code,
                kind=input.kind,
                union_id=union_pk,
                region_code=input.region_code,
            )
            return await service.create_organization(uow, new)

        org, errors = await run_in_transaction(info, work)
        return OrganizationPayload(
            organization=OrganizationType.from_model(org) if org else None, errors=errors
        )
