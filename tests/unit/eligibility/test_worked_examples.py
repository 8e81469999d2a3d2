"""RULES.md "Worked examples": demo parameters, evaluated on 2020-07-01; then the edges of each clause."""

from __future__ import annotations

from datetime import date

import pytest

from lianxin.eligibility import (
    DEMO_PARAMETERS,
    AssetFacts,
    Decision,
    ExpenditureFacts,
    HouseholdFacts,
    IncomeFacts,
    MemberFacts,
    RuleId,
    decide,
    parse_parameters,
)
from lianxin.household.enums import (
    AssetKind,
    EligibilityOutcome,
    Employment,
    ExpenditureKind,
    HardshipCategory,
    Health,
    IncomeKind,
)

pytestmark = pytest.mark.no_db

DEMO = parse_parameters(DEMO_PARAMETERS)
ON = date(2020, 7, 1)


def yuan(amount: int) -> int:
    return amount * 100


def member(
    year: int, health: Health = Health.HEALTHY, employment: Employment = Employment.UNEMPLOYED
) -> MemberFacts:
    return MemberFacts(date(year, 1, 1), health, employment)


def income(kind: IncomeKind, amount: int, member_index: int | None = None) -> IncomeFacts:
    return IncomeFacts(kind, yuan(amount), member_index)


def figures(d: Decision) -> tuple[EligibilityOutcome, int, int, int]:
    return d.outcome, d.counted_income_fen, d.per_capita_income_fen, d.monthly_benefit_fen


def test_example_1_critically_ill_flexible_worker_with_a_student_son_is_dibao() -> None:
    facts = HouseholdFacts(
        members=(
            member(1977, Health.CRITICAL_ILLNESS, Employment.FLEXIBLE),
            member(2006, employment=Employment.STUDENT),
        ),
        incomes=(income(IncomeKind.WAGE, 600, 0), income(IncomeKind.TRANSFER, 300)),
        expenditures=(ExpenditureFacts(ExpenditureKind.MEDICAL, yuan(18000)),),
        assets=(AssetFacts(AssetKind.DEPOSIT, yuan(5000), 1),),
    )

    decision = decide(facts, DEMO, ON)

    # 1260.00 = (850 − 390) × 2 + 0.30 × 850 (critical illness) + 0.10 × 850 (minor)
    assert figures(decision) == (EligibilityOutcome.DIBAO, yuan(780), yuan(390), yuan(1260))
    assert decision.suggested_category is HardshipCategory.DEEP
    assert decision.standard_fen == yuan(850)
    assert decision.single_person_members == ()
    assert [s.rule for s in decision.trace] == [
        RuleId.MEMBERS,
        RuleId.COUNTED_INCOME,
        RuleId.PER_CAPITA_INCOME,
        RuleId.RIGID_EXPENDITURE,
        RuleId.ASSETS,
        RuleId.DIBAO_INCOME,
        RuleId.SUGGESTED_CATEGORY,
    ]


def test_example_2_heavy_medical_and_school_costs_make_expenditure_type() -> None:
    facts = HouseholdFacts(
        members=(
            member(1970, employment=Employment.EMPLOYED),
            member(1972, Health.CRITICAL_ILLNESS, Employment.UNABLE_TO_WORK),
            member(2000, employment=Employment.STUDENT),
        ),
        incomes=(income(IncomeKind.WAGE, 3000, 0), income(IncomeKind.LAND_RENT, 200)),
        expenditures=(
            ExpenditureFacts(ExpenditureKind.MEDICAL, yuan(30000)),
            ExpenditureFacts(ExpenditureKind.EDUCATION, yuan(12000)),
        ),
    )

    decision = decide(facts, DEMO, ON)

    # p_adj = max(0, (3000 − 3500) / 3) = 0; 2805.00 = 850 × 3 + 0.30 × 850
    assert figures(decision) == (EligibilityOutcome.EXPENDITURE_TYPE, yuan(3000), yuan(1000), yuan(2805))
    assert decision.trace[-2].rule == RuleId.EXPENDITURE_TYPE
    assert decision.trace[-2].passed is True


