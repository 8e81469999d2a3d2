"""Registers the ledger's domain enums as GraphQL enums (same names and values as DESIGN.md §4)."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

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
from lianxin.household.resident_id import Sex

for _enum, _description in (
    (ArchiveLevel, "Archive level (建档级别)."),
    (HardshipCategory, "DEEP 深度困难, RELATIVE 相对困难, ACCIDENT 意外致困."),
    (HouseholdStatus, "ACTIVE, OUT_OF_HARDSHIP (脱困), CLOSED."),
    (HardshipReason, "Cause of hardship (致困原因)."),
    (Relation, "Relation to the head of household."),
    (Health, "Health condition."),
    (Employment, "Employment situation."),
    (IncomeKind, "EXEMPT income is not counted (awards, disability allowances, one-off relief)."),
    (
        ExpenditureKind,
        "Out-of-pocket expenditure of the year: the rigid kinds (MEDICAL, EDUCATION, OTHER_RIGID) and, "
        "RULES.md v2, ACCIDENT_LOSS (not rigid; a hardship cost of the union's classification).",
    ),
    (
        ArchiveExclusion,
        "RULES.md v2: a circumstance that gives a household no union category (suggestedCategory).",
    ),
    (AssetKind, "Kinds of household property for the asset test."),
    (
        EligibilityOutcome,
        "Outcome of the 低保 rules (RULES.md): DIBAO, EXPENDITURE_TYPE and SINGLE_PERSON are eligible; "
        "MARGINAL and RIGID_EXPENDITURE (v2) are the national low-income tiers below 低保.",
    ),
    (Sex, "Derived from the resident ID number."),
):
    strawberry.enum(_enum, description=_description)


def _describe_values(enum: type[Enum], descriptions: dict[Enum, str]) -> None:
    """Descriptions of single enum values; the domain enums stay free of strawberry."""
    definition: Any = enum.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        member = enum(value.value)
        if member in descriptions:
            value.description = descriptions[member]


_describe_values(
    ExpenditureKind,
    {
        ExpenditureKind.MEDICAL: "Out-of-pocket medical costs (rigid; also a hardship cost).",
        ExpenditureKind.EDUCATION: "Education costs (rigid).",
        ExpenditureKind.OTHER_RIGID: "Other rigid expenditure.",
        ExpenditureKind.ACCIDENT_LOSS: "RULES.md v2: the year's losses from an accident or disaster; "
        "a hardship cost (致困费用) for ACCIDENT, not a rigid expenditure.",
    },
)
_describe_values(
    ArchiveExclusion,
    {
        ArchiveExclusion.HIGH_FEE_PRIVATE_SCHOOL: "A child at a private school charging more than twice "
        "the local public school's fee.",
        ArchiveExclusion.SELF_FUNDED_STUDY_ABROAD: "A member studying abroad at the household's own cost.",
    },
)
_describe_values(
    EligibilityOutcome,
    {
        EligibilityOutcome.DIBAO: "Per-capita income below the standard, assets within the limits.",
        EligibilityOutcome.EXPENDITURE_TYPE: "Expenditure-type hardship (支出型困难).",
        EligibilityOutcome.SINGLE_PERSON: "Single-person inclusion of the severely ill or disabled (单人保).",
        EligibilityOutcome.MARGINAL: "RULES.md v2: 低保边缘家庭, per-capita income below "
        "marginal_income_multiple × the standard; no benefit, no referral.",
        EligibilityOutcome.RIGID_EXPENDITURE: "RULES.md v2: 刚性支出困难家庭, income below the local "
        "per-capita disposable income and the year's rigid expenditure above its share of the income; "
        "no benefit, no referral.",
        EligibilityOutcome.NOT_ELIGIBLE: "None of the tests applies (or the asset test fails).",
        EligibilityOutcome.INSUFFICIENT_DATA: "No members recorded.",
    },
)
