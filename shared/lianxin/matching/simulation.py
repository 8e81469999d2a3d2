"""What-if simulation (`simulateDibaoPolicy`): apply candidate parameters to every active household of
a region (column-wise, partition by partition on the shared run mechanism), without writing
decisions, and summarise by outcome and by the union's category (RULES.md v2) against the current
decisions, with every change of outcome and of category.

This is the question a federation asks before the yearly raise of the standard: how many households
would become (or stop being) eligible, and what would the monthly benefits cost?
"""

from __future__ import annotations

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from lianxin import run as runs
from lianxin.core.db import Connection, UnitOfWork
from lianxin.core.errors import IssueCollector
from lianxin.core.jobs import Job, record_job
from lianxin.core.money import fen_to_yuan
from lianxin.core.region import validate_region_code
from lianxin.eligibility import DibaoParameters, decide, parse_parameters
from lianxin.eligibility import vector as v
from lianxin.matching import repository as repo
from lianxin.matching import simulation_facts as lean
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

    def partial(self) -> dict[str, Any]:
        """The counters as JSON, to be merged (`merge`) with other partitions' into one summary."""
        return {
            "households": dict(self.households),
            "benefit": dict(self.benefit_fen),
            "categories": [[k, n] for k, n in self.categories.items()],
            "outcomeChanges": [[a, b, n] for (a, b), n in self.outcome_changes.items()],
            "categoryChanges": [[a, b, n] for (a, b), n in self.category_changes.items()],
            "counts": [self.changed, self.newly_eligible, self.no_longer_eligible],
        }

    def merge(self, partial: dict[str, Any]) -> None:
        self.households.update(partial["households"])
        self.benefit_fen.update(partial["benefit"])
        for k, n in partial["categories"]:
            self.categories[k] += n
        for a, b, n in partial["outcomeChanges"]:
            self.outcome_changes[a, b] += n
        for a, b, n in partial["categoryChanges"]:
            self.category_changes[a, b] += n
        changed, newly, no_longer = partial["counts"]
        self.changed += changed
        self.newly_eligible += newly
        self.no_longer_eligible += no_longer

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
    runs.check_target(issues, region_code, None)
    parameters = check_parameters(issues, raw)
    issues.raise_if_any()
    region = validate_region_code(region_code)
    sim_id: int = await uow.conn.fetchval(repo.Q.insert_simulation, region, parameters, requested_by)
    await record_job(uow, Job.SIMULATE_POLICY, {"simulation_id": sim_id})
    return sim_id


SIMULATION_PARTITION: Final = 50_000  # households per partition of a simulation (lianxin.run)
# The numpy work of every lane of a process, one partition at a time, off the event loop: the loop
# keeps streaming the other lanes' rows meanwhile, and one thread keeps one malloc arena (peak RSS).
_NUMPY: Final = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simulation")


async def tally_households(
    conn: Connection, ids: list[int], params: DibaoParameters, as_of: date, lo: int, hi: int
) -> Tally:
    """Decide `ids` (households of the run's target, all within lo … hi) under `params` column-wise,
    nothing written, and count them against their current decisions.

    The lean path (`simulation_facts`): the partition's rows are read narrow and reduced in numpy, no
    fingerprint and no trace; the numpy work runs in a thread (`_NUMPY`), so that the event loop keeps
    reading for the other lanes of the run meanwhile (numpy releases the GIL in its loops)."""
    tally = Tally()
    if not ids:
        return tally
    raw = await lean.read_partition(conn, ids, lo, hi)
    loop = asyncio.get_running_loop()
    exact_ids = await loop.run_in_executor(_NUMPY, _tally_vectorised, raw, params, as_of, tally)
    if exact_ids:
        await _tally_exact(conn, exact_ids, params, as_of, tally)
    return tally


