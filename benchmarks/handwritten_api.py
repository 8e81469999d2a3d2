"""The baselines of benchmarks/api_read.py: starlette + asyncpg by hand, one per shape (the request's
`operationName` picks it), each answering exactly the JSON the GraphQL API returns:

- Page: 50 households with members and sponsorships with their sponsor (3 statements);
- Deep: a union's households (first 50) with members, incomes and the latest decision with its trace
  (5 statements: the union, the page, members, incomes, decisions);
- Wide: 100 households with 20 scalar fields each and totalCount (3 statements: page, count, unions);
- Detail: one household's screen: members, incomes, expenditures, assets, pairings, latest decision.

It checks the same bearer token as the API (with --lean-baseline as the API does, cached until the
token's exp), and encodes with orjson as the API does.

Run: DATABASE_URL=… LIANXIN_JWT_SECRET=… PORT=… python benchmarks/handwritten_api.py
"""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lianxin.core.db import Pool, StatementCount, create_pool, statement_count
from lianxin.core.ids import decode_cursor, expect_global_id, to_global_id
from lianxin.core.money import fen_to_yuan
from lianxin.core.tokens import TokenError, verify_token
from lianxin_api.auth import VERIFIED

PAGE = "SELECT id, archive_no FROM household WHERE id > $1 ORDER BY id LIMIT $2"
MEMBERS = """SELECT household_id, name, relation FROM member
             WHERE household_id = ANY($1::bigint[]) ORDER BY household_id, position"""
SPONSORSHIPS = """SELECT s.household_id, s.started_on, s.ended_on IS NULL AS active, o.name
                  FROM sponsorship s JOIN organization o ON o.id = s.sponsor_id
                  WHERE s.household_id = ANY($1::bigint[]) ORDER BY s.household_id, s.started_on, s.id"""


UNION_PAGE = "SELECT id, archive_no FROM household WHERE union_id = $1 AND id > $2 ORDER BY id LIMIT $3"
MEMBER_IDS = """SELECT household_id, id, position, name, relation FROM member
                WHERE household_id = ANY($1::bigint[]) ORDER BY household_id, position"""
INCOMES = """SELECT household_id, kind, monthly_fen, member_position FROM income
             WHERE household_id = ANY($1::bigint[]) ORDER BY household_id, id"""
DECISIONS = """SELECT d.household_id, d.outcome, d.per_capita_income_fen, d.monthly_benefit_fen, d.trace,
                      d.evaluated_on
               FROM household_eligibility c JOIN eligibility_decision d ON d.id = c.decision_id
               WHERE c.household_id = ANY($1::bigint[])"""
WIDE = """SELECT id, archive_no, level, category, status, status_changed_on, region_code, contact_name,
                 archived_on, version, status_reason, hardship_reasons, major_event_casualty, exclusions,
                 contact_phone, union_id
          FROM household WHERE id > $1 ORDER BY id LIMIT $2"""
UNIONS = "SELECT id, name FROM trade_union WHERE id = ANY($1::bigint[])"
DETAIL = """SELECT id, archive_no, status, hardship_reasons, contact_name, contact_phone
            FROM household WHERE id = $1"""
DETAIL_MEMBERS = """SELECT id, position, name, relation, sex, birth_date, employment FROM member
                    WHERE household_id = $1 ORDER BY position"""
DETAIL_INCOMES = "SELECT kind, monthly_fen, member_position FROM income WHERE household_id = $1 ORDER BY id"
DETAIL_EXPENDITURES = "SELECT kind, annual_fen FROM expenditure WHERE household_id = $1 ORDER BY id"
DETAIL_ASSETS = "SELECT kind, value_fen, count FROM asset WHERE household_id = $1 ORDER BY id"
DETAIL_PAIRS = """SELECT s.started_on, s.ended_on IS NULL AS active, o.name FROM sponsorship s
                  JOIN organization o ON o.id = s.sponsor_id
                  WHERE s.household_id = $1 ORDER BY s.started_on, s.id"""
DETAIL_DECISION = """SELECT d.outcome, d.monthly_benefit_fen, d.evaluated_on FROM household_eligibility c
                     JOIN eligibility_decision d ON d.id = c.decision_id WHERE c.household_id = $1"""


# --lean-baseline (api_read.py): the baseline also takes the API's two shortcuts that are no part of
# GraphQL, a verified-token cache and giving its read connection back without the pool's reset round
# trip; by default it verifies every token and pays the reset, as the issue measured it
LEAN = os.environ.get("LIANXIN_BENCH_LEAN_BASELINE", "") not in ("", "0")


