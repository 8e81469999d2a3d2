"""Registers the ledger's domain enums as GraphQL enums (same names and values as DESIGN.md §4)."""

from __future__ import annotations

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
from lianxin_api.graphql.common import describe_values

for _enum, _description in (
    (ArchiveLevel, "Archive level (建档级别): the tier of the archive the household is filed in."),
    (HardshipCategory, "DEEP 深度困难, RELATIVE 相对困难, ACCIDENT 意外致困."),
    (HouseholdStatus, "ACTIVE, OUT_OF_HARDSHIP (脱困), CLOSED; every change is kept in statusHistory."),
    (HardshipReason, "Cause of hardship (致困原因)."),
    (Relation, "Relation to the head of household (与户主关系)."),
    (Health, "Health condition (健康状况); hidden from sponsors."),
    (Employment, "Employment situation (就业状况)."),
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
    (AssetKind, "Kinds of household property (家庭财产) for the 低保 asset test (RULES.md)."),
    (
        EligibilityOutcome,
        "Outcome of the 低保 rules (RULES.md): DIBAO, EXPENDITURE_TYPE and SINGLE_PERSON are eligible; "
        "MARGINAL and RIGID_EXPENDITURE (v2) are the national low-income tiers below 低保.",
    ),
    (Sex, "Sex, derived from the resident ID number (its 17th digit)."),
):
    strawberry.enum(_enum, description=_description)


describe_values(
    ArchiveLevel,
    {
        ArchiveLevel.NATIONAL: "全国级: in the national archive (全国级困难职工档案).",
        ArchiveLevel.PROVINCIAL: "省级: in the provincial archive.",
        ArchiveLevel.MUNICIPAL: "市级: in the municipal archive.",
    },
)
describe_values(
    HardshipCategory,
    {
        HardshipCategory.DEEP: "深度困难: deep hardship.",
        HardshipCategory.RELATIVE: "相对困难: relative hardship.",
        HardshipCategory.ACCIDENT: "意外致困: hardship caused by an accident, disaster or major event.",
    },
)
describe_values(
    HouseholdStatus,
    {
        HouseholdStatus.ACTIVE: "In hardship and helped (在档).",
        HouseholdStatus.OUT_OF_HARDSHIP: "脱困: out of hardship, with the date and the reason.",
        HouseholdStatus.CLOSED: "File closed for another reason (the reason is in statusReason).",
    },
)
describe_values(
    HardshipReason,
    {
        HardshipReason.ILLNESS: "因病: illness (health detail: withheld from sponsors).",
        HardshipReason.DISABILITY: "因残: disability (health detail: withheld from sponsors).",
        HardshipReason.UNEMPLOYMENT: "失业: unemployment.",
        HardshipReason.EDUCATION: "因学: school or university costs.",
        HardshipReason.DISASTER: "因灾: natural disaster.",
        HardshipReason.ACCIDENT: "意外: accident or injury (health detail: withheld from sponsors).",
        HardshipReason.OTHER: "其他: any other cause.",
    },
)
describe_values(
    Relation,
    {
        Relation.HEAD: "户主: the head of household.",
        Relation.SPOUSE: "配偶: spouse.",
        Relation.CHILD: "子女: son or daughter.",
        Relation.PARENT: "父母: father or mother.",
        Relation.SIBLING: "兄弟姐妹: brother or sister.",
        Relation.GRANDCHILD: "孙子女/外孙子女: grandchild.",
        Relation.GRANDPARENT: "祖父母/外祖父母: grandparent.",
        Relation.OTHER: "其他: any other relation.",
    },
)
describe_values(
    Health,
    {
        Health.HEALTHY: "健康: healthy.",
        Health.CHRONIC_ILLNESS: "慢性病: a chronic illness.",
        Health.CRITICAL_ILLNESS: "大病/重病: a critical illness; gets the classified supplement and may "
        "qualify for SINGLE_PERSON.",
        Health.DISABILITY_SEVERE: "重度残疾: severe disability (grade 1 or 2); gets the classified "
        "supplement and may qualify for SINGLE_PERSON.",
        Health.DISABILITY_MILD: "中度或轻度残疾: moderate or mild disability (grade 3 or 4 on the "
        "disability certificate).",
    },
)
describe_values(
    Employment,
    {
        Employment.EMPLOYED: "在职: employed; part of the member's WAGE income is deducted (work cost).",
        Employment.FLEXIBLE: "灵活就业: flexible or informal work; WAGE income deducted like EMPLOYED.",
        Employment.UNEMPLOYED: "失业: unemployed and able to work.",
        Employment.RETIRED: "退休: retired.",
        Employment.STUDENT: "在校学生: in school or university.",
        Employment.PRESCHOOL: "学龄前: a child below school age.",
        Employment.UNABLE_TO_WORK: "丧失劳动能力: unable to work (illness, disability, age).",
    },
)
describe_values(
    IncomeKind,
    {
        IncomeKind.WAGE: "工资性收入: wages; an EMPLOYED or FLEXIBLE member's wage gets the work-cost "
        "deduction.",
        IncomeKind.BUSINESS: "经营性收入: net income from a business or farming.",
        IncomeKind.PROPERTY: "财产性收入: interest, rent from housing, other property income.",
        IncomeKind.DIVIDEND: "分红: dividends, e.g. from a cooperative (合作社分红).",
        IncomeKind.LAND_RENT: "土地流转收入: rent for contracted land, e.g. leased to a cooperative.",
        IncomeKind.PENSION: "养老金: pension.",
        IncomeKind.TRANSFER: "转移性收入: support from relatives, alimony, other transfers.",
        IncomeKind.OTHER: "其他: any other counted income.",
        IncomeKind.EXEMPT: "Not counted: awards, disability allowances, one-off relief.",
    },
)
describe_values(
    ExpenditureKind,
    {
        ExpenditureKind.MEDICAL: "Out-of-pocket medical costs (rigid; also a hardship cost).",
        ExpenditureKind.EDUCATION: "Education costs (rigid).",
        ExpenditureKind.OTHER_RIGID: "Other rigid expenditure.",
        ExpenditureKind.ACCIDENT_LOSS: "RULES.md v2: the year's losses from an accident or disaster; "
        "a hardship cost (致困费用) for ACCIDENT, not a rigid expenditure.",
    },
)
describe_values(
    ArchiveExclusion,
    {
        ArchiveExclusion.HIGH_FEE_PRIVATE_SCHOOL: "A child at a private school charging more than twice "
        "the local public school's fee.",
        ArchiveExclusion.SELF_FUNDED_STUDY_ABROAD: "A member studying abroad at the household's own cost.",
    },
)
describe_values(
    AssetKind,
    {
        AssetKind.DEPOSIT: "存款: bank deposits and cash (value: the amount).",
        AssetKind.SECURITIES: "有价证券: stocks, bonds, funds (value: market value).",
        AssetKind.VEHICLE: "机动车: a vehicle (value: per vehicle; one above the policy's exempt value fails "
        "the asset test).",
        AssetKind.HOUSE: "房产: a house or flat (more than the policy's max_houses fails the asset test).",
        AssetKind.BUSINESS: "经营性资产: business assets (total value against the policy's limit).",
    },
)
describe_values(
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
describe_values(
    Sex,
    {Sex.MALE: "男: male (odd 17th digit).", Sex.FEMALE: "女: female (even 17th digit)."},
)
