"""Signed webhook posts (DESIGN.md §6).

The body is signed as `f"{t}.{body}"` with HMAC-SHA256 under the endpoint's secret and sent as
`Lianxin-Signature: t=<unix seconds>,v1=<hex digest>`; `Lianxin-Event-Id` names the event so a
receiver can drop a delivery it has already processed (delivery is at least once).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from lianxin.notification.channels.errors import PermanentError, TransientError

SIGNATURE_HEADER = "Lianxin-Signature"
EVENT_ID_HEADER = "Lianxin-Event-Id"
RETRYABLE_4XX = frozenset({408, 429})


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: float, tolerance: float = 300) -> bool:
    """What a receiver does: recompute the signature and refuse stale timestamps (replays)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def encode_body(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


async def post_webhook(
    client: httpx.AsyncClient, url: str, secret: str, event_id: str, document: dict[str, Any]
) -> int:
    """POST one signed event; the status code on 2xx, else TransientError / PermanentError."""
    body = encode_body(document)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, int(time.time()), body),
        EVENT_ID_HEADER: event_id,
        "User-Agent": "lianxin-webhooks/1",
    }
    try:
        response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise TransientError(f"{type(exc).__name__}: {exc}") from None
    code = response.status_code
    if 200 <= code < 300:
        return code
    detail = f"HTTP {code}: {response.text[:200]}"
    if 400 <= code < 500 and code not in RETRYABLE_4XX:
        raise PermanentError(detail)
    raise TransientError(detail)
