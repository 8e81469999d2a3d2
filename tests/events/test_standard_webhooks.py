"""Webhooks verified by the `standardwebhooks` PyPI library itself, in the documented receiver
(examples/webhook_receiver.py served by uvicorn) and directly: new endpoints get Standard Webhooks
secrets, an endpoint made before keeps its secret (the library takes its bytes raw) and its original
`Lianxin-Signature`, and `sequence` orders deliveries that arrive out of order."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from gqlws import example, serve
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin.events.outbox import record_event
from lianxin.notification import webhook
from lianxin.notification.channels.webhook import (
    new_secret,
    sign_standard,
    standard_key,
    standard_secret,
    verify,
)
from lianxin.notification.retry import RetrySchedule

CREATE = """mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
  endpoint { id } secret errors { code } } }"""
DEV = webhook.TargetPolicy(allow_private=True)
FAST = RetrySchedule()


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_allow_private_targets": True})


@pytest.fixture(scope="module")
async def app(settings: Settings, migrated: str) -> AsyncIterator[Any]:
    from lianxin_api.app import create_app

    async with LifespanManager(create_app(settings)) as manager:
        yield manager.app


async def deliver(pool: Pool, count: int, within: float = 10) -> None:
    """Fan out and send until `count` deliveries went out (the reader's horizon may lag a moment)."""
    import asyncio

    sent = 0
    async with asyncio.timeout(within):
        while sent < count:
            async with pool.acquire() as conn:
                while await webhook.fan_out(conn):
                    pass
            async with httpx.AsyncClient(timeout=5) as client:
                sent += sum((await webhook.deliver_due(pool, client, FAST, policy=DEV)).values())
            await asyncio.sleep(0.02)


async def emit(pool: Pool, **payload: Any) -> None:
    async with pool.acquire() as conn:
        await record_event(conn, "household.updated", "SG91c2Vob2xkOjE", payload, "371002")


def test_new_secrets_are_standard_and_old_ones_map_to_their_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:], validate=True)) == 32
    assert standard_key(secret) == base64.b64decode(secret[6:])
    assert standard_secret(secret) == secret
    old = "whsec_" + "A-b_" * 10 + "xyz"  # the earlier form: token_urlsafe(32), 43 characters
    assert standard_key(old) == old.encode()
    assert Webhook(standard_secret(old))._whsecret == old.encode()
    # what the library signs is what we sign, for both kinds
    body = '{"a":"连心"}'
    stamp = datetime.now(UTC).replace(microsecond=0)
    for s, verifier in ((secret, Webhook(secret)), (old, Webhook(old.encode()))):
        ours = sign_standard(s, "msg_1", int(stamp.timestamp()), body.encode())
        assert ours == verifier.sign("msg_1", stamp, body)


async def test_the_documented_receiver_verifies_with_the_library(gql: Any, pool: Pool) -> None:
    handled: list[dict[str, Any]] = []
    raw: list[tuple[dict[str, str], bytes]] = []
    holder: dict[str, Any] = {}

    async def receive(request: Request) -> Response:
        body = await request.body()
        raw.append((dict(request.headers), body))
        inner = holder["app"]
        return await inner_call(inner, request, body)

    async def inner_call(inner: Starlette, request: Request, body: bytes) -> Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=inner), base_url="http://r") as c:
            answer = await c.post("/lianxin", content=body, headers=dict(request.headers))
        return Response(status_code=answer.status_code)

    async with serve(Starlette(routes=[Route("/lianxin", receive, methods=["POST"])])) as port:
        data = (
            await gql(
                CREATE, {"input": {"url": f"http://127.0.0.1:{port}/lianxin", "eventTypes": ["household.*"]}}
            )
        )["createWebhookEndpoint"]
        assert data["errors"] == []
        secret = data["secret"]
        holder["app"] = example.create_app(secret, handled.append)
        await emit(pool, name="一")
        await emit(pool, name="二")
        await deliver(pool, 2)
    assert [e["payload"]["name"] for e in handled] == ["一", "二"]
    for headers, body in raw:
        # the library, as an agency calls it, with the secret exactly as createWebhookEndpoint gave it
        event = Webhook(secret).verify(body, headers)
        assert headers["webhook-id"] == headers["lianxin-event-id"] == event["id"]
        assert int(headers["webhook-timestamp"]) == pytest.approx(time.time(), abs=60)
        assert verify(secret, headers["lianxin-signature"], body, now=time.time())
        with pytest.raises(WebhookVerificationError):
            Webhook(new_secret()).verify(body, headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(body.replace(b"}", b" }", 1), headers)
    # a replay of a stored delivery is answered 400 by the receiver once it is too old
    headers, body = raw[0]
    stale = {**headers, "webhook-timestamp": str(int(time.time()) - 600)}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=holder["app"]), base_url="http://r"
    ) as client:
        assert (await client.post("/lianxin", content=body, headers=stale)).status_code == 400
        # a duplicate delivery (same webhook-id) is acknowledged but handled once
        assert (await client.post("/lianxin", content=body, headers=headers)).status_code == 204
    assert len(handled) == 2
    # deliveries may come out of order; `sequence` sorts them as they happened, the cursor does not
    events = [json.loads(b) for _, b in raw]
    assert [e["sequence"] for e in sorted(events, key=lambda e: e["sequence"], reverse=True)][::-1] == [
        e["sequence"] for e in events
    ]
    assert events[0]["sequence"] < events[1]["sequence"]


async def test_an_endpoint_made_before_keeps_its_header_and_verifies_with_raw_bytes(pool: Pool) -> None:
    received: list[tuple[dict[str, str], bytes]] = []

    async def receive(request: Request) -> Response:
        received.append((dict(request.headers), await request.body()))
        return Response(status_code=204)

    old = "whsec_" + "Zq3-_x" * 7 + "z"  # 43 URL-safe characters, as secrets were made before
    async with serve(Starlette(routes=[Route("/old", receive, methods=["POST"])])) as port:
        async with pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO webhook_endpoint (url, secret, created_by, created_at) "
                "VALUES ($1, $2, 'test', now() - interval '1 minute')",
                f"http://127.0.0.1:{port}/old",
                old,
            )
        await emit(pool, name="旧")
        await deliver(pool, 1)
    [(headers, body)] = received
    # exactly today's header: HMAC-SHA256 keyed by the whole string over "<t>.<body>", in hex
    import hashlib
    import hmac

    t = headers["lianxin-signature"].split(",")[0].removeprefix("t=")
    expected = hmac.new(old.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["lianxin-signature"] == f"t={t},v1={expected}"
    assert Webhook(old.encode()).verify(body, headers)["payload"] == {"name": "旧"}
    assert Webhook(standard_secret(old)).verify(body, headers)["payload"] == {"name": "旧"}
    assert example.verify(example.webhook_for(old), headers, body) is not None
