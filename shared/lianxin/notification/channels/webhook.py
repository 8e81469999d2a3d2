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
from lianxin.notification.target import PinnedTarget

SIGNATURE_HEADER = "Lianxin-Signature"
EVENT_ID_HEADER = "Lianxin-Event-Id"
RETRYABLE_4XX = frozenset({408, 429})
DISCARD_LIMIT = 64 * 1024


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


async def _discard(response: httpx.Response) -> None:
    """Read a little of the body, unseen, so that a short answer leaves the connection reusable;
    a longer one is cut off (the connection is closed instead)."""
    read = 0
    try:
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read > DISCARD_LIMIT:
                break
    except httpx.HTTPError:
        pass  # the status is what counts
    finally:
        await response.aclose()


async def post_webhook(
    client: httpx.AsyncClient, target: PinnedTarget, secret: str, event_id: str, document: dict[str, Any]
) -> int:
    """POST one signed event to the checked address; the status code on 2xx, else TransientError /
    PermanentError carrying the status, never the receiver's body (read, at most 64 KiB, and dropped).
    Redirects are not followed: a 3xx is final."""
    body = encode_body(document)
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, int(time.time()), body),
        EVENT_ID_HEADER: event_id,
        "User-Agent": "lianxin-webhooks/1",
    }
    extensions = None
    if target.server_name:
        # the URL names the checked address; the certificate must still match the name (SNI). The
        # client pools connections by address, so one verified for another name at the same address
        # could be reused: a TLS connection made for a name is used for this one request only.
        extensions = {"sni_hostname": target.server_name}
        headers["Connection"] = "close"
    try:
        request = client.build_request(
            "POST", target.url, content=body, headers=headers, extensions=extensions
        )
        response = await client.send(request, stream=True, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise TransientError(type(exc).__name__) from None  # the class only: its text may quote the peer
    except httpx.InvalidURL:
        raise PermanentError("InvalidURL") from None
    code = response.status_code
    await _discard(response)
    if 200 <= code < 300:
        return code
    if 300 <= code < 400 or (400 <= code < 500 and code not in RETRYABLE_4XX):
        raise PermanentError(f"HTTP {code}", status_code=code)
    raise TransientError(f"HTTP {code}", status_code=code)
