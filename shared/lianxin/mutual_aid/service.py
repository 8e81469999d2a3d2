"""Mutual-aid verbs: publish a yearly plan, enroll a household's members, file and review claims.

A coverage's cap is per member and plan year, across all that member's claims under the coverage
that are not rejected. Filing locks the member's enrollment row first, so concurrent claims are
checked one after the other and can never pass the cap together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

import asyncpg

from lianxin.core.db import UnitOfWork
from lianxin.core.errors import DomainError, IssueCollector, NotFound
from lianxin.core.ids import to_global_id
from lianxin.core.money import MoneyError, fen_to_yuan, parse_yuan
from lianxin.events.outbox import record_event
from lianxin.mutual_aid import repository as repo
from lianxin.mutual_aid.models import (
    TRANSITIONS,
    Claim,
    ClaimStatus,
    Coverage,
    Enrollment,
    MutualAidPlan,
)

FIRST_YEAR: Final = 2000


@dataclass(frozen=True)
class NewClaim:
    plan_id: int
    member_id: int
    coverage: Coverage
    amount: Decimal
    incurred_on: date


def _yuan(issues: IssueCollector, value: Decimal, path: list[str]) -> int | None:
    try:
        fen = parse_yuan(value)
    except MoneyError as exc:
        issues.add(exc.code, exc.message, path)
        return None
    if fen == 0:
        issues.add("AMOUNT_NOT_POSITIVE", "the amount must be above 0", path)
        return None
    return fen


async def create_plan(
    uow: UnitOfWork,
    year: int,
    name: str,
    women_only: bool,
    coverages: list[tuple[Coverage, Decimal]],
    *,
    today: date,
) -> MutualAidPlan:
    """Publish a year's plan with a per-member cap for each coverage; (year, name) is unique."""
    issues = IssueCollector()
    cleaned = name.strip()
    if not cleaned:
        issues.add("NAME_REQUIRED", "name the plan", ["name"])
    elif len(cleaned) > 200:
        issues.add("NAME_TOO_LONG", "the name is longer than 200 characters", ["name"])
    if not FIRST_YEAR <= year <= today.year + 1:
        issues.add("INVALID_YEAR", f"the year must be between {FIRST_YEAR} and {today.year + 1}", ["year"])
    if not coverages:
        issues.add("COVERAGE_REQUIRED", "a plan covers at least one risk", ["coverages"])
    caps: dict[Coverage, int] = {}
    for i, (coverage, cap) in enumerate(coverages):
        if coverage in caps:
            issues.add("DUPLICATE_COVERAGE", f"{coverage.value} is listed twice", ["coverages", str(i)])
        fen = _yuan(issues, cap, ["coverages", str(i), "cap"])
        if fen is not None:
            caps[coverage] = fen
    duplicate = f"a plan named {cleaned!r} already exists for {year}"
    if cleaned and await repo.find_plan(uow.conn, year, cleaned) is not None:
        issues.add("DUPLICATE_PLAN", duplicate, ["name"])
    issues.raise_if_any()
    try:
        async with uow.conn.transaction():  # savepoint: a lost race on UNIQUE (year, name)
            plan = await repo.insert_plan(uow.conn, year, cleaned, women_only, caps)
    except asyncpg.UniqueViolationError:
        raise DomainError.single("DUPLICATE_PLAN", duplicate, ["name"]) from None
    caps_yuan = {c.value: str(fen_to_yuan(f)) for c, f in caps.items()}
    await record_event(
        uow.conn,
        "mutual_aid.plan_created",
        to_global_id("MutualAidPlan", plan.id),
        {"year": year, "name": plan.name, "womenOnly": women_only, "caps": caps_yuan},
    )
    return plan


async def enroll_household(
    uow: UnitOfWork, plan_id: int, household_id: int, *, today: date
) -> list[Enrollment]:
    """Enroll (free of charge) every member of an ACTIVE household; women's plans take female members.

    Idempotent: members already enrolled stay as they are. Returns the household's enrollments.
    """
    issues = IssueCollector()
    plan = await repo.get_plan(uow.conn, plan_id)
    if plan is None:
        issues.add("PLAN_NOT_FOUND", "the plan does not exist", ["planId"])
    status = await repo.household_status(uow.conn, household_id)
    if status is None:
        issues.add("HOUSEHOLD_NOT_FOUND", "the household does not exist", ["householdId"])
    elif status != "ACTIVE":
        issues.add("HOUSEHOLD_NOT_ACTIVE", f"the household is {status}", ["householdId"])
    issues.raise_if_any()
    assert plan is not None
    members = await repo.list_members(uow.conn, household_id)
    eligible = [mid for mid, sex in members if not plan.women_only or sex == "FEMALE"]
    if not eligible:
        why = "no female members for a women workers' plan" if members else "no members yet"
        raise DomainError.single("NO_ELIGIBLE_MEMBERS", f"the household has {why}", ["householdId"])
    enrollments = await repo.enroll_members(uow.conn, plan.id, household_id, eligible, today)
    await record_event(
        uow.conn,
        "mutual_aid.enrolled",
        to_global_id("Household", household_id),
        {"planId": to_global_id("MutualAidPlan", plan.id), "members": len(enrollments)},
    )
    return enrollments


