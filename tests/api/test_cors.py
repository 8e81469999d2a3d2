"""CORS (issue 15): a web app on another origin can call the API. Preflights are answered 200 with the
allowed origin, methods and headers (they were 405); development allows local web apps on any port,
production none unless `LIANXIN_CORS_ORIGINS` names them; a real headless Chromium makes the
cross-origin call with a bearer token."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from gqlws import serve
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from lianxin.core.config import Settings
from lianxin_api.app import create_app

from conftest import make_token

pytestmark = pytest.mark.no_db


def preflight(origin: str, headers: str = "authorization,content-type") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": headers,
    }


@contextlib.asynccontextmanager
async def client_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A preflight never reaches the application, so no lifespan is needed."""
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        yield client


@pytest.mark.parametrize("origin", ["http://localhost:5173", "http://127.0.0.1:3000", "http://localhost"])
async def test_development_preflight_from_a_local_web_app(settings: Settings, origin: str) -> None:
    async with client_for(settings) as client:
        response = await client.options("/graphql", headers=preflight(origin))
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == origin
    assert response.headers["access-control-allow-credentials"] == "true"
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert "POST" in response.headers["access-control-allow-methods"]


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "http://localhost.evil.example", "https://localhost:5173", "null"]
)
async def test_development_refuses_other_origins(settings: Settings, origin: str) -> None:
    async with client_for(settings) as client:
        response = await client.options("/graphql", headers=preflight(origin))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_production_allows_no_origin_unless_configured(settings: Settings) -> None:
    production = settings.model_copy(update={"environment": "production"})
    async with client_for(production) as client:
        response = await client.options("/graphql", headers=preflight("http://localhost:5173"))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    configured = production.model_copy(
        update={"cors_origins": "https://app.example.org, https://partner.example.net/"}
    )
    async with client_for(configured) as client:
        ok = await client.options("/graphql", headers=preflight("https://partner.example.net"))
        local = await client.options("/graphql", headers=preflight("http://localhost:5173"))
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "https://partner.example.net"
    assert local.status_code == 400  # naming origins replaces the development default


async def test_a_wildcard_is_refused_at_startup(settings: Settings) -> None:
    with pytest.raises(ValueError, match="name the origins"):
        create_app(settings.model_copy(update={"cors_origins": "*"}))


async def test_simple_request_carries_the_origin(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"Origin": "http://localhost:5173", "Authorization": f"Bearer {make_token()}"},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert response.headers["access-control-allow-credentials"] == "true"


PAGE = """<!doctype html><html><body><pre id="out">pending</pre><script>
fetch("%(api)s", {method: "POST", credentials: "include",
  headers: {"Content-Type": "application/json", "Authorization": "Bearer %(token)s"},
  body: JSON.stringify({query: "{ __typename }"})})
  .then(r => r.text()).then(t => { document.getElementById("out").textContent = "OK " + t; })
  .catch(e => { document.getElementById("out").textContent = "FAILED " + e; });
</script></body></html>"""


async def _browser_fetch(app: Any, settings: Settings) -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        pytest.skip("no Chromium on this machine")
    async with serve(app) as api_port:
        page = PAGE % {"api": f"http://127.0.0.1:{api_port}/graphql", "token": make_token()}
        web = Starlette(routes=[Route("/", lambda request: HTMLResponse(page))])
        async with serve(web) as web_port:
            process = await asyncio.create_subprocess_exec(
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--virtual-time-budget=10000",
                "--dump-dom",
                f"http://localhost:{web_port}/",
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
            out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    return out.decode()


async def test_headless_chromium_calls_the_api_from_another_origin(settings: Settings) -> None:
    dom = await _browser_fetch(create_app(settings), settings)
    assert 'OK {"data":{"__typename":"Query"}}' in dom, dom


async def test_headless_chromium_is_stopped_for_an_unlisted_origin(settings: Settings) -> None:
    elsewhere = settings.model_copy(update={"cors_origins": "https://app.example.org"})
    dom = await _browser_fetch(create_app(elsewhere), settings)
    assert "FAILED TypeError" in dom, dom
