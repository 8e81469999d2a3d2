"""A webhook receiver for Lianxin events, verified with the `standardwebhooks` library.

Run it (the secret is the one `createWebhookEndpoint` returned, once):

    pip install standardwebhooks starlette uvicorn
    LIANXIN_WEBHOOK_SECRET=whsec_... python examples/webhook_receiver.py --port 9000

then register `http://<this host>:9000/lianxin` as the endpoint URL (a public address: to try it on
your own machine, start Lianxin with `LIANXIN_WEBHOOK_ALLOW_PRIVATE_TARGETS=true`, development only).

Lianxin signs as Standard Webhooks do (https://www.standardwebhooks.com: `webhook-id`,
`webhook-timestamp`, `webhook-signature`), so the library of any language verifies a delivery and
refuses one older or newer than five minutes (a replay). Delivery is at least once: the same
`webhook-id` may come again, de-duplicate by it. Deliveries may arrive out of order (a retried one
is overtaken by later events): each body's `sequence` sorts as the events happened, so keep the
highest applied per subject where only the latest state matters, or sort a batch by it.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
from collections.abc import Callable, Mapping
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def webhook_for(secret: str) -> Webhook:
    """The verifier for a secret. Secrets are Standard Webhooks secrets (`whsec_` + base64 of the key):
    passed as they are. An endpoint made before Lianxin used them has a secret of 43 URL-safe
    characters after `whsec_` (never valid padded base64) whose key is the whole string: its bytes."""
    try:
        base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        return Webhook(secret.encode())
    return Webhook(secret)


def verify(webhook: Webhook, headers: Mapping[str, str], body: bytes) -> dict[str, Any] | None:
    """The event, if the signature holds and is recent; else None. Pass the raw bytes as received:
    do not re-serialise the JSON."""
    try:
        event: dict[str, Any] = webhook.verify(body, dict(headers))
    except WebhookVerificationError:
        return None
    return event


def create_app(secret: str, handle: Callable[[dict[str, Any]], None]) -> Starlette:
    """An app that calls `handle(event)` once per event id (deliveries are at least once)."""
    webhook = webhook_for(secret)
    seen: set[str] = set()  # use a database table with a unique key in production

    async def receive(request: Request) -> Response:
        body = await request.body()
        event = verify(webhook, request.headers, body)
        if event is None:
            return Response("bad signature", status_code=400)  # a 4xx is not retried
        message_id = request.headers["webhook-id"]
        if message_id not in seen:
            handle(event)
            seen.add(message_id)
        return Response(status_code=204)  # any 2xx marks the delivery DELIVERED

    return Starlette(routes=[Route("/lianxin", receive, methods=["POST"])])


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()

    def show(event: dict[str, Any]) -> None:
        print(event["type"], event["subjectId"], json.dumps(event["payload"], ensure_ascii=False))  # noqa: T201

    uvicorn.run(create_app(os.environ["LIANXIN_WEBHOOK_SECRET"], show), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
