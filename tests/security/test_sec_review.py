"""What a fresh review of the access work found, each as the request that showed it.

1. `MEMBER_IN_OTHER_HOUSEHOLD` per member on a request bound to fail was a free oracle: 30 candidate ID
   numbers a request told union staff whether a person is on another union's hardship register.
2. A civil-affairs token naming no agency advanced every agency's referrals.
3. Persisted queries remembered documents the server refused (1 MB of whitespace for 7 days).
4. A sponsor read the caseworker's free text on why a pairing ended.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from lianxin.core.tokens import Role

from conftest import make_token
from scope_world import World, api_fixture, scope_world_fixture  # noqa: F401

pytestmark = pytest.mark.no_db

CREATE = """mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) {
  household { id } errors { code field } } }"""
UPDATE_REFERRAL = """mutation($input: UpdateReferralInput!) { updateReferral(input: $input) {
  referral { id status } errors { code message } } }"""


async def _side_b_head(pool: Any) -> str:
    async with pool.acquire() as conn:
        found: str = await conn.fetchval(
            "SELECT m.id_number FROM member m JOIN household h ON h.id = m.household_id "
            "WHERE h.archive_no = 'SCOPE-B' AND m.relation = 'HEAD'"
        )
    return found


def _household(world: World, archive_no: str, id_numbers: list[str], **extra: Any) -> dict[str, Any]:
    members = [
        {
            "name": f"成员{i}",
            "relation": "HEAD" if i == 0 else "OTHER",
            "idNumber": number,
            "health": "HEALTHY",
            "employment": "EMPLOYED",
        }
        for i, number in enumerate(id_numbers)
    ]
    return {
        "unionId": world.unions["A"],
        "archiveNo": archive_no,
        "level": "MUNICIPAL",
        "category": "DEEP",
        "hardshipReasons": ["OTHER"],
        "regionCode": "371002",
        "members": members,
        **extra,
    }


async def test_a_request_bound_to_fail_asks_nothing_about_other_households(
    scope_world: World, api: Any, pool: Any
) -> None:
    # Given union A's staff holding the ID number of a person archived in union B (out of its scope)
    target = await _side_b_head(pool)
    token = scope_world.tokens[Role.UNION_STAFF]
    # When it sends a household that fails for another reason (a future archive date) with that number
    out = await api.raw(
        CREATE, {"input": _household(scope_world, "PROBE-1", [target], archivedOn="2099-01-01")}, token=token
    )
    # Then the answer is about the date only: nothing says the person is registered elsewhere
    codes = [e["code"] for e in out["data"]["createHousehold"]["errors"]]
    assert codes == ["ARCHIVED_IN_FUTURE"]


async def test_a_conflict_names_neither_the_member_nor_the_household(
    scope_world: World, api: Any, pool: Any
) -> None:
    target = await _side_b_head(pool)
    token = scope_world.tokens[Role.UNION_STAFF]

    out = await api.raw(CREATE, {"input": _household(scope_world, "PROBE-2", [target])}, token=token)

    errors = out["data"]["createHousehold"]["errors"]
    assert errors == [{"code": "MEMBER_IN_OTHER_HOUSEHOLD", "field": ["members"]}]


async def test_a_civil_affairs_token_naming_no_agency_advances_no_referral(
    scope_world: World, api: Any
) -> None:
    referral = scope_world.ids["Referral"]["B"]
    no_agency = make_token(Role.CIVIL_AFFAIRS, region_code="370000")

    out = await api.raw(UPDATE_REFERRAL, {"input": {"id": referral, "status": "RECEIVED"}}, token=no_agency)

    payload = out["data"]["updateReferral"]
    assert payload["referral"] is None
    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]
    # the same answer an agency gets for a referral sent to another agency
    other = make_token(Role.CIVIL_AFFAIRS, region_code="370000", agency_id=scope_world.pk("Agency", "A"))
    again = await api.raw(UPDATE_REFERRAL, {"input": {"id": referral, "status": "RECEIVED"}}, token=other)
    assert again["data"]["updateReferral"]["errors"] == payload["errors"]


async def _register(api: Any, token: str, document: str) -> Any:
    digest = hashlib.sha256(document.encode()).hexdigest()
    body = {"query": document, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    response = await api.http.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
    return digest, response


async def test_a_refused_document_is_not_remembered(scope_world: World, api: Any, redis_client: Any) -> None:
    token = scope_world.tokens[Role.SPONSOR]
    too_long = "{ __typename }" + " " * 200_000
    too_many = "query { " + "a: __typename " * 200 + "}"  # over the alias limit

    for document in (too_long, too_many):
        digest, response = await _register(api, token, document)
        assert response.status_code == 200
        assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert await redis_client.get(f"lianxin:apq:{digest}") is None
    # a document the server runs is still remembered
    digest, response = await _register(api, token, "{ __typename }")
    assert response.json() == {"data": {"__typename": "Query"}}
    assert await redis_client.get(f"lianxin:apq:{digest}") is not None


END = """mutation($input: EndSponsorshipInput!) { endSponsorship(input: $input) {
  sponsorship { id } errors { code } } }"""


async def test_a_sponsor_reads_no_case_notes_on_its_ended_pairings(scope_world: World, api: Any) -> None:
    # Given side A's pairing ended by a caseworker with a note (the last test here: it changes the world)
    ended = {"id": scope_world.ids["Sponsorship"]["A"], "endedOn": "2024-06-30", "reason": "户主病故"}
    done = await api.raw(END, {"input": ended}, token=make_token(Role.ADMIN))
    assert done["data"]["endSponsorship"]["errors"] == []
    query = "{ sponsorships(first: 20) { edges { node { id endedOn endReason } } } }"

    sponsor = await api.raw(query, token=scope_world.tokens[Role.SPONSOR])
    admin = await api.raw(query, token=make_token(Role.ADMIN))

    by_admin = {e["node"]["id"]: e["node"]["endReason"] for e in admin["data"]["sponsorships"]["edges"]}
    assert by_admin[ended["id"]] == "户主病故"
    own = [e["node"] for e in sponsor["data"]["sponsorships"]["edges"]]
    assert [(n["id"], n["endedOn"], n["endReason"]) for n in own] == [(ended["id"], "2024-06-30", None)]
