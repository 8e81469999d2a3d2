"""Casework verbs: record a survey visit (入户调研) with its findings and plan (因户施策).

Rounds are numbered per household and calendar year in the order visits are recorded, under a lock
on the household row; UNIQUE (household_id, year, round) backs the numbering in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final

from lianxin.casework import repository as repo
from lianxin.casework.models import Findings, PlanAction, Visit
from lianxin.core.db import UnitOfWork
from lianxin.core.errors import IssueCollector
from lianxin.core.ids import to_global_id
from lianxin.events.outbox import record_event

MAX_VISITORS: Final = 20
MAX_ACTIONS: Final = 50
MAX_NAME: Final = 100
MAX_TEXT: Final = 2000


@dataclass(frozen=True)
class NewAction:
    action: str
    owner: str
    due_on: date


@dataclass(frozen=True)
class NewVisit:
    household_id: int
    visited_on: date
    visitors: list[str]
    findings: Findings
    plan: list[NewAction] = field(default_factory=list)


def _text(issues: IssueCollector, value: str | None, path: list[str], limit: int = MAX_TEXT) -> str | None:
    cleaned = (value or "").strip()
    if len(cleaned) > limit:
        issues.add("TEXT_TOO_LONG", f"{path[-1]} is longer than {limit} characters", path)
    return cleaned or None


def _check_visitors(issues: IssueCollector, visitors: list[str]) -> list[str]:
    names = [v.strip() for v in visitors]
    if not any(names):
        issues.add("VISITORS_REQUIRED", "name at least one visitor", ["visitors"])
    elif len(names) > MAX_VISITORS:
        issues.add("TOO_MANY_VISITORS", f"at most {MAX_VISITORS} visitors", ["visitors"])
    for i, name in enumerate(names):
        if not name:
            issues.add("VISITOR_NAME_REQUIRED", "a visitor's name must not be empty", ["visitors", str(i)])
        elif len(name) > MAX_NAME:
            issues.add("VISITOR_NAME_TOO_LONG", f"longer than {MAX_NAME} characters", ["visitors", str(i)])
    return names


def _check_findings(issues: IssueCollector, f: Findings) -> Findings:
    situation = _text(issues, f.family_situation, ["findings", "familySituation"])
    if situation is None:
        issues.add(
            "FAMILY_SITUATION_REQUIRED", "describe the family's situation", ["findings", "familySituation"]
        )
    return Findings(
        family_situation=situation or "",
        hardship_causes=_text(issues, f.hardship_causes, ["findings", "hardshipCauses"]),
        skills=_text(issues, f.skills, ["findings", "skills"]),
        employment_wishes=_text(issues, f.employment_wishes, ["findings", "employmentWishes"]),
        state_of_mind=_text(issues, f.state_of_mind, ["findings", "stateOfMind"]),
    )


def _check_plan(issues: IssueCollector, plan: list[NewAction], visited_on: date) -> list[PlanAction]:
    if len(plan) > MAX_ACTIONS:
        issues.add("TOO_MANY_ACTIONS", f"a plan has at most {MAX_ACTIONS} actions", ["plan"])
    checked: list[PlanAction] = []
    for i, item in enumerate(plan):
        at = ["plan", str(i)]
        action = _text(issues, item.action, [*at, "action"], 500)
        owner = _text(issues, item.owner, [*at, "owner"], MAX_NAME)
        if action is None:
            issues.add("ACTION_REQUIRED", "say what is to be done", [*at, "action"])
        if owner is None:
            issues.add("OWNER_REQUIRED", "name who answers for the action", [*at, "owner"])
        if item.due_on < visited_on:
            issues.add("DUE_BEFORE_VISIT", f"the visit was on {visited_on}", [*at, "dueOn"])
        checked.append(PlanAction(position=i, action=action or "", owner=owner or "", due_on=item.due_on))
    return checked


async def record_visit(uow: UnitOfWork, new: NewVisit, *, today: date, recorded_by: str | None) -> Visit:
    """Record a visit to an ACTIVE household as the next round of its year; emits `visit.recorded`."""
    issues = IssueCollector()
    found = await repo.lock_household(uow.conn, new.household_id)
    if found is None:
        issues.add("HOUSEHOLD_NOT_FOUND", "the household does not exist", ["householdId"])
    elif found[0] != "ACTIVE":
        issues.add("HOUSEHOLD_NOT_ACTIVE", f"the household is {found[0]}", ["householdId"])
    if new.visited_on > today:
        issues.add("VISIT_IN_FUTURE", "a visit cannot be recorded before it happens", ["visitedOn"])
    visitors = _check_visitors(issues, new.visitors)
    findings = _check_findings(issues, new.findings)
    plan = _check_plan(issues, new.plan, new.visited_on)
    issues.raise_if_any()
    assert found is not None
    round_ = await repo.next_round(uow.conn, new.household_id, new.visited_on.year)
    visit = await repo.insert_visit(
        uow.conn, new.household_id, new.visited_on, round_, visitors, findings, plan, recorded_by
    )
    await record_event(
        uow.conn,
        "visit.recorded",
        to_global_id("Household", new.household_id),
        {
            "visitId": to_global_id("Visit", visit.id),
            "visitedOn": visit.visited_on.isoformat(),
            "year": visit.year,
            "round": visit.round,
            "actions": len(visit.plan),
        },
        region_code=found[1],
    )
    return visit
