"""An exception raised by a schema extension's hook (not a GraphQLError) leaves strawberry's operation
stage before ErrorCodes and MaskErrors see the result: it must still carry `extensions.code` and, in
production, read "Unexpected error." (an unreachable Redis names its host and port)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from asgi_lifespan import LifespanManager

from lianxin_api.schema import build_schema

from conftest import make_token


def _deep() -> object:
    deep: object = 1
    for _ in range(600):  # read by orjson and json alike; deeper than the gates' walks recurse
        deep = [deep]
    return deep


@pytest.fixture
async def production_client(settings: Any, migrated: str) -> AsyncIterator[httpx.AsyncClient]:
    from lianxin_api.app import create_app

    production = create_app(settings.model_copy(update={"environment": "production"}))
    async with LifespanManager(production) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


BODIES = [
    {"query": "{ __typename }", "operationName": ["x"]},
    {"query": "{ __typename }", "variables": {"x": _deep()}},
]


@pytest.mark.parametrize("body", BODIES)
async def test_production_masks_and_codes_a_failing_hook(
    production_client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    auth = {"Authorization": f"Bearer {make_token()}"}
    response = await production_client.post("/graphql", json=body, headers=auth)
    assert response.status_code == 200
    assert response.json() == {
        "data": None,
        "errors": [{"message": "Unexpected error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}],
    }


@pytest.mark.parametrize("body", BODIES)
async def test_development_codes_a_failing_hook(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    auth = {"Authorization": f"Bearer {make_token()}"}
    errors = (await client.post("/graphql", json=body, headers=auth)).json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["INTERNAL_SERVER_ERROR"]
    assert errors[0]["message"] != "Unexpected error."  # development shows what went wrong


async def test_an_unreachable_allow_list_does_not_name_its_host_in_production() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = aioredis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    production = build_schema(production=True)
    caller = SimpleNamespace(
        principal=object(),
        auth_error=None,
        settings=SimpleNamespace(persisted_queries="allowlist"),
        queue=SimpleNamespace(redis=unreachable),
    )
    try:
        result = await production.execute("{ __typename }", context_value=caller)
    finally:
        await unreachable.aclose()
    assert result.data is None
    assert [e.formatted for e in result.errors or ()] == [
        {"message": "Unexpected error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
    ]
