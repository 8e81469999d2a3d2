"""Every named SQL statement prepares against the migrated schema (typos fail here, not in production)."""

from __future__ import annotations

import pkgutil

import lianxin
from lianxin.core.db import Pool
from lianxin.core.sql import Queries, load_queries
from lianxin.matching.vectorised import _STAGE as DECISION_STAGE

# temporary tables a statement reads, created the way their code creates them before it runs
TEMP_TABLES = [DECISION_STAGE]


def all_query_files() -> list[Queries]:
    found = []
    for module in pkgutil.walk_packages(lianxin.__path__, "lianxin."):
        if not module.ispkg:
            continue
        try:
            found.append(load_queries(module.name))
        except FileNotFoundError:
            continue
    return found


async def test_every_named_query_prepares(pool: Pool) -> None:
    files = all_query_files()
    assert {q.origin for q in files} >= {
        "lianxin.trade_union/queries.sql",
        "lianxin.organization/queries.sql",
    }
    async with pool.acquire() as conn, conn.transaction():  # the temporary tables drop at its commit
        for create in TEMP_TABLES:
            await conn.execute(create)
        for queries in files:
            for name, sql in queries.statements.items():
                try:
                    await conn.prepare(sql)
                except Exception as exc:  # the assertion names the query
                    raise AssertionError(f"{queries.origin}:{name}: {exc}") from exc
