"""Household input as given by a caseworker, and its validation (pure: no I/O, `today` passed in).

Field paths in issues use the GraphQL input names, e.g. ["members", "1", "idNumber"].
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lianxin.core.errors import IssueCollector
from lianxin.core.money import MoneyError, parse_yuan
from lianxin.household.enums import (
    ArchiveExclusion,
    AssetKind,
    Employment,
    ExpenditureKind,
    HardshipReason,
    Health,
    IncomeKind,
    Relation,
)
from lianxin.household.resident_id import ResidentIdError, Sex, parse_resident_id

ARCHIVE_NO = re.compile(r"^[A-Za-z0-9-]{1,40}$")
PHONE = re.compile(r"^[0-9+() -]{5,20}$")
MAX_MEMBERS = 30
MAX_ITEMS = 100


@dataclass(frozen=True)
class MemberDraft:
    name: str
    relation: Relation
    id_number: str
    health: Health
    employment: Employment
    birth_date: date | None = None


@dataclass(frozen=True)
class IncomeDraft:
    kind: IncomeKind
    monthly_amount: Decimal
    member_index: int | None = None


@dataclass(frozen=True)
class ExpenditureDraft:
    kind: ExpenditureKind
    annual_amount: Decimal


@dataclass(frozen=True)
class AssetDraft:
    kind: AssetKind
    value: Decimal
    count: int = 1


@dataclass(frozen=True)
class ValidMember:
    position: int
    name: str
    relation: Relation
    id_number: str
    sex: Sex
    birth_date: date
    health: Health
    employment: Employment


@dataclass(frozen=True)
class ValidIncome:
    kind: IncomeKind
    monthly_fen: int
    member_position: int | None


@dataclass(frozen=True)
class ValidExpenditure:
    kind: ExpenditureKind
    annual_fen: int


@dataclass(frozen=True)
class ValidAsset:
    kind: AssetKind
    value_fen: int
    count: int


def check_archive_no(issues: IssueCollector, archive_no: str) -> str:
    cleaned = archive_no.strip()
    if not ARCHIVE_NO.match(cleaned):
        issues.add("INVALID_ARCHIVE_NO", "archive numbers are 1–40 letters, digits or '-'", ["archiveNo"])
    return cleaned


def check_phone(issues: IssueCollector, phone: str | None) -> str | None:
    if phone is None or not phone.strip():
        return None
    if not PHONE.match(phone.strip()):
        issues.add(
            "INVALID_PHONE", "a phone number is 5–20 digits, spaces, '+', '-' or brackets", ["contactPhone"]
        )
    return phone.strip()


def unique_reasons(reasons: Sequence[HardshipReason]) -> tuple[HardshipReason, ...]:
    return tuple(dict.fromkeys(reasons))


def unique_exclusions(exclusions: Sequence[ArchiveExclusion]) -> tuple[ArchiveExclusion, ...]:
    """RULES.md v2 exclusions as a set, in the enum's order (so equal sets are stored alike)."""
    given = set(exclusions)
    return tuple(e for e in ArchiveExclusion if e in given)


def _member(issues: IssueCollector, index: int, draft: MemberDraft, today: date) -> ValidMember | None:
    path = ["members", str(index)]
    name = draft.name.strip()
    if not name or len(name) > 100:
        issues.add("INVALID_NAME", "a member's name is 1–100 characters", [*path, "name"])
    try:
        resident = parse_resident_id(draft.id_number, today=today)
    except ResidentIdError as exc:
        issues.add(f"INVALID_{exc.code}", exc.message, [*path, "idNumber"])
        return None
    if draft.birth_date is not None and draft.birth_date != resident.birth_date:
        issues.add(
            "BIRTH_DATE_MISMATCH",
            f"birth date {draft.birth_date} disagrees with the ID number ({resident.birth_date})",
            [*path, "birthDate"],
        )
    return ValidMember(
        index,
        name,
        draft.relation,
        resident.number,
        resident.sex,
        resident.birth_date,
        draft.health,
        draft.employment,
    )


def check_members(issues: IssueCollector, drafts: Sequence[MemberDraft], today: date) -> list[ValidMember]:
    """Each member valid; no person twice; exactly one HEAD when there are members."""
    if len(drafts) > MAX_MEMBERS:
        issues.add("TOO_MANY_MEMBERS", f"a household has at most {MAX_MEMBERS} members", ["members"])
        return []
    members = [m for i, d in enumerate(drafts) if (m := _member(issues, i, d, today)) is not None]
    seen: dict[str, int] = {}
    for m in members:
        if m.id_number in seen:
            issues.add(
                "DUPLICATE_MEMBER",
                f"the same ID number is given for members {seen[m.id_number]} and {m.position}",
                ["members", str(m.position), "idNumber"],
            )
        seen.setdefault(m.id_number, m.position)
    heads = sum(1 for d in drafts if d.relation is Relation.HEAD)
    if drafts and heads != 1:
        issues.add("HEAD_REQUIRED", f"a household needs exactly one HEAD member, got {heads}", ["members"])
    return members


def _fen(issues: IssueCollector, amount: Decimal, path: list[str]) -> int:
    try:
        return parse_yuan(amount)
    except MoneyError as exc:
        issues.add(exc.code, exc.message, path)
        return 0


def check_incomes(
    issues: IssueCollector, drafts: Sequence[IncomeDraft], member_count: int
) -> list[ValidIncome]:
    if len(drafts) > MAX_ITEMS:
        issues.add("TOO_MANY_ITEMS", f"at most {MAX_ITEMS} incomes", ["incomes"])
        return []
    result = []
    for i, d in enumerate(drafts):
        fen = _fen(issues, d.monthly_amount, ["incomes", str(i), "monthlyAmount"])
        if d.member_index is not None and not 0 <= d.member_index < member_count:
            issues.add(
                "MEMBER_INDEX_OUT_OF_RANGE",
                f"memberIndex {d.member_index} does not name one of the {member_count} members",
                ["incomes", str(i), "memberIndex"],
            )
        result.append(ValidIncome(d.kind, fen, d.member_index))
    return result


def check_expenditures(issues: IssueCollector, drafts: Sequence[ExpenditureDraft]) -> list[ValidExpenditure]:
    if len(drafts) > MAX_ITEMS:
        issues.add("TOO_MANY_ITEMS", f"at most {MAX_ITEMS} expenditures", ["expenditures"])
        return []
    return [
        ValidExpenditure(d.kind, _fen(issues, d.annual_amount, ["expenditures", str(i), "annualAmount"]))
        for i, d in enumerate(drafts)
    ]


def check_assets(issues: IssueCollector, drafts: Sequence[AssetDraft]) -> list[ValidAsset]:
    if len(drafts) > MAX_ITEMS:
        issues.add("TOO_MANY_ITEMS", f"at most {MAX_ITEMS} assets", ["assets"])
        return []
    result = []
    for i, d in enumerate(drafts):
        fen = _fen(issues, d.value, ["assets", str(i), "value"])
        if not 1 <= d.count <= 1000:
            issues.add("INVALID_COUNT", "an asset count is between 1 and 1000", ["assets", str(i), "count"])
        result.append(ValidAsset(d.kind, fen, d.count))
    return result
