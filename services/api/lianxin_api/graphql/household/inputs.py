"""GraphQL inputs for household mutations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from lianxin.household.drafts import AssetDraft, ExpenditureDraft, IncomeDraft, MemberDraft
from lianxin.household.enums import (
    ArchiveExclusion,
    ArchiveLevel,
    AssetKind,
    EligibilityOutcome,
    Employment,
    ExpenditureKind,
    HardshipCategory,
    HardshipReason,
    Health,
    HouseholdStatus,
    IncomeKind,
    Relation,
)


@strawberry.input(name="MemberInput")
class MemberInput:
    name: str
    relation: Relation
    id_number: str = strawberry.field(description="18-character resident ID (GB 11643) with check digit.")
    health: Health
    employment: Employment
    birth_date: date | None = strawberry.field(
        default=None, description="Must agree with idNumber when given."
    )

    def draft(self) -> MemberDraft:
        return MemberDraft(
            self.name, self.relation, self.id_number, self.health, self.employment, self.birth_date
        )


@strawberry.input(name="IncomeInput")
class IncomeInput:
    kind: IncomeKind
    monthly_amount: Decimal = strawberry.field(description="Yuan per month, ≥ 0, at most 2 decimals.")
    member_index: int | None = strawberry.field(
        default=None, description="Index into the household's members."
    )

    def draft(self) -> IncomeDraft:
        return IncomeDraft(self.kind, self.monthly_amount, self.member_index)


@strawberry.input(name="ExpenditureInput")
class ExpenditureInput:
    kind: ExpenditureKind
    annual_amount: Decimal = strawberry.field(description="Yuan per year, out of pocket.")

    def draft(self) -> ExpenditureDraft:
        return ExpenditureDraft(self.kind, self.annual_amount)


@strawberry.input(name="AssetInput")
class AssetInput:
    kind: AssetKind
    value: Decimal = strawberry.field(description="Value of each item, yuan.")
    count: int = 1

    def draft(self) -> AssetDraft:
        return AssetDraft(self.kind, self.value, self.count)


@strawberry.input(name="CreateHouseholdInput")
class CreateHouseholdInput:
    union_id: strawberry.ID
    archive_no: str
    level: ArchiveLevel
    category: HardshipCategory
    hardship_reasons: list[HardshipReason]
    region_code: str
    members: list[MemberInput] = strawberry.field(
        description="May be empty: the household is then INSUFFICIENT_DATA."
    )
    incomes: list[IncomeInput] | None = None
    expenditures: list[ExpenditureInput] | None = None
    assets: list[AssetInput] | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    major_event_casualty: bool = strawberry.field(
        default=False,
        description="RULES.md v2: a member was injured, disabled or killed in a natural disaster, major "
        "accident, epidemic or public-safety event (→ ACCIDENT).",
    )
    exclusions: list[ArchiveExclusion] = strawberry.field(
        default_factory=list,
        description="RULES.md v2: circumstances that give the household no union category.",
    )
    archived_on: date | None = strawberry.field(
        default=None,
        description="When the household was archived (建档), e.g. from a paper ledger: not in the future, "
        "not before 1990 (ARCHIVED_IN_FUTURE, ARCHIVED_TOO_EARLY). Omitted: today (LIANXIN_TZ).",
    )


@strawberry.input(
    name="UpdateHouseholdInput",
    description="Lists given replace the stored ones; omitted fields stay. Last write wins unless "
    "expectedVersion is given, then a concurrent change is refused with VERSION_CONFLICT.",
)
class UpdateHouseholdInput:
    id: strawberry.ID
    expected_version: int | None = None
    members: list[MemberInput] | None = None
    incomes: list[IncomeInput] | None = None
    expenditures: list[ExpenditureInput] | None = None
    assets: list[AssetInput] | None = None
    status: HouseholdStatus | None = None
    status_reason: str | None = strawberry.field(default=None, description="Required when leaving ACTIVE.")
    category: HardshipCategory | None = None
    hardship_reasons: list[HardshipReason] | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    major_event_casualty: bool | None = strawberry.field(
        default=None, description="RULES.md v2: see CreateHouseholdInput.majorEventCasualty."
    )
    exclusions: list[ArchiveExclusion] | None = strawberry.field(
        default=None, description="RULES.md v2: replaces the stored exclusions ([] clears them)."
    )


@strawberry.input(name="HouseholdFilter")
class HouseholdFilter:
    union_id: strawberry.ID | None = strawberry.field(default=None, description="The union and its subtree.")
    region_code: str | None = strawberry.field(default=None, description="A region and everything inside it.")
    status: HouseholdStatus | None = None
    outcome: EligibilityOutcome | None = strawberry.field(
        default=None,
        description="Current decision's outcome; MARGINAL and RIGID_EXPENDITURE find the low-income "
        "households a region's civil affairs monitors.",
    )
    without_contact_person: bool | None = strawberry.field(
        default=None,
        description="true: only households still lacking a contact person's name or phone (联系人), "
        "the gaps to fill before their contact cards can be printed; false: only those with both.",
    )
