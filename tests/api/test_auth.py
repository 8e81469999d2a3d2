"""Every GraphQL call needs a valid bearer token; missing, forged, expired or `alg: none` ones are refused."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from lianxin.core.tokens import AUDIENCE, ISSUER, Role

from conftest import JWT_SECRET, make_token

QUERY = "{ unions(first: 10) { totalCount } }"


def _unsigned(claims: dict[str, Any]) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims = {
        "sub": "x",
        "role": "ADMIN",
        "aud": AUDIENCE,
        "iss": ISSUER,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    claims.update(overrides)
    return claims


BAD_TOKENS = {
    "missing": None,
    "garbage": "not-a-jwt",
    "expired": make_token(ttl=timedelta(seconds=-5)),
    "forged": jwt.encode(_claims(), "some-other-secret-of-sufficient-length-1234", algorithm="HS256"),
    "alg-none": _unsigned(_claims()),
    "wrong-audience": jwt.encode(_claims(aud="someone-else"), JWT_SECRET, algorithm="HS256"),
    "unknown-role": jwt.encode(_claims(role="ROOT"), JWT_SECRET, algorithm="HS256"),
    "hs512": jwt.encode(_claims(), JWT_SECRET, algorithm="HS512"),
}


@pytest.mark.parametrize("kind", sorted(BAD_TOKENS))
async def test_bad_tokens_get_unauthenticated(client: Any, kind: str) -> None:
    token = BAD_TOKENS[kind]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": QUERY}, headers=headers)
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_valid_token_is_accepted(client: Any) -> None:
    response = await client.post(
        "/graphql", json={"query": QUERY}, headers={"Authorization": f"Bearer {make_token(Role.AUDITOR)}"}
    )
    assert response.json() == {"data": {"unions": {"totalCount": 0}}}


async def test_mutations_without_token_write_nothing(client: Any, pool: Any) -> None:
    mutation = 'mutation { createUnion(input: {name: "x", kind: FEDERATION, regionCode: "371000"}) { errors { code } } }'
    response = await client.post("/graphql", json={"query": mutation})
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM trade_union") == 0
