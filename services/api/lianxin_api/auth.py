"""Who is calling: bearer tokens on HTTP, `connection_init` payloads on websockets."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension

from lianxin.api_key.service import find_key_holder, looks_like_api_key
from lianxin.core.db import Pool
from lianxin.core.tokens import Principal, Role, TokenError, verify_token


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class VerifiedTokens:
    """The principals of tokens verified lately, by (secret, token), each until its `exp`.

    A token is a signed, self-contained claim: verifying the same bytes again gives the same answer
    until it expires (PyJWT refuses it from `exp` on, and so does a hit here), so a client that sends
    the same bearer token with every request pays the HMAC and the claim checks once. Only valid tokens
    are kept (a forged or expired one is checked again every time, and never takes a place), at most
    `size` of them, least recently used out first."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, str], Principal] = OrderedDict()

    def verify(self, secret: str, token: str) -> Principal:
        key = (secret, token)
        principal = self._entries.get(key)
        if principal is not None:
            expires = principal.expires_at
            if expires is not None and time.time() < expires.timestamp():
                self._entries.move_to_end(key)
                return principal
            del self._entries[key]
        principal = verify_token(secret, token)  # raises TokenError: nothing is kept
        if principal.expires_at is not None:
            self._entries[key] = principal
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return principal


VERIFIED = VerifiedTokens()


def authenticate(secret: str, authorization: str | None) -> tuple[Principal | None, str | None]:
    """(principal, None) for a valid token, else (None, a reason safe to show)."""
    token = bearer_token(authorization)
    if token is None:
        return None, "missing bearer token (send `Authorization: Bearer <token>`; see `lianxin token`)"
    try:
        return VERIFIED.verify(secret, token), None
    except TokenError as exc:
        return None, str(exc)


async def authenticate_request(
    secret: str, pool: Pool, authorization: str | None
) -> tuple[Principal | None, str | None]:
    """Like `authenticate`, and agency API keys (`lx_…`) too: looked up on every request, never
    cached, so a revoked key stops working at once. A key acts as CIVIL_AFFAIRS for its agency."""
    token = bearer_token(authorization)
    if token is None or not looks_like_api_key(token):
        return authenticate(secret, authorization)
    holder = await find_key_holder(pool, token)
    if holder is None:
        return None, "unknown or revoked API key"
    caller = Principal(
        subject=f"api-key:{holder.key_id}",
        role=Role.CIVIL_AFFAIRS,
        region_code=holder.region_code,
        agency_id=holder.agency_id,
    )
    return caller, None


def authorization_from_params(params: object) -> str | None:
    if isinstance(params, Mapping):
        value = params.get("Authorization") or params.get("authorization")
        return value if isinstance(value, str) else None
    return None


def unauthenticated(reason: str | None) -> GraphQLError:
    return GraphQLError(reason or "authentication required", extensions={"code": "UNAUTHENTICATED"})


class AuthenticationGate(SchemaExtension):
    """Refuses every operation of an unauthenticated caller before any resolver runs.

    HTTP callers without a credential are refused earlier, before parsing
    (`LianxinGraphQL.execute_operation`); this stays for any other way into the schema."""

    def passes(self) -> bool:
        """Whether `on_execute` lets the operation run (the prepared path asks this; executor/prepared.py)."""
        return getattr(self.execution_context.context, "principal", None) is not None

    def on_execute(self) -> Iterator[None]:
        if not self.passes():
            reason = getattr(self.execution_context.context, "auth_error", None)
            self.execution_context.result = ExecutionResult(data=None, errors=[unauthenticated(reason)])
        yield
