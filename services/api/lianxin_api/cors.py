"""Cross-origin calls from browsers (Starlette's CORSMiddleware): which web apps may call the API.

`LIANXIN_CORS_ORIGINS` lists the allowed origins (comma-separated, exact `scheme://host[:port]`).
Unset, development allows any local web app (`http://localhost:<any port>`, `http://127.0.0.1:<any
port>`) and production allows none. Requests may carry credentials and the `Authorization` and
`Content-Type` headers; a preflight (`OPTIONS /graphql`) is answered by the middleware itself.
"""

from __future__ import annotations

from typing import Any

from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

from lianxin.core.config import Settings

LOCAL_ORIGINS = r"http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?"
ALLOWED_HEADERS = ["Authorization", "Content-Type"]
PREFLIGHT_MAX_AGE = 600


def allowed_origins(setting: str) -> list[str]:
    return [origin.strip().rstrip("/") for origin in setting.split(",") if origin.strip()]


def cors_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `CORSMiddleware`."""
    origins = allowed_origins(settings.cors_origins)
    if "*" in origins:
        raise ValueError("LIANXIN_CORS_ORIGINS cannot be '*': credentials are allowed, name the origins")
    local = None if origins or settings.is_production else LOCAL_ORIGINS
    return {
        "allow_origins": origins,
        "allow_origin_regex": local,
        "allow_methods": ["GET", "POST"],
        "allow_headers": ALLOWED_HEADERS,
        "allow_credentials": True,
        "max_age": PREFLIGHT_MAX_AGE,
    }


class LeanCORSMiddleware(CORSMiddleware):
    """Starlette's `CORSMiddleware`, without its per-request `Headers` objects for the requests that
    carry no `Origin` (every non-browser client, and same-origin GETs): those only get `Vary: Origin`
    added to the response, exactly as starlette adds it (`tests/api/test_cors_lean.py`). A request with
    an `Origin` goes through starlette's own code."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, _ in scope["headers"]:
            if name == b"origin":
                await super().__call__(scope, receive, send)
                return
        await self.app(scope, receive, _vary_origin(send))


def _vary_origin(send: Send) -> Send:
    async def varied(message: Message) -> None:
        if message["type"] == "http.response.start":
            # starlette: `headers["Vary"] = ", ".join([*headers.getlist("Vary"), "Origin"])` on a
            # `MutableHeaders` over a copy of the message's list: the first Vary holds them all
            headers = message["headers"] = list(message.get("headers", []))
            found = [i for i, (name, _) in enumerate(headers) if name == b"vary"]
            if not found:
                headers.append((b"vary", b"Origin"))
            else:
                joined = b", ".join([*(headers[i][1] for i in found), b"Origin"])
                for i in reversed(found[1:]):
                    del headers[i]
                headers[found[0]] = (b"vary", joined)
        await send(message)

    return varied
