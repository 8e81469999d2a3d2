"""Household ledger records (困难职工家庭档案) as read from the database."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NewType, TypeVar

import asyncpg

from lianxin.core.rows import attribute_builder, build_all, by_value, partial_builder, tuple_of
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
T = TypeVar("T")

_level, _category, _status = by_value(ArchiveLevel), by_value(HardshipCategory), by_value(HouseholdStatus)
_relation, _sex, _health, _employment = (
    by_value(Relation),
    by_value(Sex),
    by_value(Health),
    by_value(Employment),
)
_income, _expenditure, _asset = by_value(IncomeKind), by_value(ExpenditureKind), by_value(AssetKind)

_reasons, _exclusions = tuple_of(HardshipReason), tuple_of(ArchiveExclusion)

_HOUSEHOLD_CONVERT: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("level", _level),
    ("category", _category),
    ("status", _status),
    ("hardship_reasons", _reasons),
    ("exclusions", _exclusions),
)
_MEMBER_CONVERT: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("relation", _relation),
    ("sex", _sex),
    ("health", _health),
    ("employment", _employment),
)

_INCOME_CONVERT: tuple[tuple[str, Callable[[Any], Any]], ...] = (("kind", _income),)
_EXPENDITURE_CONVERT: tuple[tuple[str, Callable[[Any], Any]], ...] = (("kind", _expenditure),)
_ASSET_CONVERT: tuple[tuple[str, Callable[[Any], Any]], ...] = (("kind", _asset),)


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
    def from_rows(cls, rows: Sequence[asyncpg.Record]) -> list[Household]:
        """`from_row` of each row (one compiled builder per statement's column order)."""
        return build_all(cls, rows, _HOUSEHOLD_CONVERT)

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Household:
        return cls(
            id=row["id"],
            archive_no=row["archive_no"],
            level=_level(row["level"]),
            category=_category(row["category"]),
            status=_status(row["status"]),
            status_changed_on=row["status_changed_on"],
            status_reason=row["status_reason"],
            hardship_reasons=_reasons(row["hardship_reasons"]),
            region_code=row["region_code"],
            union_id=row["union_id"],
            contact_name=row["contact_name"],
            contact_phone=row["contact_phone"],
            archived_on=row["archived_on"],
            version=row["version"],
            updated_at=row["updated_at"],
            major_event_casualty=row["major_event_casualty"],
            exclusions=_exclusions(row["exclusions"]),
        )

    @classmethod
    def from_columns(cls, columns: tuple[str, ...]) -> Callable[[asyncpg.Record], Household]:
        """What builds a household of rows of these columns (`repository.HOUSEHOLD_COLUMNS`, in that
        order); the other attributes unset."""
        return partial_builder(cls, columns, _HOUSEHOLD_CONVERT)


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
    def from_rows(cls, rows: Sequence[asyncpg.Record]) -> list[Member]:
        """`from_row` of each row (one compiled builder per statement's column order)."""
        return build_all(cls, rows, _MEMBER_CONVERT)

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Member:
        return cls(
            id=row["id"],
            household_id=row["household_id"],
            position=row["position"],
            name=row["name"],
            relation=_relation(row["relation"]),
            id_number=row["id_number"],
            sex=_sex(row["sex"]),
            birth_date=row["birth_date"],
            health=_health(row["health"]),
            employment=_employment(row["employment"]),
        )

    @classmethod
    def from_columns(cls, columns: tuple[str, ...]) -> Callable[[asyncpg.Record], Member]:
        """What builds a member of rows of these columns (`repository.MEMBER_COLUMNS`, in that
        order); the other attributes unset."""
        return partial_builder(cls, columns, _MEMBER_CONVERT)

    @staticmethod
    def view_builder(
        target: type[T], columns: tuple[str, ...], attributes: tuple[str, ...]
    ) -> Callable[[asyncpg.Record], T]:
        """What makes a `target` (an object keeping its attributes in its `__dict__`, e.g. the API's
        view of a member) straight from a row of these columns, no Member made: its `attributes`
        (fields of Member) converted as `from_columns` converts them, None for those not read."""
        unknown = set(attributes) - {f.name for f in dataclasses.fields(Member)}
        if unknown:
            raise ValueError(f"not fields of Member: {sorted(unknown)}")
        return attribute_builder(target, columns, attributes, _MEMBER_CONVERT)


@dataclass(frozen=True, slots=True)
class Income:
    household_id: HouseholdId
    kind: IncomeKind
    monthly_fen: int
    member_position: int | None

    @classmethod
    def from_rows(cls, rows: Sequence[asyncpg.Record]) -> list[Income]:
        """`from_row` of each row (one compiled builder per statement's column order)."""
        return build_all(cls, rows, _INCOME_CONVERT)

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Income:
        return cls(
            row["household_id"],
            _income(row["kind"]),
            row["monthly_fen"],
            row["member_position"],
        )


@dataclass(frozen=True, slots=True)
class Expenditure:
    household_id: HouseholdId
    kind: ExpenditureKind
    annual_fen: int

    @classmethod
    def from_rows(cls, rows: Sequence[asyncpg.Record]) -> list[Expenditure]:
        """`from_row` of each row (one compiled builder per statement's column order)."""
        return build_all(cls, rows, _EXPENDITURE_CONVERT)

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Expenditure:
        return cls(row["household_id"], _expenditure(row["kind"]), row["annual_fen"])


@dataclass(frozen=True, slots=True)
class Asset:
    household_id: HouseholdId
    kind: AssetKind
    value_fen: int
    count: int

    @classmethod
    def from_rows(cls, rows: Sequence[asyncpg.Record]) -> list[Asset]:
        """`from_row` of each row (one compiled builder per statement's column order)."""
        return build_all(cls, rows, _ASSET_CONVERT)

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Asset:
        return cls(row["household_id"], _asset(row["kind"]), row["value_fen"], row["count"])


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
