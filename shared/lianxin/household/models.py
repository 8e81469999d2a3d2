"""Household ledger records (困难职工家庭档案) as read from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NewType

import asyncpg

from lianxin.household.enums import (
    ArchiveExclusion,
    ArchiveLevel,
    AssetKind,
    Employment,
    ExpenditureKind,
    HardshipCategory,
    HardshipReason,
    Health,
    HouseholdStatus,
    IncomeKind,
    Relation,
)
from lianxin.household.resident_id import Sex

HouseholdId = NewType("HouseholdId", int)
MemberId = NewType("MemberId", int)


@dataclass(frozen=True, slots=True)
class Household:
    id: HouseholdId
    archive_no: str
    level: ArchiveLevel
    category: HardshipCategory
    status: HouseholdStatus
    status_changed_on: date | None
    status_reason: str | None
    hardship_reasons: tuple[HardshipReason, ...]
    region_code: str
    union_id: int
    contact_name: str | None
    contact_phone: str | None
    archived_on: date
    version: int
    updated_at: datetime
    # RULES.md v2 facts of the union's classification
    major_event_casualty: bool = False
    exclusions: tuple[ArchiveExclusion, ...] = ()

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Household:
        return cls(
            id=HouseholdId(row["id"]),
            archive_no=row["archive_no"],
            level=ArchiveLevel(row["level"]),
            category=HardshipCategory(row["category"]),
            status=HouseholdStatus(row["status"]),
            status_changed_on=row["status_changed_on"],
            status_reason=row["status_reason"],
            hardship_reasons=tuple(HardshipReason(r) for r in row["hardship_reasons"]),
            region_code=row["region_code"],
            union_id=row["union_id"],
            contact_name=row["contact_name"],
            contact_phone=row["contact_phone"],
            archived_on=row["archived_on"],
            version=row["version"],
            updated_at=row["updated_at"],
            major_event_casualty=row["major_event_casualty"],
            exclusions=tuple(ArchiveExclusion(e) for e in row["exclusions"]),
        )


@dataclass(frozen=True, slots=True)
class Member:
    id: MemberId
    household_id: HouseholdId
    position: int
    name: str
    relation: Relation
    id_number: str
    sex: Sex
    birth_date: date
    health: Health
    employment: Employment

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Member:
        return cls(
            id=MemberId(row["id"]),
            household_id=HouseholdId(row["household_id"]),
            position=row["position"],
            name=row["name"],
            relation=Relation(row["relation"]),
            id_number=row["id_number"],
            sex=Sex(row["sex"]),
            birth_date=row["birth_date"],
            health=Health(row["health"]),
            employment=Employment(row["employment"]),
        )


@dataclass(frozen=True, slots=True)
class Income:
    household_id: HouseholdId
    kind: IncomeKind
    monthly_fen: int
    member_position: int | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Income:
        return cls(
            HouseholdId(row["household_id"]),
            IncomeKind(row["kind"]),
            row["monthly_fen"],
            row["member_position"],
        )


@dataclass(frozen=True, slots=True)
class Expenditure:
    household_id: HouseholdId
    kind: ExpenditureKind
    annual_fen: int

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Expenditure:
        return cls(HouseholdId(row["household_id"]), ExpenditureKind(row["kind"]), row["annual_fen"])


@dataclass(frozen=True, slots=True)
class Asset:
    household_id: HouseholdId
    kind: AssetKind
    value_fen: int
    count: int

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Asset:
        return cls(HouseholdId(row["household_id"]), AssetKind(row["kind"]), row["value_fen"], row["count"])


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One change of a household's status (`household_status_change`): on which day, from and to
    which status, and the caseworker's reason (free text, as `Household.status_reason`)."""

    household_id: HouseholdId
    changed_on: date
    from_status: HouseholdStatus
    to_status: HouseholdStatus
    reason: str | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> StatusChange:
        return cls(
            household_id=HouseholdId(row["household_id"]),
            changed_on=row["changed_on"],
            from_status=HouseholdStatus(row["from_status"]),
            to_status=HouseholdStatus(row["to_status"]),
            reason=row["reason"],
        )
