"""What-if simulation (`simulateDibaoPolicy`): apply candidate parameters to every active household of
a region, without writing decisions, and summarise by outcome against the current decisions.

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
from lianxin.household import repository as household_repo
from lianxin.matching import repository as repo
from lianxin.matching.facts import group_by_household, household_facts
from lianxin.policy.service import check_parameters


@dataclass
class Tally:
    households: Counter[str] = field(default_factory=Counter)
    benefit_fen: Counter[str] = field(default_factory=Counter)
    changed: int = 0
    newly_eligible: int = 0
    no_longer_eligible: int = 0

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
    members = group_by_household(await household_repo.list_members_by_household_ids(conn, ids))
    incomes = group_by_household(await household_repo.list_incomes_by_household_ids(conn, ids))
    expenditures = group_by_household(await household_repo.list_expenditures_by_household_ids(conn, ids))
    assets = group_by_household(await household_repo.list_assets_by_household_ids(conn, ids))
    current = await repo.current_by_household_ids(conn, ids)
    for hid in ids:
        facts = household_facts(
            members.get(hid, []), incomes.get(hid, []), expenditures.get(hid, []), assets.get(hid, [])
        )
        outcome = decide(facts, params, as_of)
        name = outcome.outcome.value
        tally.households[name] += 1
        tally.benefit_fen[name] += outcome.monthly_benefit_fen
        before = current.get(hid)
        if before is not None and before[2] != name:
            tally.changed += 1
            tally.newly_eligible += name in ELIGIBLE and before[2] not in ELIGIBLE
            tally.no_longer_eligible += name not in ELIGIBLE and before[2] in ELIGIBLE


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
