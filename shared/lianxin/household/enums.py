"""Enumerations of the household ledger (DESIGN.md §4); their values are the GraphQL enum values."""

from enum import StrEnum


class ArchiveLevel(StrEnum):
    NATIONAL = "NATIONAL"
    PROVINCIAL = "PROVINCIAL"
    MUNICIPAL = "MUNICIPAL"


class HardshipCategory(StrEnum):
    DEEP = "DEEP"
    RELATIVE = "RELATIVE"
    ACCIDENT = "ACCIDENT"


class HouseholdStatus(StrEnum):
    ACTIVE = "ACTIVE"
    OUT_OF_HARDSHIP = "OUT_OF_HARDSHIP"
    CLOSED = "CLOSED"


class HardshipReason(StrEnum):
    ILLNESS = "ILLNESS"
    DISABILITY = "DISABILITY"
    UNEMPLOYMENT = "UNEMPLOYMENT"
    EDUCATION = "EDUCATION"
    DISASTER = "DISASTER"
    ACCIDENT = "ACCIDENT"
    OTHER = "OTHER"


class Relation(StrEnum):
    HEAD = "HEAD"
    SPOUSE = "SPOUSE"
    CHILD = "CHILD"
    PARENT = "PARENT"
    SIBLING = "SIBLING"
    GRANDCHILD = "GRANDCHILD"
    GRANDPARENT = "GRANDPARENT"
    OTHER = "OTHER"


class Health(StrEnum):
    HEALTHY = "HEALTHY"
    CHRONIC_ILLNESS = "CHRONIC_ILLNESS"
    CRITICAL_ILLNESS = "CRITICAL_ILLNESS"
    DISABILITY_SEVERE = "DISABILITY_SEVERE"
    DISABILITY_MILD = "DISABILITY_MILD"


class Employment(StrEnum):
    EMPLOYED = "EMPLOYED"
    FLEXIBLE = "FLEXIBLE"
    UNEMPLOYED = "UNEMPLOYED"
    RETIRED = "RETIRED"
    STUDENT = "STUDENT"
    PRESCHOOL = "PRESCHOOL"
    UNABLE_TO_WORK = "UNABLE_TO_WORK"


class IncomeKind(StrEnum):
    WAGE = "WAGE"
    BUSINESS = "BUSINESS"
    PROPERTY = "PROPERTY"
    DIVIDEND = "DIVIDEND"
    LAND_RENT = "LAND_RENT"
    PENSION = "PENSION"
    TRANSFER = "TRANSFER"
    OTHER = "OTHER"
    EXEMPT = "EXEMPT"


class ExpenditureKind(StrEnum):
    MEDICAL = "MEDICAL"
    EDUCATION = "EDUCATION"
    OTHER_RIGID = "OTHER_RIGID"
    # RULES.md v2: the year's losses from an accident or disaster; a hardship cost, not a rigid expenditure.
    ACCIDENT_LOSS = "ACCIDENT_LOSS"


class ArchiveExclusion(StrEnum):
    """RULES.md v2, the union's classification 1: a household with any of these gets no category."""

    HIGH_FEE_PRIVATE_SCHOOL = "HIGH_FEE_PRIVATE_SCHOOL"  # a child at a private school > 2 × the public fee
    SELF_FUNDED_STUDY_ABROAD = "SELF_FUNDED_STUDY_ABROAD"


class AssetKind(StrEnum):
    DEPOSIT = "DEPOSIT"
    SECURITIES = "SECURITIES"
    VEHICLE = "VEHICLE"
    HOUSE = "HOUSE"
    BUSINESS = "BUSINESS"


class EligibilityOutcome(StrEnum):
    DIBAO = "DIBAO"
    EXPENDITURE_TYPE = "EXPENDITURE_TYPE"
    SINGLE_PERSON = "SINGLE_PERSON"
    MARGINAL = "MARGINAL"  # RULES.md v2 test 6: 低保边缘家庭, no benefit, no referral
    RIGID_EXPENDITURE = "RIGID_EXPENDITURE"  # RULES.md v2 test 7: 刚性支出困难家庭, no benefit, no referral
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"
