"""Server-side keep-alive for graphql-transport-ws: strawberry answers pings but never sends one.

Every `interval` seconds after the connection is acknowledged the server sends `{"type": "ping"}`;
a client that has answered none of the last `MISSED_PONGS` pings (nor sent anything else) is gone
as far as we can tell (a dead NAT mapping, a sleeping laptop), and the socket is closed with 4408,
freeing its subscriptions. Proxies that drop idle connections see traffic in both directions.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message, PongMessage

MISSED_PONGS = 3


class KeepAliveHandler(BaseGraphQLTransportWSHandler[Any, None]):
    last_heard = 0.0

    async def handle(self) -> None:
        self.last_heard = time.monotonic()
        pinger = asyncio.create_task(self._ping_forever())
        try:
            await super().handle()
        finally:
            pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pinger

    async def handle_message(self, message: Message) -> None:
        self.last_heard = time.monotonic()
        await super().handle_message(message)

    async def handle_pong(self, message: PongMessage) -> None:
        self.last_heard = time.monotonic()

    async def _ping_forever(self) -> None:
        interval = float(getattr(self.view, "ping_interval", 0) or 0)
        if interval <= 0:
            return
        while True:
            await asyncio.sleep(interval)
            if not self.connection_acknowledged:
                continue
            if time.monotonic() - self.last_heard > interval * MISSED_PONGS:
                await self.websocket.close(code=4408, reason="No pong received")
                return
            await self.send_message({"type": "ping"})
