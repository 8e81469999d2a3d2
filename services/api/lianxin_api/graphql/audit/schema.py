"""The audit log query (ADMIN and AUDITOR only)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from lianxin.audit import service as audit
from lianxin.audit.models import AuditFilter
from lianxin.core.errors import DomainError
from lianxin.core.pagination import PageRequest
from lianxin_api.context import Info
from lianxin_api.graphql.audit.types import AuditEntryType, AuditFilterInput
from lianxin_api.graphql.common import After, Before, Connection, First, Last, make_connection
from lianxin_api.graphql.permissions import require_operation


@strawberry.type
class AuditQuery:
    @strawberry.field(description="Every mutation, refused ones included, newest first (ADMIN, AUDITOR).")
    async def audit_log(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            AuditFilterInput | None, strawberry.argument(description="Narrows the log; omitted: everything.")
        ] = None,
    ) -> Connection[AuditEntryType]:
        require_operation(info, "auditLog")
        try:
            request = PageRequest.parse(first, after, last, before)
        except DomainError as exc:
            raise GraphQLError(exc.issues[0].message, extensions={"code": exc.issues[0].code}) from None
        criteria = filter.to_model() if filter is not None else AuditFilter()
        page = await audit.list_audit_entries(info.context.pool, criteria, request)
        return make_connection(page, lambda e: e.id, AuditEntryType.from_model)
