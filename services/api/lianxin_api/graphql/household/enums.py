"""Registers the ledger's domain enums as GraphQL enums (same names and values as DESIGN.md §4)."""

from __future__ import annotations

import strawberry

from lianxin.household.enums import (
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
    (ExpenditureKind, "Rigid, out-of-pocket expenditure."),
    (AssetKind, "Kinds of household property for the asset test."),
    (EligibilityOutcome, "Outcome of the 低保 rules."),
    (Sex, "Derived from the resident ID number."),
):
    strawberry.enum(_enum, description=_description)
