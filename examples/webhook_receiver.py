"""A webhook receiver for Lianxin events: verifies the signature, refuses replays, de-duplicates.

Run it (the secret is the one `createWebhookEndpoint` returned, once):

    LIANXIN_WEBHOOK_SECRET=whsec_... python examples/webhook_receiver.py --port 9000

then register `http://<this host>:9000/lianxin` as the endpoint URL (a public address: to try it on
your own machine, start Lianxin with `LIANXIN_WEBHOOK_ALLOW_PRIVATE_TARGETS=true`, development only).
It depends only on the standard library and starlette/uvicorn, so an agency can copy it as it is.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

TOLERANCE_SECONDS = 300  # refuse signatures older (or newer) than five minutes: replayed requests


def verify_signature(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """Check `Lianxin-Signature: t=<unix>,v1=<hex>` = HMAC-SHA256(secret, f"{t}.{body}")."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
        given = fields["v1"]
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE_SECONDS:
        return False
    signed = f"{timestamp}.".encode() + body  # the raw bytes as received: do not re-serialise the JSON
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


def create_app(secret: str, handle: Callable[[dict[str, Any]], None]) -> Starlette:
    """An app that calls `handle(event)` once per event id (deliveries are at least once)."""
    seen: set[str] = set()  # use a database table with a unique key in production

    async def receive(request: Request) -> Response:
        body = await request.body()
        if not verify_signature(secret, request.headers.get("Lianxin-Signature", ""), body):
            return Response("bad signature", status_code=400)  # a 4xx is not retried
        event_id = request.headers["Lianxin-Event-Id"]
        if event_id not in seen:
            handle(json.loads(body))
            seen.add(event_id)
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
