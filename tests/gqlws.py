"""Helpers for the event tests: a small graphql-transport-ws client over a real socket (the
`websockets` package), live uvicorn servers, and the documented webhook receiver example."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from lianxin.core.config import Settings
from lianxin_cli.embedded import free_port


def _load_example() -> ModuleType:
    """examples/webhook_receiver.py, as agencies would run it."""
    path = Path(__file__).resolve().parents[1] / "examples" / "webhook_receiver.py"
    spec = importlib.util.spec_from_file_location("webhook_receiver", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["webhook_receiver"] = module
    spec.loader.exec_module(module)
    return module


example = _load_example()

SUBSCRIBE = """subscription($after: String, $types: [String!]) {
  events(after: $after, types: $types) { id cursor type occurredAt subjectId payload } }"""


class GqlWs:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.pings = 0

    @classmethod
    async def open(cls, url: str, token: str | None, *, within: float = 10) -> GqlWs:
        ws = await connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
        client = cls(ws)
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await client.send({"type": "connection_init", "payload": payload})
        ack = await client.receive(within)
        assert ack["type"] == "connection_ack", ack
        return client

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self, within: float = 10) -> dict[str, Any]:
        """The next message that is not a keep-alive ping (pings are answered)."""
        async with asyncio.timeout(within):
            while True:
                message: dict[str, Any] = json.loads(await self.ws.recv())
                if message["type"] == "ping":
                    self.pings += 1
                    await self.send({"type": "pong"})
                    continue
                return message

    async def subscribe(self, op_id: str, after: str | None = None, types: list[str] | None = None) -> None:
        variables = {"after": after, "types": types}
        await self.send(
            {"id": op_id, "type": "subscribe", "payload": {"query": SUBSCRIBE, "variables": variables}}
        )

    async def events(self, count: int, within: float = 10) -> list[dict[str, Any]]:
        """The next `count` events (of any subscription), failing on anything else."""
        found = []
        for _ in range(count):
            message = await self.receive(within)
            assert message["type"] == "next", message
            assert "errors" not in message["payload"], message
            found.append(message["payload"]["data"]["events"])
        return found

    async def nothing_within(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            message = await self.receive(seconds)
            raise AssertionError(f"unexpected message {message}")

    async def closed(self, within: float = 10) -> int:
        """The close code the server closes the socket with, failing on any message before it."""
        try:
            message = await self.receive(within)
        except ConnectionClosed as exc:
            closed = exc.rcvd
        else:
            raise AssertionError(f"unexpected message {message}")
        assert closed is not None, "closed without a close frame"
        return closed.code

    async def close(self) -> None:
        await self.ws.close()


@contextlib.asynccontextmanager
async def live_server(settings: Settings) -> AsyncIterator[str]:
    """The API served by uvicorn on a free loopback port, in this event loop; yields its ws URL."""
    from lianxin_api.app import create_app

    async with serve(create_app(settings)) as port:
        yield f"ws://127.0.0.1:{port}/graphql"


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[int]:
    """Any ASGI app served by uvicorn on a free loopback port in this event loop; yields the port."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(20):
        while not server.started:
            assert not task.done(), task
            await asyncio.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        await task
