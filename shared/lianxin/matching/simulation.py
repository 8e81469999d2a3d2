"""What-if simulation (`simulateDibaoPolicy`): apply candidate parameters to every active household of
a region, without writing decisions, and summarise by outcome and by the union's category (RULES.md
v2) against the current decisions, with every change of outcome and of category.

This is the question a federation asks before the yearly raise of the standard: how many households
would become (or stop being) eligible, and what would the monthly benefits cost?
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lianxin.access.rules import EVERYTHING
from lianxin.core.db import Connection, UnitOfWork
from lianxin.core.errors import IssueCollector
from lianxin.core.jobs import Job, record_job
from lianxin.core.money import fen_to_yuan
from lianxin.core.region import RegionCodeError, region_prefix, validate_region_code
from lianxin.eligibility import DibaoParameters, decide, parse_parameters
from lianxin.matching import repository as repo
from lianxin.matching.facts import load_facts
from lianxin.matching.models import StoredDecision
from lianxin.policy.service import check_parameters


def _none_last(value: str | None) -> tuple[bool, str]:
    return (value is None, value or "")


@dataclass
class Tally:
    households: Counter[str] = field(default_factory=Counter)
    benefit_fen: Counter[str] = field(default_factory=Counter)
    categories: Counter[str | None] = field(default_factory=Counter)  # None: no category
    outcome_changes: Counter[tuple[str, str]] = field(default_factory=Counter)
    category_changes: Counter[tuple[str | None, str | None]] = field(default_factory=Counter)
    changed: int = 0
    newly_eligible: int = 0
    no_longer_eligible: int = 0

    def add(
        self, outcome: str, benefit_fen: int, category: str | None, before: StoredDecision | None
    ) -> None:
        """One household: its simulated outcome and category against its current decision (if any)."""
        self.households[outcome] += 1
        self.benefit_fen[outcome] += benefit_fen
        self.categories[category] += 1
        if before is None:
            return
        if before.outcome.value != outcome:
            self.changed += 1
            self.outcome_changes[before.outcome.value, outcome] += 1
            self.newly_eligible += outcome in ELIGIBLE and before.outcome.value not in ELIGIBLE
            self.no_longer_eligible += outcome not in ELIGIBLE and before.outcome.value in ELIGIBLE
        now = before.suggested_category.value if before.suggested_category else None
        if now != category:
            self.category_changes[now, category] += 1

    def as_json(self) -> dict[str, Any]:
        return {
            "byOutcome": [
                {"outcome": o, "households": n, "monthlyBenefit": str(fen_to_yuan(self.benefit_fen[o]))}
                for o, n in sorted(self.households.items())
            ],
            "totalMonthlyBenefit": str(fen_to_yuan(sum(self.benefit_fen.values()))),
            "changedOutcome": self.changed,
            "newlyEligible": self.newly_eligible,
            "noLongerEligible": self.no_longer_eligible,
            # RULES.md v2: the union's classification, and every change of outcome or of category
            "byCategory": [
                {"category": c, "households": n}
                for c, n in sorted(self.categories.items(), key=lambda kv: _none_last(kv[0]))
            ],
            "changedCategory": sum(self.category_changes.values()),
            "outcomeChanges": [
                {"from": a, "to": b, "households": n} for (a, b), n in sorted(self.outcome_changes.items())
            ],
            "categoryChanges": [
                {"from": a, "to": b, "households": n}
                for (a, b), n in sorted(
                    self.category_changes.items(), key=lambda kv: (_none_last(kv[0][0]), _none_last(kv[0][1]))
                )
            ],
        }


ELIGIBLE = {"DIBAO", "EXPENDITURE_TYPE", "SINGLE_PERSON"}


async def request_simulation(uow: UnitOfWork, region_code: str, raw: object, requested_by: str | None) -> int:
    """Validate the candidate parameters and queue the simulation; returns its id."""
    issues = IssueCollector()
    try:
        region = validate_region_code(region_code)
    except RegionCodeError as exc:
        issues.add("INVALID_REGION_CODE", str(exc), ["regionCode"])
        region = None
    parameters = check_parameters(issues, raw)
    issues.raise_if_any()
    sim_id: int = await uow.conn.fetchval(repo.Q.insert_simulation, region, parameters, requested_by)
    await record_job(uow, Job.SIMULATE_POLICY, {"simulation_id": sim_id})
    return sim_id


async def _tally_chunk(
    conn: Connection, ids: list[int], params: DibaoParameters, as_of: date, tally: Tally
) -> None:
    facts = await load_facts(conn, ids)
    current = {d.household_id: d for d in await repo.latest_decisions_by_household_ids(conn, ids)}
    for hid in ids:
        decision = decide(facts[hid], params, as_of)
        category = decision.suggested_category.value if decision.suggested_category else None
        tally.add(decision.outcome.value, decision.monthly_benefit_fen, category, current.get(hid))


async def run_simulation(
    conn: Connection, sim_id: int, *, as_of: date, chunk_size: int = 1000
) -> dict[str, Any]:
    """Stream the region's active households in chunks (bounded memory); store and return the summary."""
    row = await conn.fetchrow("SELECT region_code, parameters FROM policy_simulation WHERE id = $1", sim_id)
    assert row is not None
    params = parse_parameters(row["parameters"])
    prefix = region_prefix(row["region_code"])
    # simulations are ADMIN's alone (simulateDibaoPolicy): the whole region, no caller scope to apply
    total = await repo.count_scope(conn, prefix, None, scope=EVERYTHING)
    await conn.execute(
        "UPDATE policy_simulation SET status = 'RUNNING', total = $2 WHERE id = $1", sim_id, total
    )
    tally, after, done = Tally(), 0, 0
    while ids := await repo.scope_household_ids(conn, prefix, None, after, chunk_size, scope=EVERYTHING):
        await _tally_chunk(conn, ids, params, as_of, tally)
        after, done = ids[-1], done + len(ids)
        await conn.execute(repo.Q.advance_simulation, sim_id, done)
    results = tally.as_json()
    await conn.execute(repo.Q.finish_simulation, sim_id, results)
    return results
