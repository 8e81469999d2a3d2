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


@strawberry.input(name="MemberInput", description="A household member (家庭成员) as archived or replaced.")
class MemberInput:
    name: str = strawberry.field(description="Full name as on the resident ID.")
    relation: Relation = strawberry.field(description="Relation to the head of household.")
    id_number: str = strawberry.field(description="18-character resident ID (GB 11643) with check digit.")
    health: Health = strawberry.field(description="Health condition; decides supplements and SINGLE_PERSON.")
    employment: Employment = strawberry.field(
        description="Employment; EMPLOYED and FLEXIBLE get the wage deduction."
    )
    birth_date: date | None = strawberry.field(
        default=None, description="Must agree with idNumber when given; omitted: read from idNumber."
    )

    def draft(self) -> MemberDraft:
        return MemberDraft(
            self.name, self.relation, self.id_number, self.health, self.employment, self.birth_date
        )


@strawberry.input(
    name="IncomeInput", description="One monthly income (收入) of the household or of one member."
)
class IncomeInput:
    kind: IncomeKind = strawberry.field(description="What the income is; EXEMPT is recorded but not counted.")
    monthly_amount: Decimal = strawberry.field(description="Yuan per month, ≥ 0, at most 2 decimals.")
    member_index: int | None = strawberry.field(
        default=None,
        description="0-based index into the members given in the same input (the earner); null: the "
        "household's income, attached to no member (then no wage deduction).",
    )

    def draft(self) -> IncomeDraft:
        return IncomeDraft(self.kind, self.monthly_amount, self.member_index)


@strawberry.input(name="ExpenditureInput", description="One yearly expenditure (支出) of the household.")
class ExpenditureInput:
    kind: ExpenditureKind = strawberry.field(
        description="Rigid kind (MEDICAL, EDUCATION, OTHER_RIGID) or ACCIDENT_LOSS."
    )
    annual_amount: Decimal = strawberry.field(description="Yuan per year, out of pocket.")

    def draft(self) -> ExpenditureDraft:
        return ExpenditureDraft(self.kind, self.annual_amount)


@strawberry.input(name="AssetInput", description="Property (财产) of the household, for the asset test.")
class AssetInput:
    kind: AssetKind = strawberry.field(description="What the property is.")
    value: Decimal = strawberry.field(description="Value of each item, yuan.")
    count: int = strawberry.field(default=1, description="How many such items (value is per item).")

    def draft(self) -> AssetDraft:
        return AssetDraft(self.kind, self.value, self.count)


@strawberry.input(
    name="CreateHouseholdInput",
    description="A household to archive (建档) with its members and finances; the first decision follows.",
)
class CreateHouseholdInput:
    union_id: strawberry.ID = strawberry.field(
        description="The TradeUnion that archives it; within the caller's subtree."
    )
    archive_no: str = strawberry.field(
        description="Archive number (档案编号): 1–40 letters, digits or '-', unique (DUPLICATE_ARCHIVE_NO)."
    )
    level: ArchiveLevel = strawberry.field(description="Archive level (建档级别).")
    category: HardshipCategory = strawberry.field(
        description="The caseworker's hardship category (困难类别); decisions only suggest one."
    )
    hardship_reasons: list[HardshipReason] = strawberry.field(description="Causes of hardship (致困原因).")
    region_code: str = strawberry.field(
        description="Where the household lives: a GB/T 2260 code (6 digits) inside the union's region; "
        "picks the 低保 policy."
    )
    members: list[MemberInput] = strawberry.field(
        description="May be empty: the household is then INSUFFICIENT_DATA."
    )
    incomes: list[IncomeInput] | None = strawberry.field(
        default=None, description="Monthly incomes; omitted: none."
    )
    expenditures: list[ExpenditureInput] | None = strawberry.field(
        default=None, description="Yearly out-of-pocket expenditures; omitted: none."
    )
    assets: list[AssetInput] | None = strawberry.field(default=None, description="Property; omitted: none.")
    contact_name: str | None = strawberry.field(
        default=None,
        description="Contact person (联系人, 连心牌): the union staff member caring for the household.",
    )
    contact_phone: str | None = strawberry.field(
        default=None, description="The contact person's phone: 5–20 digits, spaces, '+', '-' or brackets."
    )
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
    id: strawberry.ID = strawberry.field(description="The Household to update.")
    expected_version: int | None = strawberry.field(
        default=None, description="Household.version as last read; a different stored version is refused."
    )
    members: list[MemberInput] | None = strawberry.field(
        default=None,
        description="Replaces every member; incomes' memberIndex then points into this list, so give "
        "incomes with it when they name members.",
    )
    incomes: list[IncomeInput] | None = strawberry.field(default=None, description="Replaces every income.")
    expenditures: list[ExpenditureInput] | None = strawberry.field(
        default=None, description="Replaces every expenditure."
    )
    assets: list[AssetInput] | None = strawberry.field(default=None, description="Replaces every asset.")
    status: HouseholdStatus | None = strawberry.field(
        default=None, description="New status, e.g. OUT_OF_HARDSHIP (脱困); recorded in statusHistory."
    )
    status_reason: str | None = strawberry.field(default=None, description="Required when leaving ACTIVE.")
    category: HardshipCategory | None = strawberry.field(
        default=None, description="The caseworker's hardship category (困难类别)."
    )
    hardship_reasons: list[HardshipReason] | None = strawberry.field(
        default=None, description="Replaces the causes of hardship."
    )
    contact_name: str | None = strawberry.field(
        default=None,
        description="New contact person's name; can be replaced, not removed (CONTACT_PERSON_REQUIRED).",
    )
    contact_phone: str | None = strawberry.field(
        default=None, description="New contact phone; can be replaced, not removed (CONTACT_PERSON_REQUIRED)."
    )
    major_event_casualty: bool | None = strawberry.field(
        default=None, description="RULES.md v2: see CreateHouseholdInput.majorEventCasualty."
    )
    exclusions: list[ArchiveExclusion] | None = strawberry.field(
        default=None, description="RULES.md v2: replaces the stored exclusions ([] clears them)."
    )


@strawberry.input(name="HouseholdFilter", description="Narrows `households`; the conditions given all apply.")
class HouseholdFilter:
    union_id: strawberry.ID | None = strawberry.field(default=None, description="The union and its subtree.")
    region_code: str | None = strawberry.field(default=None, description="A region and everything inside it.")
    status: HouseholdStatus | None = strawberry.field(
        default=None, description="Only households with this status."
    )
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
