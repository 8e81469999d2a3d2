"""Database access: the asyncpg pool and the unit of work (one transaction, jobs dispatched after commit)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

# a plain connection or one checked out of a pool: repositories accept both
Connection: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"
Pool: TypeAlias = "asyncpg.Pool[asyncpg.Record]"


@dataclass
class StatementCount:
    """Statements run on behalf of one request (DataLoader tasks share the object via contextvars)."""

    n: int = 0


statement_count: ContextVar[StatementCount | None] = ContextVar("statement_count", default=None)


class CountingConnection(asyncpg.Connection):
    """Counts the statements a request runs (fetch*, execute with arguments), synchronously.

    asyncpg's own housekeeping (pool reset, type introspection) goes through other paths and is not
    counted, so the figure is the application's SQL only.
    """

    async def _execute(self, *args: Any, **kwargs: Any) -> Any:
        counter = statement_count.get()
        if counter is not None:
            counter.n += 1
        return await super()._execute(*args, **kwargs)  # type: ignore[misc]

    def mark_reads_only(self) -> None:
        """Says, just before the connection goes back to its pool, that since it was taken out it
        only ran reads outside a transaction (no SET, LISTEN, cursors, advisory locks): the pool's
        reset round trip (RESET ALL …) is then skipped once, as there is nothing to reset."""
        self._reads_only = True


async def _reset(conn: asyncpg.Connection) -> None:
    """The pool's reset on release: asyncpg's reset query, unless the holder marked the connection
    `mark_reads_only` (an open transaction is rolled back by asyncpg before this either way)."""
    if getattr(conn, "_reads_only", False):
        conn._reads_only = False  # type: ignore[attr-defined]
        return
    query = conn.get_reset_query()
    if query:
        await conn.execute(query)


async def _init_connection(conn: Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        command_timeout=60,
        connection_class=CountingConnection,
        reset=_reset,
    )
    assert pool is not None
    return pool


async def connect(dsn: str) -> Connection:
    conn: Connection = await asyncpg.connect(dsn)
    await _init_connection(conn)
    return conn


class JobDispatcher(Protocol):
    """Pushes committed outbox job rows to the queue (see `lianxin.core.jobs`)."""

    async def dispatch_jobs(self, jobs: list[tuple[int, str]]) -> int: ...


@dataclass
class UnitOfWork:
    """A transaction in progress. Services write rows, events and job-outbox rows through `conn`."""

    conn: Connection
    # (outbox id, job name) of every job recorded in this transaction
    jobs: list[tuple[int, str]] = field(default_factory=list)


@asynccontextmanager
async def unit_of_work(pool: Pool, dispatcher: JobDispatcher | None) -> AsyncIterator[UnitOfWork]:
    """Run a block in one transaction; after a successful commit, hand its jobs to the queue.

    Jobs are rows in `job_outbox` written inside the transaction, so a queue that is down at commit
    time loses nothing: the worker's sweeper re-enqueues rows that were never done.
    """
    async with pool.acquire() as conn:
        uow = UnitOfWork(conn=conn)
        async with conn.transaction():
            yield uow
    if dispatcher is not None and uow.jobs:
        await dispatcher.dispatch_jobs(uow.jobs)
