"""Requests strawberry refuses before GraphQL runs (no query, JSON that does not parse, an unknown
operation name, a mutation over GET, another method) answer a GraphQL-shaped JSON error with a code, as
every other refusal does, instead of a plain-text line a GraphQL client cannot read."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import make_token

QUERY = "query Q { __typename }"


@pytest.mark.parametrize(
    ("method", "kwargs", "status", "code", "message"),
    [
        (
            "post",
            {"json": {"query": QUERY, "operationName": "Nope"}},
            400,
            "BAD_REQUEST",
            'Unknown operation named "Nope".',
        ),
        (
            "post",
            {"content": b"{broken", "headers": {"Content-Type": "application/json"}},
            400,
            "BAD_REQUEST",
            "Unable to parse request body as JSON",
        ),
        ("post", {"json": {"variables": {}}}, 400, "BAD_REQUEST", "No GraphQL query found in the request"),
        (
            "get",
            {"params": {"query": "mutation M { __typename }"}},
            400,
            "BAD_REQUEST",
            "mutations are not allowed when using GET",
        ),
        (
            "get",
            {"params": {"query": QUERY, "variables": "{broken"}},
            400,
            "BAD_REQUEST",
            "Unable to parse request body as JSON",
        ),
    ],
)
async def test_a_request_that_is_not_graphql_gets_a_coded_json_error(
    client: Any, method: str, kwargs: dict[str, Any], status: int, code: str, message: str
) -> None:
    headers = {"Authorization": f"Bearer {make_token()}", **kwargs.pop("headers", {})}
    response = await getattr(client, method)("/graphql", headers=headers, **kwargs)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}


async def test_an_operation_name_with_a_lone_surrogate_still_gets_json(client: Any) -> None:
    headers = {"Authorization": f"Bearer {make_token()}"}
    response = await client.get(
        "/graphql?query=query%20Q%20%7B%20__typename%20%7D&operationName=%ED%A0%80", headers=headers
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_two_operations_without_an_operation_name_is_a_request_error(client: Any) -> None:
    """The spec's GetOperation (strawberry alone would run the first operation)."""
    headers = {"Authorization": f"Bearer {make_token()}"}
    document = "query A { __typename } query B { unions(first: 1) { totalCount } }"
    response = await client.post("/graphql", json={"query": document}, headers=headers)
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "Must provide operation name if query contains multiple operations.",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ],
    }
    named = await client.post("/graphql", json={"query": document, "operationName": "A"}, headers=headers)
    assert named.json() == {"data": {"__typename": "Query"}}