def test_example_3_deposits_over_the_limit_are_not_eligible() -> None:
    facts = HouseholdFacts(members=(member(1980),), assets=(AssetFacts(AssetKind.DEPOSIT, yuan(30000), 1),))

    decision = decide(facts, DEMO, ON)

    assert figures(decision) == (EligibilityOutcome.NOT_ELIGIBLE, 0, 0, 0)
    step = next(s for s in decision.trace if s.rule == RuleId.ASSETS)
    assert (step.passed, step.value) == (False, "DEPOSITS")
    assert decision.trace[-2] == step  # the asset test decided; no later test ran


def test_example_4_severely_disabled_spouse_is_included_alone() -> None:
    facts = HouseholdFacts(
        members=(
            member(1965, employment=Employment.EMPLOYED),
            member(1967, Health.DISABILITY_SEVERE, Employment.UNABLE_TO_WORK),
        ),
        incomes=(income(IncomeKind.WAGE, 2200, 0),),
    )

    decision = decide(facts, DEMO, ON)

    # 1105.00 = 850 × (1 + 0.30) − 0 (the spouse has no income of her own)
    assert figures(decision) == (EligibilityOutcome.SINGLE_PERSON, yuan(2000), yuan(1000), yuan(1105))
    assert decision.single_person_members == (1,)


def test_example_5_employed_single_above_every_threshold_is_not_eligible() -> None:
    facts = HouseholdFacts(
        members=(member(1985, employment=Employment.EMPLOYED),), incomes=(income(IncomeKind.WAGE, 3000, 0),)
    )

    decision = decide(facts, DEMO, ON)

    assert figures(decision) == (EligibilityOutcome.NOT_ELIGIBLE, yuan(2800), yuan(2800), 0)
    assert decision.suggested_category is None
    assert decision.trace[-2].rule == RuleId.NOT_ELIGIBLE


def test_example_6_retired_couple_counts_pension_dividend_and_land_rent() -> None:
    facts = HouseholdFacts(
        members=(member(1950, employment=Employment.RETIRED), member(1952, employment=Employment.RETIRED)),
        incomes=(
            income(IncomeKind.PENSION, 700),
            income(IncomeKind.DIVIDEND, 150),
            income(IncomeKind.LAND_RENT, 100),
        ),
    )

    decision = decide(facts, DEMO, ON)

    # 920.00 = (850 − 475) × 2 + 2 × 0.10 × 850 (both elderly)
    assert figures(decision) == (EligibilityOutcome.DIBAO, yuan(950), yuan(475), yuan(920))


def test_example_7_exempt_income_is_not_counted() -> None:
    facts = HouseholdFacts(
        members=(member(1980),), incomes=(income(IncomeKind.EXEMPT, 500, 0), income(IncomeKind.OTHER, 300, 0))
    )

    decision = decide(facts, DEMO, ON)

    assert figures(decision) == (EligibilityOutcome.DIBAO, yuan(300), yuan(300), yuan(550))


def test_example_8_no_members_is_insufficient_data() -> None:
    decision = decide(HouseholdFacts(), DEMO, ON)

    assert figures(decision) == (EligibilityOutcome.INSUFFICIENT_DATA, 0, 0, 0)
    assert decision.suggested_category is None
    assert [(s.rule, s.passed) for s in decision.trace] == [(RuleId.MEMBERS, False)]


@pytest.mark.parametrize(
    ("vehicle_yuan", "outcome", "benefit_yuan"),
    [(50000, EligibilityOutcome.NOT_ELIGIBLE, 0), (20000, EligibilityOutcome.DIBAO, 850)],
)
def test_example_9_only_a_vehicle_above_the_exempt_value_fails_the_asset_test(
    vehicle_yuan: int, outcome: EligibilityOutcome, benefit_yuan: int
) -> None:
    facts = HouseholdFacts(
        members=(member(1980),), assets=(AssetFacts(AssetKind.VEHICLE, yuan(vehicle_yuan), 1),)
    )

    decision = decide(facts, DEMO, ON)

    assert figures(decision) == (outcome, 0, 0, yuan(benefit_yuan))


# Beyond the table: the edges of the clauses the examples pass through.


