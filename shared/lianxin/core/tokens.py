"""Staff bearer tokens: HS256 JWTs carrying a role and its scopes (DESIGN.md §7)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt

ALGORITHM = "HS256"  # pinned: a token naming any other algorithm (or "none") is refused
AUDIENCE = "lianxin-api"
ISSUER = "lianxin"
DEFAULT_TTL = timedelta(hours=12)


class Role(StrEnum):
    ADMIN = "ADMIN"
    UNION_STAFF = "UNION_STAFF"
    CIVIL_AFFAIRS = "CIVIL_AFFAIRS"
    SPONSOR = "SPONSOR"
    AUDITOR = "AUDITOR"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, and the scope their role is limited to."""

    subject: str
    role: Role
    union_id: int | None = None
    region_code: str | None = None
    agency_id: int | None = None
    sponsor_id: int | None = None
    # when the credential stops being valid (a JWT's `exp`; None for API keys, checked in the database):
    # open websockets are closed then. Not part of who the caller is, so not compared.
    expires_at: datetime | None = field(default=None, compare=False)


class TokenError(Exception):
    """The token is missing, malformed, forged or expired; the message is safe to show."""


def issue_token(secret: str, principal: Principal, *, now: datetime, ttl: timedelta = DEFAULT_TTL) -> str:
    claims: dict[str, object] = {
        "sub": principal.subject,
        "role": principal.role.value,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    for key, value in (
        ("union", principal.union_id),
        ("region", principal.region_code),
        ("agency", principal.agency_id),
        ("sponsor", principal.sponsor_id),
    ):
        if value is not None:
            claims[key] = value
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def _optional_int(claims: dict[str, object], key: str) -> int | None:
    value = claims.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TokenError(f"claim {key!r} must be an integer")
    return value


def verify_token(secret: str, token: str) -> Principal:
    try:
        claims: dict[str, object] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("the token has expired") from None
    except jwt.PyJWTError as exc:
        raise TokenError(f"the token is invalid ({exc})") from None
    try:
        role = Role(str(claims.get("role")))
    except ValueError:
        raise TokenError("the token carries no valid role") from None
    region = claims.get("region")
    exp = claims["exp"]  # PyJWT has checked it is a number in the future
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        raise TokenError("claim 'exp' must be a number")
    return Principal(
        subject=str(claims["sub"]),
        role=role,
        union_id=_optional_int(claims, "union"),
        region_code=str(region) if region is not None else None,
        agency_id=_optional_int(claims, "agency"),
        sponsor_id=_optional_int(claims, "sponsor"),
        expires_at=datetime.fromtimestamp(exp, UTC),
    )
