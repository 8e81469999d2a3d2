"""GraphiQL works with no internet: Debian's headless Chromium, whose only reachable address is loopback,
opens /graphql on a live server, types a token into the headers pane, runs a query (HTTP) and a
subscription (graphql-transport-ws), and sees both results; the page loaded nothing from anywhere else.

Chromium is driven over the DevTools protocol with the `websockets` package we already use, so the test
needs no npm package of its own; the bundle comes from `services/api/graphiql` (`make install`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from asgi_lifespan import LifespanManager
from gqlws import serve
from websockets.asyncio.client import ClientConnection, connect

from lianxin.core.config import Settings
from lianxin_api import graphiql

from conftest import make_token
from node_tools import ROOT, npm_ci, require, run

BUILD_PROJECT = ROOT / "services" / "api" / "graphiql"
pytestmark = pytest.mark.timeout(300)  # the first test builds the bundle if `make install` has not

CHROMIUM_HINT = "apt-get install chromium (make install does it as root)"
CREATE_UNION = """mutation($name: String!) {
  createUnion(input: {name: $name, kind: FEDERATION, regionCode: "371000"}) { errors { code } } }"""


@pytest.fixture(scope="module")
def bundle() -> None:
    """The GraphiQL bundle, built as `make install` builds it when a test runs without that."""
    if not graphiql.bundled_files():
        npm_ci(BUILD_PROJECT)
        run([require("npm", hint="install Node.js 20+ with npm"), "run", "build"], BUILD_PROJECT, 120)
    assert graphiql.bundled_files(), "npm run build produced no bundle"


class DevTools:
    """The DevTools protocol on one page: commands, and every event kept for the assertions."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next = 0
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            if "id" in message:
                self._waiting.pop(message["id"]).set_result(message)
            else:
                self.events.append(message)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[self._next] = future
        await self.ws.send(json.dumps({"id": self._next, "method": method, "params": params}))
        async with asyncio.timeout(20):
            reply = await future
        assert "error" not in reply, reply
        result: dict[str, Any] = reply["result"]
        return result

    async def evaluate(self, expression: str) -> Any:
        reply = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in reply, reply["exceptionDetails"]
        return reply["result"].get("value")

    async def wait_for(self, expression: str, within: float = 30) -> Any:
        try:
            async with asyncio.timeout(within):
                while True:  # the page's state lives in the browser: poll it
                    if value := await self.evaluate(expression):
                        return value
                    await asyncio.sleep(0.1)
        except TimeoutError:
            shown = await self.evaluate(SHOWN)
            raise TimeoutError(f"{expression} within {within}s; the page shows {shown}") from None

    async def type_into(self, editor: str, text: str) -> None:
        """Replaces the text of a CodeMirror editor as a person would: focus, select all, type."""
        await self.evaluate(f"(e => {{ e.focus(); e.execCommand('selectAll'); }})({editor})")
        await self.send("Input.insertText", text=text)

    async def close(self) -> None:
        self._reader.cancel()
        await self.ws.close()


