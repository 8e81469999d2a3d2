"""Issue 11, rate limit bypass: `lianxin api` ran uvicorn with proxy headers on, which believes
`X-Forwarded-For` from 127.0.0.1 by default, so an anonymous caller on the host rotated the header
and got a fresh rate-limit key per request. Now uvicorn ignores the header and the application
believes it only from `LIANXIN_TRUSTED_PROXIES`, taking the right-most address that is not a proxy.

Served by the same uvicorn configuration as `lianxin api` (`api_server_config`), on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from gqlws import free_port

from lianxin.core.config import Settings
from lianxin_api.abuse import forwarded_client, trusted_networks
from lianxin_cli.main import api_server_config

QUERY = "{ __typename }"


@contextlib.asynccontextmanager
async def api(settings: Settings, **update: Any) -> AsyncIterator[httpx.AsyncClient]:
    port = free_port()
    config = api_server_config(
        settings.model_copy(update={"host": "127.0.0.1", "port": port, "rate_limit_per_minute": 3, **update})
    )
    config.log_level = "warning"
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(20):
        while not server.started:
            assert not task.done(), task
            await asyncio.sleep(0.02)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            yield client
    finally:
        server.should_exit = True
        await task


@pytest.fixture(autouse=True)
async def one_window() -> None:
    # stay clear of a window boundary so the counts below all land in one minute
    if time.time() % 60 > 50:
        await asyncio.sleep(61 - time.time() % 60)


async def _statuses(client: httpx.AsyncClient, forwarded: list[str]) -> list[int]:
    return [
        (await client.post("/graphql", json={"query": QUERY}, headers={"X-Forwarded-For": hop})).status_code
        for hop in forwarded
    ]


@pytest.mark.timeout(40)
async def test_rotating_forwarded_for_from_an_untrusted_peer_counts_against_the_peer(
    settings: Settings, migrated: str
) -> None:
    async with api(settings) as client:
        statuses = await _statuses(client, [f"203.0.113.{i}" for i in range(1, 7)])
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429, 429]


@pytest.mark.timeout(40)
async def test_a_configured_proxy_has_its_forwarded_address_used(settings: Settings, migrated: str) -> None:
    async with api(settings, trusted_proxies="127.0.0.0/8, ::1") as client:
        rotating = await _statuses(client, [f"203.0.113.{i}" for i in range(1, 7)])
        # the client prepends a fake address; the proxy appends the real one: the real one counts
        same_caller = await _statuses(client, [f"198.51.100.{i}, 192.0.2.7" for i in range(1, 5)])
    assert rotating == [200] * 6
    assert same_caller == [200, 200, 200, 429]


@pytest.mark.no_db
def test_the_right_most_untrusted_address_is_the_client() -> None:
    proxies = trusted_networks("10.0.0.0/8, 192.168.1.1")
    assert forwarded_client("10.1.2.3", "1.1.1.1, 2.2.2.2, 192.168.1.1", proxies) == "2.2.2.2"
    assert forwarded_client("10.1.2.3", "10.0.0.5", proxies) == "10.0.0.5"
    assert forwarded_client("10.1.2.3", None, proxies) == "10.1.2.3"
    assert forwarded_client("8.8.8.8", "1.1.1.1", proxies) == "8.8.8.8"  # not a proxy: header ignored
    assert forwarded_client("10.1.2.3", "1.1.1.1", ()) == "10.1.2.3"
    with pytest.raises(ValueError, match="not-an-address"):
        trusted_networks("10.0.0.0/8, not-an-address")
