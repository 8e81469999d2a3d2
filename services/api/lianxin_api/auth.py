"""Who is calling: bearer tokens on HTTP, `connection_init` payloads on websockets."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension

from lianxin.core.tokens import Principal, TokenError, verify_token


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(secret: str, authorization: str | None) -> tuple[Principal | None, str | None]:
    """(principal, None) for a valid token, else (None, a reason safe to show)."""
    token = bearer_token(authorization)
    if token is None:
        return None, "missing bearer token (send `Authorization: Bearer <token>`; see `lianxin token`)"
    try:
        return verify_token(secret, token), None
    except TokenError as exc:
        return None, str(exc)


def authorization_from_params(params: object) -> str | None:
    if isinstance(params, Mapping):
        value = params.get("Authorization") or params.get("authorization")
        return value if isinstance(value, str) else None
    return None


class AuthenticationGate(SchemaExtension):
    """Refuses every operation of an unauthenticated caller before any resolver runs."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if getattr(context, "principal", None) is None:
            reason = getattr(context, "auth_error", None) or "authentication required"
            self.execution_context.result = ExecutionResult(
                data=None, errors=[GraphQLError(reason, extensions={"code": "UNAUTHENTICATED"})]
            )
        yield
