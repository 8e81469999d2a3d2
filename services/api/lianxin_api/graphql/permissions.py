"""Role checks shared by resolvers. A refused mutation is noted for the audit trail (written after
execution by the view, see `graphql.audit.access.flush_audit_notes`)."""

from __future__ import annotations

from graphql import GraphQLError, OperationType

from lianxin.core.tokens import Principal, Role
from lianxin_api.context import Info
from lianxin_api.graphql.audit import recording


def principal(info: Info) -> Principal:
    caller = info.context.principal
    if caller is None:  # the authentication gate normally stops these before any resolver runs
        raise GraphQLError("authentication required", extensions={"code": "UNAUTHENTICATED"})
    return caller


def require_role(info: Info, *roles: Role) -> Principal:
    caller = principal(info)
    if caller.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise forbidden(info, f"this operation needs one of the roles {allowed}")
    return caller


def forbidden(info: Info, message: str) -> GraphQLError:
    """The FORBIDDEN error to raise; a refused mutation is also noted for the audit trail."""
    if info.operation.operation is OperationType.MUTATION:
        info.context.forbidden_mutations.append((info.field_name, recording.arguments(info)))
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})
