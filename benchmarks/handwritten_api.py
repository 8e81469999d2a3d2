"""The baseline of benchmarks/api_read.py: starlette + asyncpg by hand, answering

    { households(first: 50, after: $after) { edges { node { id archiveNo members { name relation }
      sponsorships { startedOn active sponsor { name } } } } } }

with exactly the JSON the GraphQL API returns, in three SQL statements per page. It checks the same
bearer token as the API, so the comparison is of GraphQL's cost, not of authentication.

Run: DATABASE_URL=… LIANXIN_JWT_SECRET=… PORT=… python benchmarks/handwritten_api.py
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lianxin.core.db import Pool, StatementCount, create_pool, statement_count
from lianxin.core.ids import decode_cursor, to_global_id
from lianxin.core.tokens import TokenError, verify_token

PAGE = "SELECT id, archive_no FROM household WHERE id > $1 ORDER BY id LIMIT $2"
MEMBERS = """SELECT household_id, name, relation FROM member
             WHERE household_id = ANY($1::bigint[]) ORDER BY household_id, position"""
SPONSORSHIPS = """SELECT s.household_id, s.started_on, s.ended_on IS NULL AS active, o.name
                  FROM sponsorship s JOIN organization o ON o.id = s.sponsor_id
                  WHERE s.household_id = ANY($1::bigint[]) ORDER BY s.household_id, s.started_on, s.id"""


def _error(message: str) -> Response:
    return JSONResponse({"data": None, "errors": [{"message": message}]})


async def page(pool: Pool, after_id: int, first: int) -> dict[str, Any]:
    async with pool.acquire() as conn:
        households = await conn.fetch(PAGE, after_id, first)
        ids = [h["id"] for h in households]
        members: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
        for m in await conn.fetch(MEMBERS, ids):
            members[m["household_id"]].append({"name": m["name"], "relation": m["relation"]})
        pairs: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
        for s in await conn.fetch(SPONSORSHIPS, ids):
            pairs[s["household_id"]].append(
                {
                    "startedOn": s["started_on"].isoformat(),
                    "active": s["active"],
                    "sponsor": {"name": s["name"]},
                }
            )
    edges = [
        {
            "node": {
                "id": to_global_id("Household", h["id"]),
                "archiveNo": h["archive_no"],
                "members": members[h["id"]],
                "sponsorships": pairs[h["id"]],
            }
        }
        for h in households
    ]
    return {"data": {"households": {"edges": edges}}}


def create_app(database_url: str, secret: str, pool_max: int = 10) -> Starlette:
    state: dict[str, Pool] = {}

    async def graphql(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return _error("missing bearer token")
        try:
            verify_token(secret, token.strip())
        except TokenError as exc:
            return _error(str(exc))
        variables = (await request.json()).get("variables") or {}
        after_id = decode_cursor(variables["after"]) if variables.get("after") else 0
        counter = StatementCount()
        counting = statement_count.set(counter)  # as the API's middleware does, for x-sql-statements
        try:
            body = await page(state["pool"], after_id, int(variables.get("first", 50)))
        finally:
            statement_count.reset(counting)
        await asyncio.sleep(0)  # asyncpg reports queries via call_soon: let the last ones land
        # the encoder strawberry uses, so that both bodies cost the same to build
        return Response(
            json.dumps(body, separators=(",", ":")),
            media_type="application/json",
            headers={"x-sql-statements": str(counter.n)},
        )

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["pool"] = await create_pool(database_url, max_size=pool_max)
        try:
            yield
        finally:
            await state["pool"].close()

    return Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)], lifespan=lifespan
    )


if __name__ == "__main__":
    app = create_app(
        os.environ["DATABASE_URL"],
        os.environ["LIANXIN_JWT_SECRET"],
        int(os.environ.get("LIANXIN_DB_POOL_MAX", "10")),
    )
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_config=None, access_log=False)
