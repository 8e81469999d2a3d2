"""Referrals (转介民政) of eligible households to the civil-affairs agency of their region."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import asyncpg


class ReferralStatus(StrEnum):
    SENT = "SENT"
    RECEIVED = "RECEIVED"
    INVESTIGATING = "INVESTIGATING"  # town/street household economic-status check
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"


OPEN = frozenset({ReferralStatus.SENT, ReferralStatus.RECEIVED, ReferralStatus.INVESTIGATING})

# What an agency may do next from each status (WITHDRAWN is the engine's, not the agency's).
NEXT = {
    ReferralStatus.SENT: {ReferralStatus.RECEIVED},
    ReferralStatus.RECEIVED: {ReferralStatus.INVESTIGATING},
    ReferralStatus.INVESTIGATING: {ReferralStatus.APPROVED, ReferralStatus.REJECTED},
}


@dataclass(frozen=True, slots=True)
class Agency:
    id: int
    name: str
    region_code: str

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Agency:
        return cls(id=row["id"], name=row["name"], region_code=row["region_code"])


@dataclass(frozen=True, slots=True)
class Referral:
    id: int
    household_id: int
    agency_id: int
    decision_id: int
    status: ReferralStatus
    reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Referral:
        return cls(
            id=row["id"],
            household_id=row["household_id"],
            agency_id=row["agency_id"],
            decision_id=row["decision_id"],
            status=ReferralStatus(row["status"]),
            reason=row["reason"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )
