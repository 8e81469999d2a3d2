"""Cross-origin calls from browsers (Starlette's CORSMiddleware): which web apps may call the API.

`LIANXIN_CORS_ORIGINS` lists the allowed origins (comma-separated, exact `scheme://host[:port]`).
Unset, development allows any local web app (`http://localhost:<any port>`, `http://127.0.0.1:<any
port>`) and production allows none. Requests may carry credentials and the `Authorization` and
`Content-Type` headers; a preflight (`OPTIONS /graphql`) is answered by the middleware itself.
"""

from __future__ import annotations

from typing import Any

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
