"""Operation checks shared by resolvers: who may call a root field is `lianxin.access.operations`'
to say. A refused mutation is noted for the audit trail (written after execution by the view, see
`graphql.audit.access.flush_audit_notes`)."""

from __future__ import annotations

from graphql import GraphQLError, OperationType

from lianxin.access.operations import allowed_roles, may_perform
from lianxin.core.tokens import Principal
from lianxin_api.context import Info
from lianxin_api.graphql.audit import recording


def principal(info: Info) -> Principal:
    caller = info.context.principal
    if caller is None:  # the authentication gate normally stops these before any resolver runs
        raise GraphQLError("authentication required", extensions={"code": "UNAUTHENTICATED"})
    return caller


def require_operation(info: Info, operation: str) -> Principal:
    """The caller, if the operation table lets its role call `operation` (a root field's GraphQL name);
    FORBIDDEN otherwise, and for a name the table does not know."""
    caller = principal(info)
    roles = allowed_roles(operation)
    if not may_perform(caller, operation):
        allowed = ", ".join(sorted(r.value for r in roles)) or "none"
        raise forbidden(info, f"this operation needs one of the roles {allowed}")
    return caller


def forbidden(info: Info, message: str) -> GraphQLError:
    """The FORBIDDEN error to raise; a refused mutation is also noted for the audit trail."""
    if info.operation.operation is OperationType.MUTATION:
        info.context.forbidden_mutations.append((info.field_name, recording.arguments(info)))
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})
