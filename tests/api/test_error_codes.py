"""`extensions.code` on every error (issue 15): syntax errors, validation errors and badly typed
variables carry Apollo's codes over HTTP and websockets; our own codes are left as they are."""

from __future__ import annotations

import pytest
from gqlws import GqlWs, live_server

from lianxin.core.config import Settings

from conftest import GraphQLClient, make_token


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ households(", {}, "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: Int) { unions { totalCount } }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: Int!) { unions(first: $n) { totalCount } }", {"n": "many"}, "BAD_USER_INPUT"),
        ("query($n: Int!) { unions(first: $n) { totalCount } }", {}, "BAD_USER_INPUT"),
        ("{ unions(first: 1, last: 1) { totalCount } }", {}, "INVALID_PAGINATION"),
    ],
)
async def test_every_error_has_a_code(
    gql: GraphQLClient, query: str, variables: dict[str, object], code: str
) -> None:
    body = await gql.raw(query, variables)
    assert body["errors"], body
    assert [e["extensions"]["code"] for e in body["errors"]] == [code] * len(body["errors"]), body


async def test_anonymous_keeps_its_own_code(gql: GraphQLClient) -> None:
    body = await gql.raw("{ households(", token=None)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_websocket_errors_have_codes(settings: Settings, migrated: str) -> None:
    async with live_server(settings) as url:
        ws = await GqlWs.open(url, make_token())
        await ws.send(
            {"id": "1", "type": "subscribe", "payload": {"query": "subscription { events { nope } }"}}
        )
        message = await ws.receive()
        assert message["type"] == "error", message
        assert [e["extensions"]["code"] for e in message["payload"]] == ["GRAPHQL_VALIDATION_FAILED"]
        await ws.close()
