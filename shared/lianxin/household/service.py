"""Household verbs: archive (建档) a household with its members and finances, update it.

Each call runs inside the caller's unit of work: rows, the `household.*` event and the
`household_changed` job commit together or not at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

import asyncpg

from lianxin.core.db import UnitOfWork
from lianxin.core.errors import DomainError, IssueCollector, NotFound
from lianxin.core.ids import to_global_id
from lianxin.core.jobs import Job, record_job
from lianxin.core.region import RegionCodeError, region_contains, validate_region_code
from lianxin.events.outbox import record_event
from lianxin.household import drafts as d
from lianxin.household import repository as repo
from lianxin.household.enums import (
    ArchiveExclusion,
    ArchiveLevel,
    HardshipCategory,
    HardshipReason,
    HouseholdStatus,
)
from lianxin.household.models import Household
from lianxin.trade_union import repository as union_repo


@dataclass(frozen=True)
class NewHousehold:
    union_id: int
    archive_no: str
    level: ArchiveLevel
    category: HardshipCategory
    hardship_reasons: Sequence[HardshipReason]
    region_code: str
    members: Sequence[d.MemberDraft]
    incomes: Sequence[d.IncomeDraft] = ()
    expenditures: Sequence[d.ExpenditureDraft] = ()
    assets: Sequence[d.AssetDraft] = ()
    contact_name: str | None = None
    contact_phone: str | None = None
    major_event_casualty: bool = False  # RULES.md v2
    exclusions: Sequence[ArchiveExclusion] = ()  # RULES.md v2
    archived_on: date | None = None  # when the household was archived (建档); None: today


@dataclass(frozen=True)
class HouseholdChanges:
    """What updateHousehold was given; None means "leave as is". Lists given replace the stored ones."""

    household_id: int
    expected_version: int | None = None
    members: Sequence[d.MemberDraft] | None = None
    incomes: Sequence[d.IncomeDraft] | None = None
    expenditures: Sequence[d.ExpenditureDraft] | None = None
    assets: Sequence[d.AssetDraft] | None = None
    status: HouseholdStatus | None = None
    status_reason: str | None = None
    category: HardshipCategory | None = None
    hardship_reasons: Sequence[HardshipReason] | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    major_event_casualty: bool | None = None  # RULES.md v2
    exclusions: Sequence[ArchiveExclusion] | None = None  # RULES.md v2; [] clears them


MEMBER_IN_USE: Final = "a person among the members is already an active member of another household"


async def _check_people(
    uow: UnitOfWork, issues: IssueCollector, members: Sequence[d.ValidMember], household_id: int
) -> None:
    """Not one counted twice: nobody may be active in two active households.

    Asked only of an input that is valid in every other way, and answered for the household as a
    whole (never which member, never which household): otherwise a request bound to fail could ask
    about 30 ID numbers at a time, for free, whether each person is on the hardship register of a union
    the caller may not see. So each question costs a real archived household (audited) when the
    answer is no."""
    if not members or issues.issues:
        return
    taken = await repo.active_holders(uow.conn, [m.id_number for m in members], household_id)
    if taken:
        issues.add("MEMBER_IN_OTHER_HOUSEHOLD", MEMBER_IN_USE, ["members"])


def _unique_violation(exc: asyncpg.UniqueViolationError) -> DomainError:
    constraint = exc.constraint_name or ""
    if constraint == "member_person_in_one_active_household":
        return DomainError.single("MEMBER_IN_OTHER_HOUSEHOLD", MEMBER_IN_USE, ["members"])
    if constraint == "household_archive_no_key":
        return DomainError.single(
            "DUPLICATE_ARCHIVE_NO", "this archive number is already in use", ["archiveNo"]
        )
    raise exc


async def archive_household(uow: UnitOfWork, new: NewHousehold, *, today: date) -> Household:
    """Archive (建档) a household with everything known about it; emits `household.created`."""
    issues = IssueCollector()
    archive_no = d.check_archive_no(issues, new.archive_no)
    phone = d.check_phone(issues, new.contact_phone)
    region = None
    try:
        region = validate_region_code(new.region_code)
    except RegionCodeError as exc:
        issues.add("INVALID_REGION_CODE", str(exc), ["regionCode"])
    union = await union_repo.get_union(uow.conn, new.union_id)
    if union is None:
        issues.add("UNION_NOT_FOUND", "the union does not exist", ["unionId"])
    elif region and not region_contains(union.region_code, region):
        issues.add(
            "REGION_OUTSIDE_UNION",
            f"region {region} is outside the union's {union.region_code}",
            ["regionCode"],
        )
    _check_archived_on(issues, new.archived_on, today)
    members = d.check_members(issues, new.members, today)
    incomes = d.check_incomes(issues, new.incomes, len(new.members))
    expenditures = d.check_expenditures(issues, new.expenditures)
    assets = d.check_assets(issues, new.assets)
    if not issues.issues and await repo.archive_no_taken(uow.conn, archive_no):
        issues.add("DUPLICATE_ARCHIVE_NO", f"archive number {archive_no} is already in use", ["archiveNo"])
    await _check_people(uow, issues, members, 0)
    issues.raise_if_any()
    assert region is not None
    try:
        async with uow.conn.transaction():
            household = await repo.insert_household(
                uow.conn,
                archive_no,
                new.level.value,
                new.category.value,
                [r.value for r in d.unique_reasons(new.hardship_reasons)],
                region,
                new.union_id,
                (new.contact_name or "").strip() or None,
                phone,
                new.major_event_casualty,
                [e.value for e in d.unique_exclusions(new.exclusions)],
                new.archived_on or today,
            )
            await repo.replace_members(uow.conn, household.id, members, active=True)
            await repo.replace_incomes(uow.conn, household.id, incomes)
            await repo.replace_expenditures(uow.conn, household.id, expenditures)
            await repo.replace_assets(uow.conn, household.id, assets)
    except asyncpg.UniqueViolationError as exc:
        raise _unique_violation(exc) from None
    await _after_change(uow, household, "household.created", ["*"])
    return household


EARLIEST_ARCHIVED_ON = date(1990, 1, 1)  # before the unions' hardship archives (困难职工档案) began


def _check_archived_on(issues: IssueCollector, archived_on: date | None, today: date) -> None:
    """A household archived earlier (entered late, or from a paper ledger) keeps its date; not in the
    future, not before 1990."""
    if archived_on is None:
        return
    if archived_on > today:
        issues.add("ARCHIVED_IN_FUTURE", "archivedOn must not be in the future", ["archivedOn"])
    elif archived_on < EARLIEST_ARCHIVED_ON:
        issues.add(
            "ARCHIVED_TOO_EARLY", f"archivedOn must not be before {EARLIEST_ARCHIVED_ON}", ["archivedOn"]
        )


def _changed_fields(changes: HouseholdChanges) -> list[str]:
    names = {
        "members": changes.members,
        "incomes": changes.incomes,
        "expenditures": changes.expenditures,
        "assets": changes.assets,
        "status": changes.status,
        "category": changes.category,
        "hardshipReasons": changes.hardship_reasons,
        "contactName": changes.contact_name,
        "contactPhone": changes.contact_phone,
        "majorEventCasualty": changes.major_event_casualty,
        "exclusions": changes.exclusions,
    }
    return [name for name, value in names.items() if value is not None]


def _new_header(
    current: Household, changes: HouseholdChanges, issues: IssueCollector, today: date
) -> Household:
    status = changes.status or current.status
    moved = status is not current.status
    if moved and status is not HouseholdStatus.ACTIVE and not (changes.status_reason or "").strip():
        issues.add("STATUS_REASON_REQUIRED", f"say why the household is now {status.value}", ["statusReason"])
    return dataclasses.replace(
        current,
        status=status,
        status_changed_on=today if moved else current.status_changed_on,
        status_reason=(changes.status_reason or "").strip() or None if moved else current.status_reason,
        category=changes.category or current.category,
        hardship_reasons=d.unique_reasons(changes.hardship_reasons)
        if changes.hardship_reasons is not None
        else current.hardship_reasons,
        contact_name=_contact_name(current, changes, issues),
        contact_phone=_contact_phone(current, changes, issues),
        major_event_casualty=current.major_event_casualty
        if changes.major_event_casualty is None
        else changes.major_event_casualty,
        exclusions=current.exclusions
        if changes.exclusions is None
        else d.unique_exclusions(changes.exclusions),
    )


def _keep_contact(issues: IssueCollector, stored: str | None, path: str) -> str | None:
    """A contact person, once recorded, can be replaced but not blanked (连心牌 need one)."""
    if stored:
        issues.add(
            "CONTACT_PERSON_REQUIRED",
            "a household's contact person (联系人) can be replaced but not removed; leave the field "
            "out to keep it",
            [path],
        )
    return stored


def _contact_name(current: Household, changes: HouseholdChanges, issues: IssueCollector) -> str | None:
    if changes.contact_name is None:
        return current.contact_name
    return changes.contact_name.strip() or _keep_contact(issues, current.contact_name, "contactName")


def _contact_phone(current: Household, changes: HouseholdChanges, issues: IssueCollector) -> str | None:
    if changes.contact_phone is None:
        return current.contact_phone
    return d.check_phone(issues, changes.contact_phone) or _keep_contact(
        issues, current.contact_phone, "contactPhone"
    )


async def update_household(uow: UnitOfWork, changes: HouseholdChanges, *, today: date) -> Household:
    """Update a household; lists given replace the stored ones. Last write wins unless
    `expected_version` is given, in which case a concurrent change is refused (VERSION_CONFLICT)."""
    current = await repo.lock_household(uow.conn, changes.household_id)
    if current is None:
        raise NotFound.single("NOT_FOUND", "the household does not exist", ["id"])
    issues = IssueCollector()
    if changes.expected_version is not None and changes.expected_version != current.version:
        issues.add(
            "VERSION_CONFLICT",
            f"the household changed since version {changes.expected_version} "
            f"(now {current.version}); reload it",
            ["expectedVersion"],
        )
    header = _new_header(current, changes, issues, today)
    members = d.check_members(issues, changes.members, today) if changes.members is not None else None
    member_count = (
        len(changes.members) if changes.members is not None else await _member_count(uow, current.id)
    )
    incomes = d.check_incomes(issues, changes.incomes, member_count) if changes.incomes is not None else None
    if changes.members is not None and changes.incomes is None:
        await _check_stored_income_links(uow, issues, current.id, member_count)
    expenditures = (
        d.check_expenditures(issues, changes.expenditures) if changes.expenditures is not None else None
    )
    assets = d.check_assets(issues, changes.assets) if changes.assets is not None else None
    active = header.status is HouseholdStatus.ACTIVE
    if active:
        await _check_people(uow, issues, members if members is not None else [], current.id)
    issues.raise_if_any()
    try:
        async with uow.conn.transaction():
            updated = await repo.update_household_header(uow.conn, header)
            if updated.status is not current.status:  # Household.statusHistory
                await repo.insert_status_change(
                    uow.conn,
                    current.id,
                    today,
                    current.status.value,
                    updated.status.value,
                    updated.status_reason,
                )
            if members is not None:
                await repo.replace_members(uow.conn, current.id, members, active=active)
            elif active != (current.status is HouseholdStatus.ACTIVE):
                await repo.set_members_active(uow.conn, current.id, active)
            if incomes is not None:
                await repo.replace_incomes(uow.conn, current.id, incomes)
            if expenditures is not None:
                await repo.replace_expenditures(uow.conn, current.id, expenditures)
            if assets is not None:
                await repo.replace_assets(uow.conn, current.id, assets)
    except asyncpg.UniqueViolationError as exc:
        raise _unique_violation(exc) from None
    await _after_change(uow, updated, "household.updated", _changed_fields(changes))
    return updated


async def _member_count(uow: UnitOfWork, household_id: int) -> int:
    return len(await repo.list_members_by_household_ids(uow.conn, [household_id]))


async def _check_stored_income_links(
    uow: UnitOfWork, issues: IssueCollector, household_id: int, count: int
) -> None:
    """Replacing members alone must not leave a stored income pointing past the new list."""
    for income in await repo.list_incomes_by_household_ids(uow.conn, [household_id]):
        if income.member_position is not None and income.member_position >= count:
            issues.add(
                "MEMBER_INDEX_OUT_OF_RANGE",
                f"a stored income belongs to member {income.member_position}; "
                "give incomes together with the new members",
                ["incomes"],
            )
            return


async def _after_change(uow: UnitOfWork, household: Household, event_type: str, changed: list[str]) -> None:
    await record_event(
        uow.conn,
        event_type,
        to_global_id("Household", household.id),
        {"archiveNo": household.archive_no, "version": household.version, "changed": changed},
        region_code=household.region_code,
    )
    await record_job(uow, Job.HOUSEHOLD_CHANGED, {"household_id": household.id})