async def file_claim(uow: UnitOfWork, new: NewClaim, *, today: date) -> Claim:
    """File a claim for an enrolled member; refused with CLAIM_OVER_CAP beyond the coverage's cap."""
    issues = IssueCollector()
    plan = await repo.get_plan(uow.conn, new.plan_id)
    enrollment = await repo.lock_enrollment(uow.conn, new.plan_id, new.member_id) if plan else None
    if plan is None:
        issues.add("PLAN_NOT_FOUND", "the plan does not exist", ["planId"])
    elif enrollment is None:
        issues.add("NOT_ENROLLED", "the member is not enrolled in this plan", ["memberId"])
    caps = {c.coverage: c.cap_fen for c in await repo.list_coverages_by_plan_ids(uow.conn, [new.plan_id])}
    if plan is not None and new.coverage not in caps:
        issues.add("COVERAGE_NOT_IN_PLAN", f"the plan does not cover {new.coverage.value}", ["coverage"])
    if plan is not None and new.incurred_on.year != plan.year:
        issues.add("OUTSIDE_PLAN_YEAR", f"the plan covers {plan.year} only", ["incurredOn"])
    if new.incurred_on > today:
        issues.add("INCURRED_IN_FUTURE", "a claim is for something that has happened", ["incurredOn"])
    fen = _yuan(issues, new.amount, ["amount"])
    if enrollment is not None and fen is not None and new.coverage in caps:
        cap = caps[new.coverage]
        claimed = await repo.claimed_fen(uow.conn, enrollment.id, new.coverage)
        if claimed + fen > cap:
            issues.add(
                "CLAIM_OVER_CAP",
                f"{new.coverage.value} pays at most {fen_to_yuan(cap)} yuan per member this year; "
                f"{fen_to_yuan(claimed)} is already claimed, {fen_to_yuan(max(cap - claimed, 0))} remains",
                ["amount"],
            )
    issues.raise_if_any()
    assert enrollment is not None
    assert fen is not None
    claim = await repo.insert_claim(uow.conn, enrollment, new.coverage, fen, new.incurred_on)
    await _event(uow, claim, enrollment.household_id, "mutual_aid.claim_filed")
    return claim


async def review_claim(uow: UnitOfWork, claim_id: int, status: ClaimStatus, reason: str | None) -> Claim:
    """Move a claim on: SUBMITTED → APPROVED/REJECTED, APPROVED → PAID/REJECTED (with a reason)."""
    current = await repo.lock_claim(uow.conn, claim_id)
    if current is None:
        raise NotFound.single("NOT_FOUND", "the claim does not exist", ["id"])
    issues = IssueCollector()
    if status not in TRANSITIONS[current.status]:
        issues.add(
            "INVALID_TRANSITION", f"a {current.status.value} claim cannot become {status.value}", ["status"]
        )
    cleaned = (reason or "").strip() or None
    if status is ClaimStatus.REJECTED and cleaned is None:
        issues.add("REASON_REQUIRED", "say why the claim is rejected", ["reason"])
    issues.raise_if_any()
    claim = await repo.update_claim(uow.conn, claim_id, status, cleaned)
    household_id = await repo.enrollment_household(uow.conn, claim.enrollment_id)
    await _event(uow, claim, household_id, "mutual_aid.claim_updated")
    return claim


async def _event(uow: UnitOfWork, claim: Claim, household_id: int, event_type: str) -> None:
    await record_event(
        uow.conn,
        event_type,
        to_global_id("Household", household_id),
        {
            "claimId": to_global_id("MutualAidClaim", claim.id),
            "coverage": claim.coverage.value,
            "amount": str(fen_to_yuan(claim.amount_fen)),
            "status": claim.status.value,
        },
    )