def test_per_capita_income_equal_to_the_standard_is_not_below_it() -> None:
    facts = HouseholdFacts(members=(member(1980),), incomes=(income(IncomeKind.OTHER, 850),))

    decision = decide(facts, DEMO, ON)

    assert (decision.outcome, decision.suggested_category) == (
        EligibilityOutcome.NOT_ELIGIBLE,
        HardshipCategory.RELATIVE,
    )


def test_a_third_of_a_fen_below_the_standard_is_dibao_and_rounds_only_when_reported() -> None:
    # I = 254 999 fen over 3 members: p = 84 999.67 fen < S, benefit = 3 × 85 000 − 254 999 = 1 fen.
    facts = HouseholdFacts(members=(member(1980),) * 3, incomes=(IncomeFacts(IncomeKind.OTHER, 254_999),))

    decision = decide(facts, DEMO, ON)

    assert (decision.outcome, decision.per_capita_income_fen, decision.monthly_benefit_fen) == (
        EligibilityOutcome.DIBAO,
        85_000,
        1,
    )


def test_wage_deduction_is_a_share_below_the_cap_and_only_for_working_members() -> None:
    facts = HouseholdFacts(
        members=(
            member(1980, employment=Employment.EMPLOYED),
            member(1980, employment=Employment.UNEMPLOYED),
        ),
        incomes=(
            income(IncomeKind.WAGE, 500, 0),
            income(IncomeKind.WAGE, 500, 1),
            income(IncomeKind.WAGE, 500),
        ),
    )

    decision = decide(facts, DEMO, ON)

    # only member 0's wage is reduced, by 0.20 × 500 = 100 (under the 200 cap)
    assert decision.counted_income_fen == yuan(1400)


def test_supplement_is_the_highest_share_that_applies_not_the_sum() -> None:
    # elderly (0.10) and severely disabled (0.30): 0.30 × 850 = 255 on top of 850 − 0
    facts = HouseholdFacts(members=(member(1950, Health.DISABILITY_SEVERE, Employment.RETIRED),))

    assert decide(facts, DEMO, ON).monthly_benefit_fen == yuan(1105)


@pytest.mark.parametrize(("on", "benefit_fen"), [(date(2022, 2, 28), 93_500), (date(2022, 3, 1), 85_000)])
def test_a_minor_born_on_29_february_turns_adult_on_1_march(on: date, benefit_fen: int) -> None:
    facts = HouseholdFacts(members=(MemberFacts(date(2004, 2, 29), Health.HEALTHY, Employment.STUDENT),))

    assert decide(facts, DEMO, on).monthly_benefit_fen == benefit_fen


def test_an_elderly_member_is_elderly_from_the_sixtieth_birthday() -> None:
    facts = HouseholdFacts(members=(MemberFacts(date(1960, 7, 1), Health.HEALTHY, Employment.RETIRED),))

    assert decide(facts, DEMO, date(2020, 6, 30)).monthly_benefit_fen == yuan(850)
    assert decide(facts, DEMO, date(2020, 7, 1)).monthly_benefit_fen == yuan(935)


def test_single_person_benefit_subtracts_the_members_own_counted_income() -> None:
    facts = HouseholdFacts(
        members=(
            member(1965, employment=Employment.EMPLOYED),
            member(1967, Health.CRITICAL_ILLNESS, Employment.UNABLE_TO_WORK),
        ),
        incomes=(income(IncomeKind.WAGE, 2000, 0), income(IncomeKind.PENSION, 300, 1)),
    )

    decision = decide(facts, DEMO, ON)

    # I = 1800 + 300, p = 1050: single person 850 × 1.30 − 300 = 805
    assert figures(decision) == (EligibilityOutcome.SINGLE_PERSON, yuan(2100), yuan(1050), yuan(805))


def test_every_trace_step_explains_itself_in_both_languages() -> None:
    facts = HouseholdFacts(members=(member(1980),), assets=(AssetFacts(AssetKind.HOUSE, yuan(1), 2),))

    decision = decide(facts, DEMO, ON)

    assert decision.outcome is EligibilityOutcome.NOT_ELIGIBLE
    for step in decision.trace:
        assert step.explanation == f"{step.explanation_zh} / {step.explanation_en}"
        assert step.explanation_zh
        assert step.explanation_en
        assert "\n" not in step.explanation