def _tally_vectorised(raw: lean.Raw, params: DibaoParameters, as_of: date, tally: Tally) -> list[int]:
    """Count the households the vector path decides; the ids left to the exact engine."""
    f = lean.reduce_partition(raw, as_of)
    if len(f.columns):
        for rows in lean.int64_groups(f.columns, params):
            r = v.evaluate(lean.take(f.columns, rows), params)
            _count(tally, r, f.before[rows], f.before_category[rows])
    return f.exact_ids


def _count(tally: Tally, r: v.Result, before: npt.NDArray[Any], before_category: npt.NDArray[Any]) -> None:
    """Add column-wise results to the tally, as `Tally.add` would one by one."""
    names = [o.value for o in v.OUTCOMES]
    outcome = r.outcome.astype(np.int64)
    for k, count in enumerate(np.bincount(outcome, minlength=len(names)).tolist()):
        if count:
            tally.households[names[k]] += count
            tally.benefit_fen[names[k]] += int(r.benefit[outcome == k].sum())
    cats = [None if c is None else c.value for c in v.CATEGORIES]
    for k, count in enumerate(np.bincount(r.category.astype(np.int64), minlength=4).tolist()):
        if count:
            tally.categories[cats[k]] += count
    had = before >= 0
    eligible = np.isin(outcome, [v.O_DIBAO, v.O_EXPENDITURE, v.O_SINGLE])
    was = np.isin(before, [v.O_DIBAO, v.O_EXPENDITURE, v.O_SINGLE])
    moved = had & (before != outcome)
    tally.changed += int(moved.sum())
    tally.newly_eligible += int((moved & eligible & ~was).sum())
    tally.no_longer_eligible += int((moved & ~eligible & was).sum())
    pairs = before[moved] * 8 + outcome[moved]
    for pair, count in zip(*np.unique(pairs, return_counts=True), strict=True):
        tally.outcome_changes[names[int(pair) // 8], names[int(pair) % 8]] += int(count)
    cat = r.category.astype(np.int64)
    shifted = had & (before_category != cat)
    pairs = before_category[shifted] * 4 + cat[shifted]
    for pair, count in zip(*np.unique(pairs, return_counts=True), strict=True):
        tally.category_changes[cats[int(pair) // 4], cats[int(pair) % 4]] += int(count)


async def _tally_exact(
    conn: Connection, ids: list[int], params: DibaoParameters, as_of: date, tally: Tally
) -> None:
    facts = await load_facts(conn, ids)
    current = {d.household_id: d for d in await repo.latest_decisions_by_household_ids(conn, ids)}
    for hid in ids:
        decision = decide(facts[hid], params, as_of)
        category = decision.suggested_category.value if decision.suggested_category else None
        tally.add(decision.outcome.value, decision.monthly_benefit_fen, category, current.get(hid))


def partition_work(as_of: date) -> runs.Work:
    """What a simulation does with one partition: tally it; the partial tally is kept on the partition."""

    async def work(conn: Connection, run: Any, part: runs.Partition, ids: list[int]) -> runs.Outcome:
        params = parse_parameters(run["parameters"])
        tally = await tally_households(conn, ids, params, as_of, part.lo, part.hi)
        return runs.Outcome(done=len(ids), result=tally.partial())

    return work


async def finish(conn: Connection, run: Any, partials: list[dict[str, Any]]) -> None:
    """Merge the partitions' tallies into the simulation's results."""
    tally = Tally()
    for partial in partials:
        tally.merge(partial)
    await conn.execute(repo.Q.finish_simulation, run["id"], tally.as_json())


async def run_simulation(
    conn: Connection, sim_id: int, *, as_of: date, chunk_size: int = SIMULATION_PARTITION
) -> dict[str, Any] | None:
    """Work a whole simulation from this caller (others may help); its results once finished."""
    while await runs.step(
        conn, runs.RunKind.SIMULATION, sim_id, partition_work(as_of), partition_size=chunk_size, finish=finish
    ):
        pass
    results: dict[str, Any] | None = await conn.fetchval(
        "SELECT results FROM policy_simulation WHERE id = $1", sim_id
    )
    return results
