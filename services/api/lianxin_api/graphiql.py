"""GraphiQL served by the API itself, for development: no CDN, so it works on an intranet with no internet.

`services/api/graphiql/` (an npm project, `npm ci && npm run build`, run by `make install`) bundles
GraphiQL, React, graphql-js and graphql-ws from their published packages into `static/graphiql/`
(git-ignored) beside this module. `GET /graphql` from a browser returns `page()`, which loads that bundle
from `/graphiql/assets/`; the bundle talks to `/graphql` over HTTP and graphql-transport-ws. Without the
bundle (no Node.js when installing) the page says how to build it instead of staying on "Loading…".
Production serves neither (as before: `graphql_ide=None`)."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

ASSETS = Path(__file__).resolve().parent / "static" / "graphiql"
ASSET_PREFIX = "/graphiql/assets"
_BUILD_PROJECT = "services/api/graphiql"
_MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".txt": "text/plain"}

# Everything the page loads or connects to is this origin; styles are inline in places (CodeMirror) and
# fonts are inlined as data: URIs by the bundler.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)


def bundled_files() -> list[str]:
    """The built bundle's files, or [] when it has not been built (the manifest is written last)."""
    try:
        manifest = json.loads((ASSETS / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    files = [name for name in manifest.get("files", []) if isinstance(name, str)]
    return files if all((ASSETS / name).is_file() for name in files) else []


def graphiql_page() -> HTMLResponse:
    files = bundled_files()
    if "graphiql.js" in files and "graphiql.css" in files:
        body = (
            f'<link rel="stylesheet" href="{ASSET_PREFIX}/graphiql.css">\n'
            f'<script defer src="{ASSET_PREFIX}/graphiql.js"></script>\n'
            "</head><body>\n"
            '<div id="graphiql"><p class="loading">Loading GraphiQL…</p></div>\n'
        )
    else:
        body = (
            "</head><body>\n"
            '<main class="missing">\n'
            "<h1>GraphiQL is not built</h1>\n"
            "<p>This server serves GraphiQL from its own files, built from npm packages at install time, "
            "and they are missing. With Node.js 20+ and npm, run <code>make install</code> "
            f"(or <code>cd {escape(_BUILD_PROJECT)} &amp;&amp; npm ci &amp;&amp; npm run build</code>), "
            "then reload this page.</p>\n"
            "<p>The API itself works without it: POST GraphQL to <code>/graphql</code> with "
            "<code>Authorization: Bearer &lt;token&gt;</code>.</p>\n"
            "</main>\n"
        )
    html = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Lianxin GraphiQL</title>\n"
        "<style>html,body{height:100%;margin:0}#graphiql{height:100vh}"
        ".loading,.missing{font-family:system-ui,sans-serif;margin:2rem}</style>\n"
        f"{body}</body></html>\n"
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})


async def graphiql_asset(request: Request) -> Response:
    """One file of the bundle; only names the build's manifest lists (so nothing else on disk)."""
    name = request.path_params["name"]
    if name not in bundled_files():
        return PlainTextResponse("Not Found", status_code=404)
    media_type = _MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")
    return FileResponse(ASSETS / name, media_type=media_type, headers={"Cache-Control": "no-cache"})