@asynccontextmanager
async def reading(pool: Pool) -> AsyncIterator[Any]:
    """A pooled connection for the shape's reads (with --lean-baseline given back without reset)."""
    async with pool.acquire() as conn:
        yield conn
        if LEAN:
            conn.mark_reads_only()


def check_token(secret: str, token: str) -> None:
    if LEAN:
        VERIFIED.verify(secret, token)
    else:
        verify_token(secret, token)


def _error(message: str) -> Response:
    return Response(
        orjson.dumps({"data": None, "errors": [{"message": message}]}), media_type="application/json"
    )


def _yuan(fen: int) -> str:
    return str(fen_to_yuan(fen))


def _member_ids(rows: list[Any]) -> dict[tuple[int, int], str]:
    return {(m["household_id"], m["position"]): to_global_id("Member", m["id"]) for m in rows}


async def page(pool: Pool, variables: dict[str, Any]) -> dict[str, Any]:
    after_id = decode_cursor(variables["after"]) if variables.get("after") else 0
    async with reading(pool) as conn:
        households = await conn.fetch(PAGE, after_id, int(variables.get("first", 50)))
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


async def deep(pool: Pool, variables: dict[str, Any]) -> dict[str, Any]:
    union_id = expect_global_id(variables["union"], "TradeUnion", "id")
    after_id = decode_cursor(variables["after"]) if variables.get("after") else 0
    async with reading(pool) as conn:
        if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM trade_union WHERE id = $1)", union_id):
            return {"data": {"node": None}}
        households = await conn.fetch(UNION_PAGE, union_id, after_id, 50)
        ids = [h["id"] for h in households]
        member_rows = await conn.fetch(MEMBER_IDS, ids)
        income_rows = await conn.fetch(INCOMES, ids)
        decision_rows = await conn.fetch(DECISIONS, ids)
    members: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for m in member_rows:
        members[m["household_id"]].append({"name": m["name"], "relation": m["relation"]})
    member_ids = _member_ids(member_rows)
    incomes: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for i in income_rows:
        position = i["member_position"]
        incomes[i["household_id"]].append(
            {
                "kind": i["kind"],
                "monthlyAmount": _yuan(i["monthly_fen"]),
                "memberId": None if position is None else member_ids.get((i["household_id"], position)),
            }
        )
    decisions = {
        d["household_id"]: {
            "outcome": d["outcome"],
            "perCapitaIncome": _yuan(d["per_capita_income_fen"]),
            "monthlyBenefit": _yuan(d["monthly_benefit_fen"]),
            "trace": [
                {
                    "rule": t["rule"],
                    "passed": t["passed"],
                    "value": t["value"],
                    "explanation": t["explanation"],
                }
                for t in d["trace"]
            ],
        }
        for d in decision_rows
    }
    edges = [
        {
            "node": {
                "id": to_global_id("Household", h["id"]),
                "archiveNo": h["archive_no"],
                "members": members[h["id"]],
                "incomes": incomes[h["id"]],
                "latestDecision": decisions.get(h["id"]),
            }
        }
        for h in households
    ]
    return {"data": {"node": {"households": {"edges": edges}}}}


def _iso(value: Any) -> Any:
    return None if value is None else value.isoformat()


async def wide(pool: Pool, variables: dict[str, Any]) -> dict[str, Any]:
    after_id = decode_cursor(variables["after"]) if variables.get("after") else 0
    async with reading(pool) as conn:
        rows = await conn.fetch(WIDE, after_id, 100)
        total = await conn.fetchval("SELECT count(*) FROM household")
        unions = {u["id"]: u["name"] for u in await conn.fetch(UNIONS, sorted({r["union_id"] for r in rows}))}
    edges = []
    for h in rows:
        gid = to_global_id("Household", h["id"])
        name, phone = h["contact_name"], h["contact_phone"]
        edges.append(
            {
                "node": {
                    "id": gid,
                    "archiveNo": h["archive_no"],
                    "level": h["level"],
                    "category": h["category"],
                    "status": h["status"],
                    "statusChangedOn": _iso(h["status_changed_on"]),
                    "regionCode": h["region_code"],
                    "contactName": name,
                    "archivedOn": h["archived_on"].isoformat(),
                    "version": h["version"],
                    "statusReason": h["status_reason"],
                    "hardshipReasons": list(h["hardship_reasons"]),
                    "majorEventCasualty": h["major_event_casualty"],
                    "exclusions": list(h["exclusions"]),
                    "contactPhone": phone,
                    "contactCardUrl": f"/households/{gid}/contact-card.pdf" if name and phone else None,
                    "contactPerson": {"name": name, "phone": phone} if name or phone else None,
                    "union": {"id": to_global_id("TradeUnion", h["union_id"]), "name": unions[h["union_id"]]},
                }
            }
        )
    return {"data": {"households": {"totalCount": total, "edges": edges}}}


