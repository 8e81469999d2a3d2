"""Signed webhook posts (DESIGN.md §6), verifiable with the `standardwebhooks` library.

Every post carries two signatures of the same raw body, made at the same second:

- Standard Webhooks (https://www.standardwebhooks.com): `webhook-id` (the event's global id, the same
  on every retry), `webhook-timestamp` (unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256
  of "{id}.{timestamp}.{body}">`. The HMAC key is `standard_key(secret)`: for a standard secret
  (`whsec_` + base64 of the key bytes, what `new_secret` makes) the decoded bytes; for a secret made
  before these (`whsec_` + URL-safe base64 without padding, never valid standard base64) the secret's
  own UTF-8 bytes, so that such a receiver passes them raw (`Webhook(secret.encode())`, or
  `format: "raw"` in the TypeScript library), or the equivalent standard secret
  `"whsec_" + base64(secret.encode())` (`standard_secret`).
- The original scheme, for receivers written before: `Lianxin-Signature: t=<unix>,v1=<hex HMAC-SHA256
  of "{t}.{body}">` keyed by the whole secret string's UTF-8 bytes (`whsec_` included), any secret.

`Lianxin-Event-Id` repeats `webhook-id`; a receiver drops a delivery it has already processed
(delivery is at least once), and orders events by the body's `cursor` (deliveries may arrive out of
order: retries and concurrent sends overtake each other).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import httpx

from lianxin.notification.channels.errors import PermanentError, TransientError
from lianxin.notification.target import PinnedTarget

SIGNATURE_HEADER = "Lianxin-Signature"
EVENT_ID_HEADER = "Lianxin-Event-Id"
SECRET_PREFIX = "whsec_"
KEY_BYTES = 32
RETRYABLE_4XX = frozenset({408, 429})
DISCARD_LIMIT = 64 * 1024


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` + base64 (standard alphabet, padded) of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def standard_key(secret: str) -> bytes:
    """The HMAC key of `webhook-signature`: a standard secret's decoded bytes, else (a secret made
    before standard ones: URL-safe base64 of 43 characters, never a valid padded base64) its UTF-8."""
    if secret.startswith(SECRET_PREFIX):
        try:
            key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) >= 24:
            return key
    return secret.encode()


def standard_secret(secret: str) -> str:
    """The Standard Webhooks form of any secret (itself for a standard one): what a receiver passes
    to the `standardwebhooks` library."""
    return SECRET_PREFIX + base64.b64encode(standard_key(secret)).decode()


def sign_standard(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`webhook-signature`: `v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    mac = hmac.new(standard_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signature_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Both signatures of one post (module docstring)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_standard(secret, message_id, timestamp, body),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        EVENT_ID_HEADER: message_id,
    }


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The original `Lianxin-Signature`, keyed by the whole secret string (unchanged)."""
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
        **signature_headers(secret, event_id, int(time.time()), body),
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
