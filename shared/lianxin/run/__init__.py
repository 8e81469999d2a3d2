"""Partitioned, resumable runs over households: the one mechanism behind re-matching runs
(eligibility_run), aid batches (aid_batch) and policy simulations (policy_simulation).

A run row records what to work on (a region or a union subtree) and the requesting caller's scope
(`ListScope`; households are chosen through `lianxin_households_in_scope`). The first worker to touch a
QUEUED run plans it: the households in scope, in id order, cut into partitions of `partition_size`
consecutive ids (table run_partition), the run RUNNING with its total. Then any number of workers
`claim` partitions (FOR UPDATE SKIP LOCKED) and work each in one transaction that also marks it DONE
and adds its counts to the run, so

- a killed worker loses at most the partition it held (its transaction rolls back, its row lock goes
  with its connection) and whoever claims next takes it again: no household is worked twice;
- a second worker takes the partitions the first has not locked, so the run goes faster;
- the worker that finds every partition DONE finishes the run (`finish_if_done`, idempotent).

The kinds differ only in what a partition's work is (decide, pay or tally: the caller passes it) and in
a few column names (`RunTable`). Request validation shared by all three: `check_target`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from lianxin.access.rules import ListScope
from lianxin.core.db import Connection
from lianxin.core.errors import IssueCollector
from lianxin.core.region import RegionCodeError, region_prefix, validate_region_code


class RunStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


class RunKind(StrEnum):
    ELIGIBILITY = "eligibility"
    AID = "aid"
    SIMULATION = "simulation"


@dataclass(frozen=True, slots=True)
class RunTable:
    """Where a kind keeps its runs: the table, the name of its "changed" counter, and how it selects its
    households (simulations: a region, the whole of it; the others: a region or union, and a scope)."""

    name: str
    changed: str | None
    scoped: bool


TABLES: Final = {
    RunKind.ELIGIBILITY: RunTable("eligibility_run", "changed", scoped=True),
    RunKind.AID: RunTable("aid_batch", "paid", scoped=True),
    RunKind.SIMULATION: RunTable("policy_simulation", None, scoped=False),
}


@dataclass(frozen=True, slots=True)
class Target:
    """A run's households: ACTIVE, of the region prefix or union subtree, inside the caller's scope."""

    region_prefix: str | None
    union_id: int | None
    scope: ListScope

    @classmethod
    def of_row(cls, kind: RunKind, row: Any) -> Target:
        region = row["region_code"]
        prefix = region_prefix(region) if region else None
        if not TABLES[kind].scoped:
            return cls(prefix, None, ListScope())
        scope = ListScope(
            union_root=row["scope_union_root"],
            region_prefix=row["scope_region_prefix"],
            sponsor_id=row["scope_sponsor_id"],
        )
        return cls(prefix, row["union_id"], scope)

    def params(self) -> tuple[object, ...]:
        return (self.region_prefix, self.union_id, *self.scope.household_params())


@dataclass(frozen=True, slots=True)
class Partition:
    kind: RunKind
    run_id: int
    seq: int
    lo: int
    hi: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a partition's work reports: households worked, changed (decided, paid), a partial result."""

    done: int
    changed: int = 0
    result: dict[str, Any] | None = None


Work = Callable[[Connection, Any, Partition, list[int]], Awaitable[Outcome]]
Finish = Callable[[Connection, Any, list[dict[str, Any]]], Awaitable[None]]

# $1 region prefix, $2 union subtree, $3 $4 $5 the caller's scope (NULL: no limit)
_IN_SCOPE: Final = """
    SELECT h.id FROM lianxin_households_in_scope($3, $4, $5) h
    WHERE h.status = 'ACTIVE'
      AND ($1::text IS NULL OR h.region_code LIKE $1 || '%')
      AND ($2::bigint IS NULL OR h.union_id IN (SELECT id FROM lianxin_unions_in_subtree($2)))"""
_PLAN: Final = f"""
    INSERT INTO run_partition (kind, run_id, seq, lo, hi, households)
    SELECT $6, $7, (s.rn - 1) / $8, min(s.id), max(s.id), count(*)
    FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM ({_IN_SCOPE}) x) s
    GROUP BY (s.rn - 1) / $8
    RETURNING households"""
_CLAIM: Final = """
    SELECT seq, lo, hi FROM run_partition WHERE kind = $1 AND run_id = $2 AND status = 'QUEUED'
    ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED"""


def check_target(
    issues: IssueCollector, region_code: str | None, union_id: int | None, *, union_required: bool = False
) -> None:
    """The request checks every run shares: exactly one of regionCode or unionId (or the region alone,
    `union_required` False and no union accepted, for simulations), and a valid region code. Whether the
    union exists (for the caller) is the caller's check."""
    if (region_code is None) == (union_id is None):
        issues.add("SCOPE_REQUIRED", "give exactly one of regionCode or unionId", ["regionCode"])
    if region_code is not None:
        try:
            validate_region_code(region_code)
        except RegionCodeError as exc:
            issues.add("INVALID_REGION_CODE", str(exc), ["regionCode"])


async def household_ids(conn: Connection, target: Target, lo: int, hi: int) -> list[int]:
    """The target's households with ids lo … hi, in id order."""
    rows = await conn.fetch(
        f"SELECT id FROM ({_IN_SCOPE}) x WHERE id BETWEEN $6 AND $7 ORDER BY id", *target.params(), lo, hi
    )
    return [r["id"] for r in rows]


