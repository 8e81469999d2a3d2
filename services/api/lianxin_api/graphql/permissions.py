"""Role checks shared by resolvers. The full role × field matrix is enforced in later work (issue 6)."""

from __future__ import annotations

from graphql import GraphQLError

from lianxin.core.tokens import Principal, Role
from lianxin_api.context import Info


def principal(info: Info) -> Principal:
    caller = info.context.principal
    if caller is None:  # the authentication gate normally stops these before any resolver runs
        raise GraphQLError("authentication required", extensions={"code": "UNAUTHENTICATED"})
    return caller


def require_role(info: Info, *roles: Role) -> Principal:
    caller = principal(info)
    if caller.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise GraphQLError(
            f"this operation needs one of the roles {allowed}", extensions={"code": "FORBIDDEN"}
        )
    return caller
