"""Referral verbs: open or withdraw referrals after decisions; agencies move them along."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lianxin.core.db import Connection, UnitOfWork
from lianxin.core.errors import IssueCollector, NotFound
from lianxin.core.ids import to_global_id
from lianxin.core.region import RegionCodeError, region_prefixes, validate_region_code
from lianxin.events.outbox import record_event, record_events
from lianxin.referral import repository as repo
from lianxin.referral.models import NEXT, Agency, Referral, ReferralStatus

WITHDRAW_REASON = "a later decision found the household no longer eligible"


@dataclass(frozen=True)
class DecidedHousehold:
    household_id: int
    region_code: str
    eligible: bool
    decision_id: int


def _agency_for(region_code: str, agencies: dict[str, Agency]) -> Agency | None:
    """The agency of the longest matching region (county, then city, then province)."""
    return next((agencies[c] for c in region_prefixes(region_code) if c in agencies), None)


def _event(referral: Referral, type_: str, region_code: str | None) -> dict[str, Any]:
    return {
        "type": type_,
        "subject_id": to_global_id("Household", referral.household_id),
        "region_code": region_code,
        "payload": {
            "referralId": to_global_id("Referral", referral.id),
            "status": referral.status.value,
            "agencyId": to_global_id("Agency", referral.agency_id),
            "reason": referral.reason,
        },
    }


async def follow_decisions(conn: Connection, decided: list[DecidedHousehold]) -> tuple[int, int]:
    """Open a referral for newly eligible households without one; withdraw open ones of the
    no longer eligible. Returns (opened, withdrawn). Runs inside the deciding transaction."""
    if not decided:
        return 0, 0
    open_by_household = {
        r.household_id: r
        for r in await repo.open_referrals_by_household_ids(conn, [d.household_id for d in decided])
    }
    codes = sorted({c for d in decided for c in region_prefixes(d.region_code)})
    agencies = {a.region_code: a for a in await repo.agencies_for_regions(conn, codes)}
    to_open: list[tuple[int, int, int]] = []
    to_withdraw: list[int] = []
    region_of = {d.household_id: d.region_code for d in decided}
    for d in decided:
        current = open_by_household.get(d.household_id)
        if d.eligible and current is None:
            agency = _agency_for(d.region_code, agencies)
            if agency is not None:
                to_open.append((d.household_id, agency.id, d.decision_id))
        elif not d.eligible and current is not None:
            to_withdraw.append(current.id)
    opened = await repo.insert_referrals(conn, to_open) if to_open else []
    withdrawn = await repo.withdraw_referrals(conn, to_withdraw, WITHDRAW_REASON) if to_withdraw else []
    await record_events(
        conn,
        [_event(r, "referral.created", region_of[r.household_id]) for r in opened]
        + [_event(r, "referral.updated", region_of[r.household_id]) for r in withdrawn],
    )
    return len(opened), len(withdrawn)


async def register_agency(uow: UnitOfWork, name: str, region_code: str) -> Agency:
    """Register the civil-affairs agency (民政局) of a region; one per region."""
    issues = IssueCollector()
    if not name.strip():
        issues.add("NAME_REQUIRED", "the name must not be empty", ["name"])
    try:
        region = validate_region_code(region_code)
    except RegionCodeError as exc:
        issues.add("INVALID_REGION_CODE", str(exc), ["regionCode"])
        region = None
    if region and await repo.agency_for_region_exists(uow.conn, region):
        issues.add("DUPLICATE_AGENCY", f"region {region} already has an agency", ["regionCode"])
    issues.raise_if_any()
    assert region is not None
    return await repo.insert_agency(uow.conn, name, region)


async def advance_referral(
    uow: UnitOfWork, referral_id: int, status: ReferralStatus, reason: str | None, *, agency_id: int | None
) -> Referral:
    """An agency moves its referral: SENT → RECEIVED → INVESTIGATING → APPROVED/REJECTED (with reason)."""
    current = await repo.lock_referral(uow.conn, referral_id)
    if current is None or (agency_id is not None and current.agency_id != agency_id):
        raise NotFound.single("NOT_FOUND", "the referral does not exist", ["id"])
    issues = IssueCollector()
    allowed = NEXT.get(current.status, set())
    if status not in allowed:
        names = ", ".join(sorted(s.value for s in allowed)) or "nothing (it is closed)"
        issues.add("INVALID_TRANSITION", f"a {current.status.value} referral can move to {names}", ["status"])
    cleaned = (reason or "").strip() or None
    if status is ReferralStatus.REJECTED and cleaned is None:
        issues.add("REASON_REQUIRED", "a rejection needs a reason", ["reason"])
    issues.raise_if_any()
    updated = await repo.set_referral_status(uow.conn, referral_id, status, cleaned)
    await record_event(
        uow.conn,
        "referral.updated",
        to_global_id("Household", updated.household_id),
        _event(updated, "referral.updated", None)["payload"],
    )
    return updated