@contextlib.contextmanager
def chromium(profile: Path) -> Iterator[str]:
    """Headless Chromium with the network cut: every host but loopback resolves to nothing, and any
    other connection goes to a proxy that does not exist; yields the page's DevTools socket URL."""
    binary = require("chromium", "chromium-browser", hint=CHROMIUM_HINT)
    flags = [
        "--headless",
        "--no-sandbox",  # root on CI
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--proxy-server=http://127.0.0.1:1",  # loopback bypasses a proxy; nothing else gets anywhere
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--window-size=1280,900",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        "about:blank",
    ]
    process = subprocess.Popen([binary, *flags], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        for _ in range(300):
            if port_file.exists() and port_file.read_text().count("\n") >= 1:
                break
            assert process.poll() is None, f"chromium exited with {process.returncode}"
            time.sleep(0.05)
        port = port_file.read_text().split("\n")[0]
        targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        yield next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[DevTools]:
    with chromium(tmp_path / "profile") as url:
        async with connect(url, max_size=None) as ws:
            page = DevTools(ws)
            for domain in ("Network", "Page", "Runtime", "Log"):
                await page.send(f"{domain}.enable")
            yield page
            await page.close()


EDITOR = "document.querySelector({!r}).CodeMirror"
QUERY_EDITOR = EDITOR.format("section.graphiql-query-editor .CodeMirror")
RESULT = EDITOR.format("section.result-window .CodeMirror")
HEADERS_EDITOR = (
    "[...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')].map(e => e.CodeMirror)"
    ".find(cm => cm.getValue().includes('Authorization'))"
)
SHOWN = "[...document.querySelectorAll('.CodeMirror')].map(e => e.CodeMirror.getValue()) + document.body.innerText"
TITLED = "document.querySelector('.graphiql-session-header').innerText.includes('{}')"
RUN = "document.querySelector('.graphiql-execute-button').click()"


async def test_graphiql_runs_a_query_and_a_subscription_with_no_internet(
    bundle: None, browser: DevTools, settings: Settings, migrated: str
) -> None:
    from lianxin_api.app import create_app

    async with serve(create_app(settings)) as port:
        origin = f"127.0.0.1:{port}"
        api = httpx.AsyncClient(
            base_url=f"http://{origin}", headers={"Authorization": f"Bearer {make_token()}"}
        )
        assert (
            await api.post("/graphql", json={"query": CREATE_UNION, "variables": {"name": "连心总工会"}})
        ).json()["data"]["createUnion"]["errors"] == []

        # Given GraphiQL opened in a browser that can reach nothing but this server
        await browser.send("Page.navigate", url=f"http://{origin}/graphql")
        await browser.wait_for(f"!!document.querySelector('.graphiql-container') && !!({HEADERS_EDITOR})")
        assert "Bearer PASTE-A-TOKEN-HERE" in await browser.evaluate(f"({HEADERS_EDITOR}).getValue()")

        # When a developer pastes a token into the headers pane and runs a query
        await browser.type_into(
            f"({HEADERS_EDITOR})", json.dumps({"Authorization": f"Bearer {make_token()}"})
        )
        await browser.type_into(
            QUERY_EDITOR, "query Unions { unions { totalCount edges { node { name } } } }"
        )
        await browser.wait_for(TITLED.format("Unions"))  # GraphiQL has read the operation's name
        await browser.evaluate(RUN)
        # Then the result pane shows the data
        shown = await browser.wait_for(
            f"({RESULT}).getValue().includes('totalCount') && ({RESULT}).getValue()"
        )
        assert json.loads(shown) == {
            "data": {"unions": {"totalCount": 1, "edges": [{"node": {"name": "连心总工会"}}]}}
        }

        # And a subscription streams over graphql-transport-ws with the same headers
        await browser.type_into(
            QUERY_EDITOR, 'subscription Live { events(types: ["union.created"]) { type payload } }'
        )
        await browser.wait_for(TITLED.format("Live"))
        await browser.evaluate(RUN)
        # `after: null` starts "from now", which a client cannot observe: create unions until one shows
        async with asyncio.timeout(30):
            for attempt in range(60):
                variables = {"name": f"新工会{attempt}"}
                await api.post("/graphql", json={"query": CREATE_UNION, "variables": variables})
                with contextlib.suppress(TimeoutError):
                    await browser.wait_for(f"({RESULT}).getValue().includes('union.created')", within=0.5)
                    break
        streamed = json.loads(await browser.evaluate(f"({RESULT}).getValue()"))
        assert streamed["data"]["events"]["type"] == "union.created"
        assert streamed["data"]["events"]["payload"]["name"].startswith("新工会")
        await browser.evaluate(RUN)  # the button stops the subscription
        await api.aclose()

    # Nothing was loaded from, or opened towards, anywhere but this server
    urls = [
        e["params"]["request"]["url"] for e in browser.events if e["method"] == "Network.requestWillBeSent"
    ]
    urls += [e["params"]["url"] for e in browser.events if e["method"] == "Network.webSocketCreated"]
    assert f"http://{origin}/graphiql/assets/graphiql.js" in urls
    assert f"ws://{origin}/graphql" in urls
    elsewhere = [
        u for u in urls if urlsplit(u).scheme not in {"data", "blob"} and urlsplit(u).netloc != origin
    ]
    assert elsewhere == []
    # ... and the page broke no rule of its Content-Security-Policy, threw nothing
    problems = [e for e in browser.events if e["method"] == "Runtime.exceptionThrown"]
    problems += [
        e
        for e in browser.events
        if e["method"] == "Log.entryAdded" and e["params"]["entry"]["source"] == "security"
    ]
    assert problems == []


@pytest.fixture
def no_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graphiql, "ASSETS", tmp_path / "not-built")


@pytest.mark.no_db
async def test_without_the_bundle_the_page_says_how_to_build_it(
    no_bundle: None, client: httpx.AsyncClient
) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "GraphiQL is not built" in page.text
    assert "npm ci &amp;&amp; npm run build" in page.text
    assert "<script" not in page.text  # nothing that would wait for a file that is not there
    assert (await client.get("/graphiql/assets/graphiql.js")).status_code == 404


@pytest.mark.no_db
async def test_only_the_bundles_own_files_are_served(bundle: None, client: httpx.AsyncClient) -> None:
    script = await client.get("/graphiql/assets/graphiql.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert "/graphiql/assets/graphiql.js" in page.text
    assert "http" not in page.text  # no absolute address: nothing from another host
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    for name in ("manifest.json", "../graphiql.py", "..%2Fgraphiql.py", "%2e%2e/app.py"):
        assert (await client.get(f"/graphiql/assets/{name}")).status_code == 404


@pytest.mark.no_db
async def test_production_serves_neither_page_nor_assets(
    bundle: None, settings: Settings, migrated: str
) -> None:
    from lianxin_api.app import create_app

    app = create_app(settings.model_copy(update={"environment": "production"}))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            assert (await c.get("/graphql", headers={"Accept": "text/html"})).status_code == 404
            assert (await c.get("/graphiql/assets/graphiql.js")).status_code == 404