async def detail(pool: Pool, variables: dict[str, Any]) -> dict[str, Any]:
    household_id = expect_global_id(variables["id"], "Household", "id")
    async with reading(pool) as conn:
        h = await conn.fetchrow(DETAIL, household_id)
        if h is None:
            return {"data": {"node": None}}
        members = await conn.fetch(DETAIL_MEMBERS, household_id)
        incomes = await conn.fetch(DETAIL_INCOMES, household_id)
        expenditures = await conn.fetch(DETAIL_EXPENDITURES, household_id)
        assets = await conn.fetch(DETAIL_ASSETS, household_id)
        pairs = await conn.fetch(DETAIL_PAIRS, household_id)
        decision = await conn.fetchrow(DETAIL_DECISION, household_id)
    by_position = {m["position"]: to_global_id("Member", m["id"]) for m in members}
    node = {
        "id": to_global_id("Household", h["id"]),
        "archiveNo": h["archive_no"],
        "status": h["status"],
        "hardshipReasons": list(h["hardship_reasons"]),
        "contactPerson": {"name": h["contact_name"], "phone": h["contact_phone"]}
        if h["contact_name"] or h["contact_phone"]
        else None,
        "members": [
            {
                "id": to_global_id("Member", m["id"]),
                "name": m["name"],
                "relation": m["relation"],
                "sex": m["sex"],
                "birthDate": _iso(m["birth_date"]),
                "employment": m["employment"],
            }
            for m in members
        ],
        "incomes": [
            {
                "kind": i["kind"],
                "monthlyAmount": _yuan(i["monthly_fen"]),
                "memberId": None if i["member_position"] is None else by_position.get(i["member_position"]),
            }
            for i in incomes
        ],
        "expenditures": [{"kind": e["kind"], "annualAmount": _yuan(e["annual_fen"])} for e in expenditures],
        "assets": [{"kind": a["kind"], "value": _yuan(a["value_fen"]), "count": a["count"]} for a in assets],
        "sponsorships": [
            {"startedOn": p["started_on"].isoformat(), "active": p["active"], "sponsor": {"name": p["name"]}}
            for p in pairs
        ],
        "latestDecision": None
        if decision is None
        else {
            "outcome": decision["outcome"],
            "monthlyBenefit": _yuan(decision["monthly_benefit_fen"]),
            "evaluatedOn": decision["evaluated_on"].isoformat(),
        },
    }
    return {"data": {"node": node}}


SHAPES: dict[str, Callable[[Pool, dict[str, Any]], Awaitable[dict[str, Any]]]] = {
    "Page": page,
    "Deep": deep,
    "Wide": wide,
    "Detail": detail,
}


def create_app(database_url: str, secret: str, pool_max: int = 10) -> Starlette:
    state: dict[str, Pool] = {}

    async def graphql(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return _error("missing bearer token")
        try:
            check_token(secret, token.strip())
        except TokenError as exc:
            return _error(str(exc))
        payload = orjson.loads(await request.body())
        variables = payload.get("variables") or {}
        shape = SHAPES[payload.get("operationName") or "Page"]
        counter = StatementCount()
        counting = statement_count.set(counter)  # as the API's middleware does, for x-sql-statements
        try:
            body = await shape(state["pool"], variables)
        finally:
            statement_count.reset(counting)
        await asyncio.sleep(0)  # asyncpg reports queries via call_soon: let the last ones land
        # the encoder the API uses, so that both bodies cost the same to build
        return Response(
            orjson.dumps(body),
            media_type="application/json",
            headers={"x-sql-statements": str(counter.n)},
        )

    async def healthz(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

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
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(os.environ["PORT"]),
        log_config=None,
        access_log=False,
        loop="uvloop",  # as `lianxin api` runs
        http="httptools",
    )
