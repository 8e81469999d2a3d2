"""Household ledger records (困难职工家庭档案) as read from the database."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, NewType, TypeVar, cast

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

E = TypeVar("E", bound=Enum)


def by_value(cls: type[E]) -> Callable[[Any], E]:
    """`cls(value)` as a dict lookup: a page builds hundreds of members, each with four enums, and
    `EnumType.__call__` costs several times a lookup. Anything not found (a wrong value) still goes
    through `cls(value)`, so it fails the same way."""
    table = {member.value: member for member in cls}

    def convert(value: Any) -> E:
        return table.get(value) or cls(value)

    return convert


_level, _category, _status = by_value(ArchiveLevel), by_value(HardshipCategory), by_value(HouseholdStatus)
_reason, _exclusion = by_value(HardshipReason), by_value(ArchiveExclusion)
_relation, _sex, _health, _employment = (
    by_value(Relation),
    by_value(Sex),
    by_value(Health),
    by_value(Employment),
)
_income, _expenditure, _asset = by_value(IncomeKind), by_value(ExpenditureKind), by_value(AssetKind)

M = TypeVar("M")


def _reasons(values: list[str]) -> tuple[HardshipReason, ...]:
    return tuple(map(_reason, values))


def _exclusions(values: list[str]) -> tuple[ArchiveExclusion, ...]:
    return tuple(map(_exclusion, values))


_BUILDERS: dict[tuple[type, tuple[str, ...]], Callable[[asyncpg.Record], Any]] = {}


def partial_builder(
    cls: type[M], columns: tuple[str, ...], convert: tuple[tuple[str, Callable[[Any], Any]], ...]
) -> Callable[[asyncpg.Record], M]:
    """Builds a model of only `columns` from a row of exactly those columns in that order (a read of
    some columns, `repository.*_COLUMNS`): every other attribute is left unset, so reading one raises
    AttributeError instead of answering a default. One compiled function per column list, the same
    assignments a frozen dataclass's __init__ makes (names only ever from the repository's tuples)."""
    found = _BUILDERS.get((cls, columns))
    if found is not None:
        return cast(Callable[[asyncpg.Record], M], found)
    fields = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    if not set(columns) <= fields or not all(c.isidentifier() for c in columns):
        raise ValueError(f"not attributes of {cls.__name__}: {columns}")
    converters = dict(convert)
    lines = ["def build(row):", "    obj = new(cls)"]
    for k, name in enumerate(columns):
        value = f"row[{k}]"
        if name in converters:
            value = f"(None if {value} is None else to_{name}({value}))"
        lines.append(f"    set(obj, {name!r}, {value})")
    lines.append("    return obj")
    scope: dict[str, Any] = {"new": object.__new__, "set": object.__setattr__, "cls": cls}
    scope.update({f"to_{name}": to for name, to in converters.items()})
    exec("\n".join(lines), scope)  # code made of the names checked above, as dataclasses do
    build: Callable[[asyncpg.Record], M] = scope["build"]
    if len(_BUILDERS) >= 512:  # a client picks the column lists (by its selections): kept bounded
        _BUILDERS.clear()
    _BUILDERS[(cls, columns)] = build
    return build


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
            id=row["id"],
            archive_no=row["archive_no"],
            level=_level(row["level"]),
            category=_category(row["category"]),
            status=_status(row["status"]),
            status_changed_on=row["status_changed_on"],
            status_reason=row["status_reason"],
            hardship_reasons=tuple(map(_reason, row["hardship_reasons"])),
            region_code=row["region_code"],
            union_id=row["union_id"],
            contact_name=row["contact_name"],
            contact_phone=row["contact_phone"],
            archived_on=row["archived_on"],
            version=row["version"],
            updated_at=row["updated_at"],
            major_event_casualty=row["major_event_casualty"],
            exclusions=tuple(map(_exclusion, row["exclusions"])),
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


@dataclass(frozen=True, slots=True)
class Income:
    household_id: HouseholdId
    kind: IncomeKind
    monthly_fen: int
    member_position: int | None

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
    def from_row(cls, row: asyncpg.Record) -> Expenditure:
        return cls(row["household_id"], _expenditure(row["kind"]), row["annual_fen"])


@dataclass(frozen=True, slots=True)
class Asset:
    household_id: HouseholdId
    kind: AssetKind
    value_fen: int
    count: int

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