async def count_target(conn: Connection, target: Target) -> int:
    total: int = await conn.fetchval(f"SELECT count(*) FROM ({_IN_SCOPE}) x", *target.params())
    return total


async def lock_run(conn: Connection, kind: RunKind, run_id: int) -> Any:
    return await conn.fetchrow(f"SELECT * FROM {TABLES[kind].name} WHERE id = $1 FOR UPDATE", run_id)


async def get_run(conn: Connection, kind: RunKind, run_id: int) -> Any:
    return await conn.fetchrow(f"SELECT * FROM {TABLES[kind].name} WHERE id = $1", run_id)


async def start(conn: Connection, kind: RunKind, run_id: int, *, partition_size: int) -> Any:
    """Plan a QUEUED run (in the caller's transaction) and return its row; a started run as it is, None
    when it does not exist. Concurrent callers serialise on the run's row lock: one plans."""
    row = await lock_run(conn, kind, run_id)
    if row is None or row["status"] != RunStatus.QUEUED:
        return row
    target = Target.of_row(kind, row)
    planned = await conn.fetch(_PLAN, *target.params(), kind.value, run_id, partition_size)
    total = sum(r["households"] for r in planned)
    return await conn.fetchrow(
        f"UPDATE {TABLES[kind].name} SET status = 'RUNNING', total = $2, done = 0, "
        "started_at = coalesce(started_at, now()) WHERE id = $1 RETURNING *",
        run_id,
        total,
    )


async def claim(conn: Connection, kind: RunKind, run_id: int) -> Partition | None:
    """Lock the next QUEUED partition nobody holds (inside the caller's transaction), or None."""
    row = await conn.fetchrow(_CLAIM, kind.value, run_id)
    return Partition(kind, run_id, row["seq"], row["lo"], row["hi"]) if row else None


async def complete(conn: Connection, part: Partition, outcome: Outcome) -> None:
    """Mark the partition DONE and add its counts to the run; commits with the partition's work."""
    await conn.execute(
        "UPDATE run_partition SET status = 'DONE', done = $4, changed = $5, result = $6, finished_at = now() "
        "WHERE kind = $1 AND run_id = $2 AND seq = $3",
        part.kind.value,
        part.run_id,
        part.seq,
        outcome.done,
        outcome.changed,
        outcome.result,
    )
    table = TABLES[part.kind]
    if table.changed is None:
        await conn.execute(
            f"UPDATE {table.name} SET done = done + $2 WHERE id = $1", part.run_id, outcome.done
        )
        return
    await conn.execute(
        f"UPDATE {table.name} SET done = done + $2, {table.changed} = {table.changed} + $3, "
        "last_household_id = greatest(last_household_id, $4) WHERE id = $1",
        part.run_id,
        outcome.done,
        outcome.changed,
        part.hi,
    )


async def work_partition(conn: Connection, kind: RunKind, run_id: int, work: Work) -> bool:
    """Claim, work and complete one partition in one transaction; False when none was free."""
    async with conn.transaction():
        part = await claim(conn, kind, run_id)
        if part is None:
            return False
        run = await get_run(conn, kind, run_id)
        ids = await household_ids(conn, Target.of_row(kind, run), part.lo, part.hi)
        outcome = await work(conn, run, part, ids) if ids else Outcome(0)
        await complete(conn, part, outcome)
    return True


async def finish_if_done(conn: Connection, kind: RunKind, run_id: int, finish: Finish | None = None) -> bool:
    """Finish the run when every partition is DONE (idempotent); True when the run is finished."""
    async with conn.transaction():
        row = await lock_run(conn, kind, run_id)
        if row is None or row["status"] in (RunStatus.DONE, RunStatus.FAILED):
            return True
        if row["status"] == RunStatus.QUEUED:
            return False
        pending = await conn.fetchval(
            "SELECT count(*) FROM run_partition WHERE kind = $1 AND run_id = $2 AND status <> 'DONE'",
            kind.value,
            run_id,
        )
        if pending:
            return False
        if finish is not None:
            partials = await conn.fetch(
                "SELECT result FROM run_partition WHERE kind = $1 AND run_id = $2 ORDER BY seq",
                kind.value,
                run_id,
            )
            await finish(conn, row, [r["result"] for r in partials if r["result"] is not None])
        await conn.execute(
            f"UPDATE {TABLES[kind].name} SET status = 'DONE', finished_at = now() WHERE id = $1", run_id
        )
    return True


async def progress(conn: Connection, kind: RunKind, run_id: int) -> tuple[int, int]:
    """(partitions DONE, partitions) of a run."""
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE status = 'DONE') AS done, count(*) AS total FROM run_partition "
        "WHERE kind = $1 AND run_id = $2",
        kind.value,
        run_id,
    )
    assert row is not None
    return row["done"], row["total"]


async def step(
    conn: Connection,
    kind: RunKind,
    run_id: int,
    work: Work,
    *,
    partition_size: int,
    finish: Finish | None = None,
) -> bool:
    """One step of a run for one worker: plan it if QUEUED, then work one free partition (True), or,
    with none free, finish the run if every partition is DONE (False: nothing left for this worker).
    Each step commits on its own; the caller's transaction, if any, holds them as savepoints."""
    row = await get_run(conn, kind, run_id)
    if row is None or row["status"] in (RunStatus.DONE, RunStatus.FAILED):
        return False
    if row["status"] == RunStatus.QUEUED:
        async with conn.transaction():
            await start(conn, kind, run_id, partition_size=partition_size)
    if await work_partition(conn, kind, run_id, work):
        return True
    await finish_if_done(conn, kind, run_id, finish)
    return False
