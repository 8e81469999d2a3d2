"""SQL access for decisions and runs. Functions take the connection first and never commit."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, cast

from lianxin.access.rules import ListScope
from lianxin.core.db import Connection
from lianxin.core.plan_shapes import for_ids
from lianxin.core.sql import load_queries
from lianxin.matching.models import EligibilityRun, Simulation, StoredDecision

Q = load_queries(__package__)


async def lock_active_households(conn: Connection, ids: list[int]) -> dict[int, str]:
    """Row-lock the ACTIVE households among `ids` (in id order, so lockers never deadlock): id → region."""
    return {r["id"]: r["region_code"] for r in await conn.fetch(Q.lock_active_households, ids)}


async def v2_facts_by_household_ids(
    conn: Connection, ids: list[int]
) -> dict[int, tuple[bool, tuple[str, ...]]]:
    """household id → (major_event_casualty, exclusions): the RULES.md v2 facts kept on the household."""
    rows = await conn.fetch(Q.v2_facts_by_household_ids, ids)
    return {r["id"]: (r["major_event_casualty"], tuple(r["exclusions"])) for r in rows}


async def current_by_household_ids(conn: Connection, ids: list[int]) -> dict[int, tuple[int, str, str, int]]:
    """household id → (policy id, fingerprint, outcome, decision id) of its current decision."""
    rows = await conn.fetch(Q.current_by_household_ids, ids)
    return {
        r["household_id"]: (r["policy_id"], r["fingerprint"], r["outcome"], r["decision_id"]) for r in rows
    }


async def insert_decisions(
    conn: Connection, decisions: list[dict[str, Any]], evaluated_on: date, run_id: int | None
) -> dict[int, int]:
    """Insert decisions in one statement; household id → new decision id."""
    rows = await conn.fetch(Q.insert_decisions, decisions, evaluated_on, run_id)
    return {r["household_id"]: r["id"] for r in rows}


async def upsert_current(conn: Connection, rows: list[tuple[int, int, int, str, str]]) -> None:
    """(household id, decision id, policy id, fingerprint, outcome) become the current decisions."""
    await conn.execute(
        Q.upsert_current,
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        [r[4] for r in rows],
    )


async def list_decisions_by_ids(conn: Connection, ids: list[int]) -> list[StoredDecision]:
    return [StoredDecision.from_row(r) for r in await conn.fetch(Q.list_decisions_by_ids, ids)]


async def latest_decisions_by_household_ids(
    conn: Connection, ids: list[int], *, trace: bool = True
) -> list[StoredDecision]:
    """The current decisions of `ids`; with `trace=False` without their trace (reading it fails)."""
    if not trace:
        rows = await conn.fetch(*for_ids(Q.latest_decisions_without_trace_by_household_ids, ids))
        return [StoredDecision.from_row(r, trace_read=False) for r in rows]
    return [
        StoredDecision.from_row(r)
        for r in await conn.fetch(*for_ids(Q.latest_decisions_by_household_ids, ids))
    ]


# the columns of `latest_decision_fields_by_household_ids`, in order (`…_with_trace_…`: and "trace")
DECISION_FIELDS = (
    "id",
    "household_id",
    "policy_id",
    "fingerprint",
    "outcome",
    "counted_income_fen",
    "per_capita_income_fen",
    "standard_fen",
    "monthly_benefit_fen",
    "suggested_category",
    "evaluated_on",
    "evaluated_at",
    "run_id",
    "category_income_fen",
    "rules_version",
)


def latest_decisions_part(
    *, trace: bool = True
) -> tuple[str, Callable[[Sequence[Any]], list[StoredDecision]]]:
    """`latest_decisions_by_household_ids` as a part of a combined statement (`plan_shapes.combined`):
    plain fields (a row value cannot hold json, decoded as text), the trace's text decoded here as
    the connection's json codec does."""
    if not trace:
        return Q.latest_decision_fields_by_household_ids, _decisions_without_trace
    return Q.latest_decision_fields_with_trace_by_household_ids, _decisions_with_trace


def _decisions_without_trace(rows: Sequence[Any]) -> list[StoredDecision]:
    return [
        StoredDecision.from_row(cast(Any, dict(zip(DECISION_FIELDS, r, strict=True))), trace_read=False)
        for r in rows
    ]


def _decisions_with_trace(rows: Sequence[Any]) -> list[StoredDecision]:
    out = []
    for r in rows:
        fields = dict(zip((*DECISION_FIELDS, "trace"), r, strict=True))
        if fields["trace"] is not None:
            fields["trace"] = json.loads(fields["trace"])
        out.append(StoredDecision.from_row(cast(Any, fields)))
    return out


async def list_decisions_by_household_ids(conn: Connection, ids: list[int]) -> list[StoredDecision]:
    return [
        StoredDecision.from_row(r) for r in await conn.fetch(*for_ids(Q.list_decisions_by_household_ids, ids))
    ]


async def insert_run(
    conn: Connection, region_code: str | None, union_id: int | None, reason: str, *, scope: ListScope
) -> EligibilityRun:
    row = await conn.fetchrow(Q.insert_run, region_code, union_id, reason, *scope.household_params())
    assert row is not None
    return EligibilityRun.from_row(row)


async def run_with_reason_exists(conn: Connection, reason: str) -> bool:
    """A run with this reason that is queued, running or done (not FAILED)."""
    found: bool = await conn.fetchval(Q.run_with_reason_exists, reason)
    return found


async def decided_by_older_rules(conn: Connection, rules_version: int) -> bool:
    found: bool = await conn.fetchval(Q.decided_by_older_rules, rules_version)
    return found


async def get_run(conn: Connection, run_id: int) -> EligibilityRun | None:
    row = await conn.fetchrow(Q.get_run, run_id)
    return EligibilityRun.from_row(row) if row else None


async def list_runs_by_ids(conn: Connection, ids: list[int]) -> list[EligibilityRun]:
    return [EligibilityRun.from_row(r) for r in await conn.fetch(Q.list_runs_by_ids, ids)]


async def list_simulations_by_ids(conn: Connection, ids: list[int]) -> list[Simulation]:
    return [Simulation.from_row(r) for r in await conn.fetch(Q.list_simulations_by_ids, ids)]
