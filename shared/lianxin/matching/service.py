"""Matching households against 低保 policies: one household after a change (the exact engine), or a
region/union as a partitioned run (lianxin.matching.runner, column-wise). A decision is written only
when the inputs fingerprint or the policy changed, under row locks, so retried or duplicated jobs
produce exactly one new decision per real change."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from lianxin import run as runs
from lianxin.access.rules import EVERYTHING, ListScope
from lianxin.core.db import Connection, UnitOfWork
from lianxin.core.errors import IssueCollector
from lianxin.core.ids import to_global_id
from lianxin.core.jobs import Job, record_job
from lianxin.eligibility import RULES_VERSION, Decision, DibaoParameters, decide, fingerprint
from lianxin.eligibility.render import trace_json
from lianxin.events.outbox import record_events
from lianxin.matching import repository as repo
from lianxin.matching.facts import load_facts
from lianxin.matching.models import ELIGIBLE, EligibilityRun
from lianxin.policy import repository as policy_repo
from lianxin.policy import service as policy_service
from lianxin.policy.models import DibaoPolicy
from lianxin.referral.service import DecidedHousehold, follow_decisions
from lianxin.trade_union import repository as union_repo

log = logging.getLogger(__name__)

CHUNK_SIZE = 1000


@dataclass(frozen=True)
class BatchResult:
    considered: int
    decided: int
    referrals_opened: int
    referrals_withdrawn: int


def _row(household_id: int, policy: DibaoPolicy, fp: str, d: Decision) -> dict[str, Any]:
    return {
        "household_id": household_id,
        "policy_id": policy.id,
        "fingerprint": fp,
        "outcome": d.outcome.value,
        "counted_income_fen": d.counted_income_fen,
        "per_capita_income_fen": d.per_capita_income_fen,
        "standard_fen": d.standard_fen,
        "monthly_benefit_fen": d.monthly_benefit_fen,
        "suggested_category": d.suggested_category.value if d.suggested_category else None,
        "single_person_members": list(d.single_person_members),
        "trace": trace_json(d),
        "category_income_fen": d.category_income_fen,
        "rules_version": d.rules_version,
    }


class PolicyCache:
    """The governing policy per region, its parameters parsed once per batch."""

    def __init__(self, conn: Connection, as_of: date) -> None:
        self.conn, self.as_of = conn, as_of
        self.by_region: dict[str, tuple[DibaoPolicy, DibaoParameters] | None] = {}

    async def get(self, region_code: str) -> tuple[DibaoPolicy, DibaoParameters] | None:
        if region_code not in self.by_region:
            policy = await policy_repo.find_policy_for(self.conn, region_code, self.as_of)
            self.by_region[region_code] = (policy, policy.parameters) if policy else None
        return self.by_region[region_code]


async def decide_households(
    conn: Connection, household_ids: list[int], *, as_of: date, run_id: int | None = None
) -> BatchResult:
    """Decide the ACTIVE households among `household_ids` inside the caller's transaction."""
    regions = await repo.lock_active_households(conn, household_ids)
    ids = list(regions)
    if not ids:
        return BatchResult(0, 0, 0, 0)
    all_facts = await load_facts(conn, ids)
    current = await repo.current_by_household_ids(conn, ids)
    policies = PolicyCache(conn, as_of)
    rows: list[dict[str, Any]] = []
    for hid in ids:
        governing = await policies.get(regions[hid])
        if governing is None:
            continue  # no policy governs this region yet; publishing one re-matches it
        policy, params = governing
        facts = all_facts[hid]
        fp = fingerprint(facts, params, as_of=as_of)
        now = current.get(hid)
        if now is not None and now[0] == policy.id and now[1] == fp:
            continue  # unchanged inputs under an unchanged policy: nothing to decide
        rows.append(_row(hid, policy, fp, decide(facts, params, as_of)))
    if not rows:
        return BatchResult(len(ids), 0, 0, 0)
    new_ids = await repo.insert_decisions(conn, rows, as_of, run_id)
    await repo.upsert_current(
        conn,
        [
            (r["household_id"], new_ids[r["household_id"]], r["policy_id"], r["fingerprint"], r["outcome"])
            for r in rows
        ],
    )
    await record_events(conn, [_decided_event(r, new_ids, regions) for r in rows])
    decided = [
        DecidedHousehold(
            r["household_id"],
            regions[r["household_id"]],
            r["outcome"] in ELIGIBLE,
            new_ids[r["household_id"]],
        )
        for r in rows
    ]
    opened, withdrawn = await follow_decisions(conn, decided)
    return BatchResult(len(ids), len(rows), opened, withdrawn)


