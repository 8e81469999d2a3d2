"""Agency API keys: issued once, stored hashed, usable as a bearer token, refused once revoked."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from lianxin.core.tokens import Role

from conftest import make_token

CREATE_AGENCY = (
    'mutation { createAgency(input: {name: "环翠区民政局", regionCode: "371002"}) { agency { id } } }'
)
CREATE_KEY = """
mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { key apiKey { id agencyId name prefix revokedAt } errors { code field } }
}"""
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { id revokedAt } errors { code } } }"
REFERRALS = "{ referrals(first: 10) { totalCount } }"


@pytest.fixture
async def agency_id(gql: Any) -> str:
    return str((await gql(CREATE_AGENCY))["createAgency"]["agency"]["id"])


async def _issue(gql: Any, agency_id: str) -> dict[str, Any]:
    data = (await gql(CREATE_KEY, {"input": {"agencyId": agency_id, "name": "民政核对系统"}}))["createApiKey"]
    assert data["errors"] == []
    return dict(data)


async def test_a_key_acts_as_its_agency(gql: Any, agency_id: str, pool: Any) -> None:
    issued = await _issue(gql, agency_id)
    key = issued["key"]
    assert key.startswith("lx_")
    assert len(key) == 3 + 43
    assert issued["apiKey"]["prefix"] == key[:11]
    assert issued["apiKey"]["agencyId"] == agency_id
    # a civil-affairs caller without an agency would get FORBIDDEN here
    assert await gql(REFERRALS, token=key) == {"referrals": {"totalCount": 0}}
    # and it stays civil-affairs: no ADMIN verbs
    body = await gql.raw(CREATE_KEY, {"input": {"agencyId": agency_id, "name": "x"}}, token=key)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


async def test_only_a_hash_is_stored_and_the_key_is_never_shown_again(
    gql: Any, agency_id: str, pool: Any
) -> None:
    issued = await _issue(gql, agency_id)
    key = issued["key"]
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM api_key")
        audit = await conn.fetch("SELECT input::text AS input FROM audit_entry")
    assert bytes(row["key_sha256"]) == hashlib.sha256(key.encode()).digest()
    assert key not in str(dict(row))
    assert all(key not in a["input"] for a in audit)
    fields = await gql('{ __type(name: "ApiKey") { fields { name } } }')
    assert sorted(f["name"] for f in fields["__type"]["fields"]) == [
        "agencyId",
        "createdAt",
        "id",
        "name",
        "prefix",
        "revokedAt",
    ]
    revoked = (await gql(REVOKE_KEY, {"id": issued["apiKey"]["id"]}))["revokeApiKey"]
    assert key not in str(revoked)


async def test_a_revoked_key_is_refused_at_once(gql: Any, agency_id: str) -> None:
    issued = await _issue(gql, agency_id)
    assert await gql(REFERRALS, token=issued["key"]) == {"referrals": {"totalCount": 0}}
    revoked = (await gql(REVOKE_KEY, {"id": issued["apiKey"]["id"]}))["revokeApiKey"]
    assert revoked["errors"] == []
    assert revoked["apiKey"]["revokedAt"] is not None
    body = await gql.raw(REFERRALS, token=issued["key"])
    assert body["data"] is None
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
        ("unknown or revoked API key", "UNAUTHENTICATED")
    ]


@pytest.mark.parametrize("mangle", ["unknown", "right-prefix-wrong-rest", "prefix-only"])
async def test_unknown_keys_are_refused(gql: Any, agency_id: str, mangle: str) -> None:
    key = (await _issue(gql, agency_id))["key"]
    bad = {
        "unknown": "lx_" + "A" * 43,
        "right-prefix-wrong-rest": key[:11] + "B" * 35,
        "prefix-only": key[:11],
    }[mangle]
    body = await gql.raw(REFERRALS, token=bad)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("role", [Role.UNION_STAFF, Role.CIVIL_AFFAIRS, Role.AUDITOR, Role.SPONSOR])
async def test_only_admin_issues_keys(gql: Any, agency_id: str, pool: Any, role: Role) -> None:
    body = await gql.raw(CREATE_KEY, {"input": {"agencyId": agency_id, "name": "x"}}, token=make_token(role))
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM api_key") == 0


async def test_unknown_agency_is_a_user_error(gql: Any) -> None:
    from lianxin.core.ids import to_global_id

    data = (await gql(CREATE_KEY, {"input": {"agencyId": to_global_id("Agency", 999), "name": "x"}}))[
        "createApiKey"
    ]
    assert (data["key"], data["errors"]) == (None, [{"code": "NOT_FOUND", "field": ["agencyId"]}])
