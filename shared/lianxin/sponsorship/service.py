"""Sponsorship verbs: pair a household with a sponsor (结对), end a pairing."""

from __future__ import annotations

from datetime import date

import asyncpg

from lianxin.core.db import UnitOfWork
from lianxin.core.errors import DomainError, IssueCollector, NotFound
from lianxin.core.ids import to_global_id
from lianxin.events.outbox import record_event
from lianxin.household import repository as household_repo
from lianxin.household.enums import HouseholdStatus
from lianxin.organization import repository as org_repo
from lianxin.organization.models import OrganizationKind
from lianxin.sponsorship import repository as repo
from lianxin.sponsorship.models import Sponsorship


async def pair_household(
    uow: UnitOfWork, household_id: int, sponsor_id: int, started_on: date, *, today: date
) -> Sponsorship:
    """Pair an active household with a sponsor organization; one open pairing per pair."""
    issues = IssueCollector()
    household = await household_repo.get_household(uow.conn, household_id)
    if household is None:
        issues.add("HOUSEHOLD_NOT_FOUND", "the household does not exist", ["householdId"])
    elif household.status is not HouseholdStatus.ACTIVE:
        issues.add("HOUSEHOLD_NOT_ACTIVE", f"the household is {household.status.value}", ["householdId"])
    sponsor = await org_repo.get_organization(uow.conn, sponsor_id)
    if sponsor is None:
        issues.add("SPONSOR_NOT_FOUND", "the sponsor organization does not exist", ["sponsorId"])
    elif sponsor.kind is not OrganizationKind.SPONSOR:
        issues.add(
            "NOT_A_SPONSOR",
            f"{sponsor.name} is registered as {sponsor.kind.value}, not SPONSOR",
            ["sponsorId"],
        )
    if started_on > today:
        issues.add("START_IN_FUTURE", "a pairing cannot start after today", ["startedOn"])
    if household and sponsor and await repo.open_pair_exists(uow.conn, household_id, sponsor_id):
        issues.add("DUPLICATE_SPONSORSHIP", "this household and sponsor are already paired", ["sponsorId"])
    issues.raise_if_any()
    assert household is not None
    try:
        async with uow.conn.transaction():
            pairing = await repo.insert_sponsorship(uow.conn, household_id, sponsor_id, started_on)
    except asyncpg.UniqueViolationError:
        raise DomainError.single(
            "DUPLICATE_SPONSORSHIP", "this household and sponsor are already paired", ["sponsorId"]
        ) from None
    await _event(uow, pairing, "sponsorship.created", household.region_code)
    return pairing


async def end_pairing(
    uow: UnitOfWork, sponsorship_id: int, ended_on: date, reason: str, *, today: date
) -> Sponsorship:
    """End an open pairing on a date no earlier than its start, with a reason."""
    current = await repo.lock_sponsorship(uow.conn, sponsorship_id)
    if current is None:
        raise NotFound.single("NOT_FOUND", "the sponsorship does not exist", ["id"])
    issues = IssueCollector()
    if not current.active:
        issues.add("ALREADY_ENDED", f"the pairing ended on {current.ended_on}", ["id"])
    if ended_on < current.started_on:
        issues.add("END_BEFORE_START", f"the pairing started on {current.started_on}", ["endedOn"])
    if ended_on > today:
        issues.add("END_IN_FUTURE", "a pairing cannot end after today", ["endedOn"])
    if not reason.strip():
        issues.add("REASON_REQUIRED", "say why the pairing ends", ["reason"])
    issues.raise_if_any()
    ended = await repo.end_sponsorship(uow.conn, sponsorship_id, ended_on, reason.strip())
    household = await household_repo.get_household(uow.conn, ended.household_id)
    await _event(uow, ended, "sponsorship.ended", household.region_code if household else None)
    return ended


async def _event(uow: UnitOfWork, pairing: Sponsorship, event_type: str, region_code: str | None) -> None:
    await record_event(
        uow.conn,
        event_type,
        to_global_id("Household", pairing.household_id),
        {
            "sponsorshipId": to_global_id("Sponsorship", pairing.id),
            "sponsorId": to_global_id("Organization", pairing.sponsor_id),
            "startedOn": pairing.started_on.isoformat(),
            "endedOn": pairing.ended_on.isoformat() if pairing.ended_on else None,
        },
        region_code=region_code,
    )