def _decided_event(row: dict[str, Any], new_ids: dict[int, int], regions: dict[int, str]) -> dict[str, Any]:
    hid = row["household_id"]
    return {
        "type": "eligibility.decided",
        "subject_id": to_global_id("Household", hid),
        "region_code": regions[hid],
        "payload": {
            "decisionId": to_global_id("EligibilityDecision", new_ids[hid]),
            "outcome": row["outcome"],
            "monthlyBenefitFen": row["monthly_benefit_fen"],
            "policyId": to_global_id("DibaoPolicy", row["policy_id"]),
            "suggestedCategory": row["suggested_category"],
            "categoryIncomeFen": row["category_income_fen"],
        },
    }


async def request_run(
    uow: UnitOfWork, *, region_code: str | None, union_id: int | None, reason: str, scope: ListScope
) -> EligibilityRun:
    """Queue a re-match of every active household of a region or a union's subtree.

    The run records `scope`, the requesting caller's (EVERYTHING for the system's own runs), and decides
    only households inside it as well: a region the caller cannot reach is like a region without active
    households, an empty run (total 0), so it tells nothing about what lies there.
    """
    issues = IssueCollector()
    runs.check_target(issues, region_code, union_id)
    if union_id is not None and await union_repo.get_union(uow.conn, union_id) is None:
        issues.add("UNION_NOT_FOUND", "the union does not exist", ["unionId"])
    issues.raise_if_any()
    run = await repo.insert_run(uow.conn, region_code, union_id, reason, scope=scope)
    await record_job(uow, Job.RUN_ELIGIBILITY, {"run_id": run.id})
    return run


async def publish_policy(
    uow: UnitOfWork, region_code: str, effective_from: date, raw: object, published_by: str | None
) -> tuple[DibaoPolicy, EligibilityRun]:
    """Publish a policy version and queue the re-match of the households it governs."""
    policy = await policy_service.publish_policy(uow, region_code, effective_from, raw, published_by)
    # publishing is ADMIN's (the resolver checks): the region's whole re-match is the system's own run
    run = await request_run(
        uow, region_code=policy.region_code, union_id=None, reason="policy.published", scope=EVERYTHING
    )
    return policy, run


RULES_UPGRADE_REASON = f"rules.v{RULES_VERSION}"


async def request_rules_upgrade(uow: UnitOfWork) -> EligibilityRun | None:
    """Deploying a new RULES.md version re-decides every household once: queue one run over every
    active household (no region, no union) when some active household's current decision was made by
    an older rules version and no run for this version was queued yet (a FAILED one is retried).

    Called at every worker start and after `lianxin migrate`; concurrent callers serialise on an
    advisory lock, so two workers starting together queue one run. The run is resumable like any
    other; the rules version is part of every fingerprint, so it decides each household exactly once.
    """
    await uow.conn.execute("SELECT pg_advisory_xact_lock(hashtext('lianxin.rules_upgrade'))")
    if await repo.run_with_reason_exists(uow.conn, RULES_UPGRADE_REASON):
        return None
    if not await repo.decided_by_older_rules(uow.conn, RULES_VERSION):
        return None
    # the system's own run over every household (no caller, no scope)
    run = await repo.insert_run(uow.conn, None, None, RULES_UPGRADE_REASON, scope=EVERYTHING)
    await record_job(uow, Job.RUN_ELIGIBILITY, {"run_id": run.id})
    log.info("rules version %s deployed: run %s re-decides every active household", RULES_VERSION, run.id)
    return run
