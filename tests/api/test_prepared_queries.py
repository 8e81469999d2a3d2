"""Prepared queries (lianxin_api.executor.prepared): a query the schema accepted before runs without
parsing, validating and gating again, and answers exactly as strawberry's whole `execute` does; any
gate that would refuse, any extension the lane does not know, and every mutation go the whole way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from strawberry.extensions import SchemaExtension

from lianxin.core.db import Pool
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin_api.auth import AuthenticationGate
from lianxin_api.cost import MAX_COST, CostLimit
from lianxin_api.error_codes import ErrorCodes
from lianxin_api.executor import prepared
from lianxin_api.persisted import store
from lianxin_api.schema import Mutation, Query, build_schema, schema

from conftest import make_token
from factories import make_household, make_organization, make_sponsorship, make_union, member_input

PAGE = """query Page($first: Int!, $after: String, $skipMembers: Boolean = false) {
  households(first: $first, after: $after) { totalCount edges { cursor node {
    id archiveNo status members @skip(if: $skipMembers) { name relation idNumber }
    sponsorships { startedOn active sponsor { name } } } } } }"""
DETAIL = """query Detail($id: ID!) { node(id: $id) { ... on Household { id archiveNo status
  members { name relation } incomes { kind monthlyAmount } expenditures { kind annualAmount }
  latestDecision { outcome } } } }"""


@pytest.fixture
def lane(app: Any) -> Iterator[prepared.PreparedDocuments]:
    documents = schema.prepared  # the test application's schema (introspection on, not production)
    documents.enabled = True
    yield documents
    documents.enabled = True


async def _post(client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str) -> Any:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _both_ways(
    client: httpx.AsyncClient,
    lane: prepared.PreparedDocuments,
    query: str,
    variables: dict[str, Any],
    token: str,
) -> Any:
    """The answer the whole way, then through the lane (which must be taken): they must be equal."""
    lane.enabled = False
    whole = await _post(client, query, variables, token)
    lane.enabled = True
    taken = lane.taken
    fast = await _post(client, query, variables, token)
    assert lane.taken == taken + 1, "the prepared path was not taken"
    assert fast == whole
    return fast


async def _world(pool: Pool, gql: Any) -> dict[str, Any]:
    union = await make_union(pool)
    other = await make_union(pool)
    sponsor = await make_organization(pool)
    created = await gql(
        """mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) {
        household { id } errors { code } } }""",
        {
            "input": {
                "unionId": to_global_id("TradeUnion", union.id),
                "archiveNo": "WH2026000001",
                "regionCode": "371002",
                "level": "MUNICIPAL",
                "category": "DEEP",
                "hardshipReasons": ["ILLNESS"],
                "members": [member_input("HEAD"), member_input("SPOUSE", "19820101")],
                "incomes": [{"kind": "WAGE", "monthlyAmount": "600.00", "memberIndex": 0}],
                "expenditures": [{"kind": "MEDICAL", "annualAmount": "18000.00"}],
            }
        },
    )
    household = created["createHousehold"]["household"]["id"]
    bare = await make_household(pool, other.id)
    await make_sponsorship(pool, bare, sponsor.id, date(2026, 1, 5))
    return {"union": union, "other": other, "household": household, "bare": bare, "sponsor": sponsor}


async def test_a_query_answers_through_the_lane_exactly_as_the_whole_way(
    client: httpx.AsyncClient, lane: prepared.PreparedDocuments, pool: Pool, gql: Any
) -> None:
    world = await _world(pool, gql)
    admin = make_token()
    staff = make_token(Role.UNION_STAFF, union_id=world["union"].id)
    sponsor = make_token(Role.SPONSOR, sponsor_id=world["sponsor"].id)
    bare_id = to_global_id("Household", world["bare"])
    for token in (admin, staff, sponsor):  # masking and scope are decided per caller either way
        page = await _both_ways(client, lane, PAGE, {"first": 10}, token)
        await _both_ways(client, lane, PAGE, {"first": 10, "skipMembers": True}, token)
        await _both_ways(client, lane, DETAIL, {"id": world["household"]}, token)
        await _both_ways(client, lane, DETAIL, {"id": bare_id}, token)
    assert page["data"] is None  # a sponsor may not list households: the same refusal both ways
    assert page["errors"][0]["extensions"]["code"] == "FORBIDDEN", page
    # the admin sees both households, the union's staff only its own (out of scope reads as missing)
    assert (await _post(client, PAGE, {"first": 10}, admin))["data"]["households"]["totalCount"] == 2
    staff_view = await _post(client, DETAIL, {"id": bare_id}, staff)
    assert staff_view == {"data": {"node": None}}


async def test_errors_come_back_through_the_lane_with_the_same_codes_and_paths(
    client: httpx.AsyncClient, lane: prepared.PreparedDocuments
) -> None:
    admin = make_token()
    # a variable that does not coerce (BAD_USER_INPUT), a field refusing its argument, a null for a
    # non-null variable
    for variables in ({"first": "ten"}, {"first": 101}, {"first": None}, {"first": -1}):
        body = await _both_ways(client, lane, PAGE, variables, admin)
        assert body["errors"], body
        assert all("code" in e["extensions"] for e in body["errors"]), body


async def test_a_gate_that_would_refuse_sends_the_query_the_whole_way(
    client: httpx.AsyncClient, lane: prepared.PreparedDocuments
) -> None:
    admin = make_token()
    query = "query Named($name: String, $n: Int!) { households(first: $n, filter: {regionCode: $name}) { totalCount } }"
    await _post(client, query, {"name": "371002", "n": 5}, admin)  # accepted: prepared from now on
    taken = lane.taken
    nul = await _post(client, query, {"name": "3710\x0002", "n": 5}, admin)
    assert nul["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", nul
    surrogate = await client.post(
        "/graphql",
        content=b'{"query": "'
        + query.replace('"', '\\"').encode()
        + b'", "variables": {"name": "\\ud800", "n": 5}}',
        headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json"},
    )
    assert surrogate.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", surrogate.text
    nested = "query Costly($n: Int!) { households(first: $n) { edges { node { members { name } } } } }"
    await _post(client, nested, {"n": 5}, admin)
    costly = await _post(client, nested, {"n": MAX_COST}, admin)
    assert costly["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY", costly
    assert lane.taken == taken, "a refused query took the prepared path"
    # and the same documents still take it when nothing refuses
    await _post(client, query, {"name": "371002", "n": 5}, admin)
    assert lane.taken == taken + 1


async def test_the_authentication_and_allow_list_gates_are_asked_on_every_prepared_query(
    redis_client: aioredis.Redis,
) -> None:
    documents = schema.prepared
    query = "query Typename { __typename }"
    caller = SimpleNamespace(principal=object(), auth_error=None)
    assert (await schema.execute(query, context_value=caller)).data == {"__typename": "Query"}
    taken = documents.taken
    anonymous = await schema.execute(
        query, context_value=SimpleNamespace(principal=None, auth_error="no token")
    )
    assert anonymous.data is None
    assert anonymous.errors is not None
    assert anonymous.errors[0].extensions == {"code": "UNAUTHENTICATED"}
    assert anonymous.errors[0].message == "no token"
    listed = SimpleNamespace(
        principal=object(),
        auth_error=None,
        settings=SimpleNamespace(persisted_queries="allowlist"),
        queue=SimpleNamespace(redis=redis_client),
    )
    refused = await schema.execute(query, context_value=listed)
    assert refused.errors is not None
    assert refused.errors[0].extensions == {"code": "PERSISTED_QUERY_NOT_ALLOWED"}
    assert documents.taken == taken
    await store.allow(redis_client, query)
    allowed = await schema.execute(query, context_value=listed)
    assert allowed.data == {"__typename": "Query"}
    assert documents.taken == taken + 1
    await redis_client.flushdb()  # taken off the list: refused again, on the next request
    again = await schema.execute(query, context_value=listed)
    assert again.errors is not None
    assert again.errors[0].extensions == {"code": "PERSISTED_QUERY_NOT_ALLOWED"}


async def test_mutations_never_take_the_lane(
    client: httpx.AsyncClient, lane: prepared.PreparedDocuments
) -> None:
    admin = make_token()
    mutation = """mutation($input: CreateUnionInput!) { createUnion(input: $input) { errors { code } } }"""
    taken = lane.taken
    for _ in range(3):
        await _post(client, mutation, {"input": {"name": ""}}, admin)
    assert lane.taken == taken


@pytest.mark.no_db
@pytest.mark.parametrize("production", [False, True])
@pytest.mark.parametrize("introspection", [False, True])
def test_every_extension_of_our_schemas_is_known_to_the_lane(production: bool, introspection: bool) -> None:
    built = build_schema(production=production, introspection=introspection)
    extensions = built.get_extensions()
    assert [prepared.why_closed(type(e)) for e in extensions] == [None] * len(extensions)


class _Counting(SchemaExtension):
    calls = 0

    def on_execute(self) -> Iterator[None]:
        type(self).calls += 1
        yield


@pytest.mark.no_db
def test_an_extension_the_lane_does_not_know_closes_it() -> None:
    class Gate(CostLimit):  # a subclass is a new class: it must be listed to be trusted
        pass

    class Hooked(SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            return _next(root, info, *args, **kwargs)

    class Parsing(ErrorCodes):
        def on_parse(self) -> Iterator[None]:
            yield

    class Operating(AuthenticationGate):  # an operation hook that may act on a clean result
        def on_operation(self) -> Iterator[None]:
            yield

    assert "not known" in (prepared.why_closed(_Counting) or "")
    assert "not known" in (prepared.why_closed(Gate) or "")
    assert prepared.why_closed(Hooked) is not None
    assert prepared.why_closed(Parsing) is not None
    assert prepared.why_closed(Operating) is not None
    with pytest.MonkeyPatch.context() as patch:  # even a listed gate: its on_operation is not known
        patch.setattr(prepared, "GATES", prepared.GATES | {Operating})
        assert "on_operation" in (prepared.why_closed(Operating) or "")
    assert prepared.lane_open((ErrorCodes, AuthenticationGate))
    assert not prepared.lane_open((ErrorCodes, AuthenticationGate, _Counting))


async def test_an_unknown_extension_keeps_running_on_every_operation() -> None:
    from lianxin_api.schema import LianxinSchema

    with_unknown = LianxinSchema(query=Query, mutation=Mutation, extensions=[ErrorCodes, _Counting])
    caller = SimpleNamespace(principal=object(), auth_error=None)
    for _ in range(3):
        assert (await with_unknown.execute("{ __typename }", context_value=caller)).data == {
            "__typename": "Query"
        }
    assert _Counting.calls == 3
    assert with_unknown.prepared.taken == 0
