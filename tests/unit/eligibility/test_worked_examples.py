"""RULES.md (v2) "Worked examples" 1–14: demo parameters, evaluated on 2020-07-01, each with the outcome,
the figures, and (v2) q as `category_income_fen` and the suggested category; then the edges of each
clause."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from lianxin.eligibility import (
    DEMO_PARAMETERS,
    RULES_VERSION,
    V2_DEFAULTS,
    AssetFacts,
    Decision,
    ExpenditureFacts,
    HouseholdFacts,
    IncomeFacts,
    MemberFacts,
    RuleId,
    TraceStep,
    decide,
    parse_parameters,
)
from lianxin.household.enums import (
    ArchiveExclusion,
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


def classification(d: Decision) -> tuple[int | None, HardshipCategory | None]:
    """v2: (q as categoryIncome in fen, suggested category)."""
    return d.category_income_fen, d.suggested_category


def rules_of(d: Decision) -> list[str]:
    return [s.rule for s in d.trace]


def outcome_step(d: Decision) -> TraceStep:
    """The step that decided the outcome: the last one of the order of tests (before the classification)."""
    return next(s for s in reversed(d.trace) if s.rule.startswith("R") and s.rule[1].isdigit())


CATEGORY_FIGURES = [RuleId.ANNUAL_INCOME, RuleId.CATEGORY_INCOME, RuleId.HARDSHIP_COSTS]


def test_example_1_critically_ill_flexible_worker_with_a_student_son_is_dibao() -> None:
    # Given: head b. 1977 CRITICAL_ILLNESS FLEXIBLE with WAGE 600, son b. 2006 STUDENT, TRANSFER 300,
    # MEDICAL 18000 a year, DEPOSIT 5000
    facts = HouseholdFacts(
        members=(
            member(1977, Health.CRITICAL_ILLNESS, Employment.FLEXIBLE),
            member(2006, employment=Employment.STUDENT),
        ),
        incomes=(income(IncomeKind.WAGE, 600, 0), income(IncomeKind.TRANSFER, 300)),
        expenditures=(ExpenditureFacts(ExpenditureKind.MEDICAL, yuan(18000)),),
        assets=(AssetFacts(AssetKind.DEPOSIT, yuan(5000), 1),),
    )

    # When
    decision = decide(facts, DEMO, ON)

    # Then: I = 600 − min(0.20 × 600, 200) + 300 = 780, p = 390 < 850;
    # 1260.00 = (850 − 390) × 2 + 0.30 × 850 (critical illness) + 0.10 × 850 (minor);
    # q = (12 × 900 − 18000) / 12 / 2 = −300 < S: DEEP
    assert figures(decision) == (EligibilityOutcome.DIBAO, yuan(780), yuan(390), yuan(1260))
    assert classification(decision) == (yuan(-300), HardshipCategory.DEEP)
    assert decision.standard_fen == yuan(850)
    assert decision.single_person_members == ()
    assert decision.rules_version == RULES_VERSION == 2
    assert rules_of(decision) == [
        RuleId.MEMBERS,
        RuleId.COUNTED_INCOME,
        RuleId.PER_CAPITA_INCOME,
        RuleId.RIGID_EXPENDITURE,
        RuleId.ASSETS,
        RuleId.DIBAO_INCOME,
        *CATEGORY_FIGURES,
        RuleId.CATEGORY_EXCLUSIONS,
        RuleId.CATEGORY_DEEP,
        RuleId.SUGGESTED_CATEGORY,
    ]


def test_example_2_heavy_medical_and_school_costs_make_expenditure_type() -> None:
    # Given: head b. 1970 EMPLOYED WAGE 3000, spouse b. 1972 CRITICAL_ILLNESS UNABLE_TO_WORK, child
    # b. 2000 STUDENT, LAND_RENT 200, MEDICAL 30000 and EDUCATION 12000 a year
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

    # When
    decision = decide(facts, DEMO, ON)

    # Then: I = 3000 − 200 + 200 = 3000, p = 1000 < 2 × 850; R = 42000 / 12 = 3500;
    # p_adj = max(0, (3000 − 3500) / 3) = 0; 2805.00 = 850 × 3 + 0.30 × 850;
    # q = (12 × 3200 − 42000) / 12 / 3 = −100: DEEP
    assert figures(decision) == (EligibilityOutcome.EXPENDITURE_TYPE, yuan(3000), yuan(1000), yuan(2805))
    assert classification(decision) == (yuan(-100), HardshipCategory.DEEP)
    step = outcome_step(decision)
    assert (step.rule, step.passed) == (RuleId.EXPENDITURE_TYPE, True)


def test_example_3_deposits_over_the_limit_are_not_eligible_yet_deep() -> None:
    # Given: one member b. 1980, no income, DEPOSIT 30000 (> 24 × 850 = 20400 a head)
    facts = HouseholdFacts(members=(member(1980),), assets=(AssetFacts(AssetKind.DEPOSIT, yuan(30000), 1),))

    # When
    decision = decide(facts, DEMO, ON)

    # Then: the asset test decides NOT_ELIGIBLE; the classification ignores assets: q = 0 < S: DEEP
    assert figures(decision) == (EligibilityOutcome.NOT_ELIGIBLE, 0, 0, 0)
    assert classification(decision) == (0, HardshipCategory.DEEP)
    step = outcome_step(decision)
    assert (step.rule, step.passed, step.value) == (RuleId.ASSETS, False, "DEPOSITS")
    assert RuleId.DIBAO_INCOME not in rules_of(decision)  # no later test ran


def test_example_4_severely_disabled_spouse_is_included_alone() -> None:
    # Given: head b. 1965 EMPLOYED WAGE 2200, spouse b. 1967 DISABILITY_SEVERE UNABLE_TO_WORK
    facts = HouseholdFacts(
        members=(
            member(1965, employment=Employment.EMPLOYED),
            member(1967, Health.DISABILITY_SEVERE, Employment.UNABLE_TO_WORK),
        ),
        incomes=(income(IncomeKind.WAGE, 2200, 0),),
    )

    # When
    decision = decide(facts, DEMO, ON)

    # Then: I = 2200 − 200 = 2000, p = 1000 < 1.5 × 850 = 1275;
    # 1105.00 = 850 × (1 + 0.30) − 0 (the spouse has no income of her own);
    # q = 12 × 2200 / 12 / 2 = 1100: not < 850, < 2.0 × 850 = 1700: RELATIVE
    assert figures(decision) == (EligibilityOutcome.SINGLE_PERSON, yuan(2000), yuan(1000), yuan(1105))
    assert classification(decision) == (yuan(1100), HardshipCategory.RELATIVE)
    assert decision.single_person_members == (1,)


def test_example_5_employed_single_above_every_threshold_is_not_eligible() -> None:
    # Given: one member b. 1985 EMPLOYED WAGE 3000
    facts = HouseholdFacts(
        members=(member(1985, employment=Employment.EMPLOYED),), incomes=(income(IncomeKind.WAGE, 3000, 0),)
    )

    # When
    decision = decide(facts, DEMO, ON)

    # Then: p = 3000 − 200 = 2800: not < 1275 (MARGINAL), < L = 4000 but R_year = 0 is not > 12 × 2800;
    # q = 3000 ≥ 1700 and C_year = 0: no category
    assert figures(decision) == (EligibilityOutcome.NOT_ELIGIBLE, yuan(2800), yuan(2800), 0)
    assert classification(decision) == (yuan(3000), None)
    assert outcome_step(decision).rule == RuleId.NOT_ELIGIBLE


def test_example_6_retired_couple_counts_pension_dividend_and_land_rent() -> None:
    # Given: two RETIRED members b. 1950 and b. 1952; PENSION 700, DIVIDEND 150, LAND_RENT 100
    facts = HouseholdFacts(
        members=(member(1950, employment=Employment.RETIRED), member(1952, employment=Employment.RETIRED)),
        incomes=(
            income(IncomeKind.PENSION, 700),
            income(IncomeKind.DIVIDEND, 150),
            income(IncomeKind.LAND_RENT, 100),
        ),
    )

    # When
    decision = decide(facts, DEMO, ON)

    # Then: I = 950, p = 475; 920.00 = (850 − 475) × 2 + 2 × 0.10 × 850 (both elderly); q = 475: DEEP
    assert figures(decision) == (EligibilityOutcome.DIBAO, yuan(950), yuan(475), yuan(920))
    assert classification(decision) == (yuan(475), HardshipCategory.DEEP)


def test_example_7_exempt_income_is_not_counted() -> None:
    # Given: one member b. 1980 UNEMPLOYED; EXEMPT 500, OTHER 300
    facts = HouseholdFacts(
        members=(member(1980),), incomes=(income(IncomeKind.EXEMPT, 500, 0), income(IncomeKind.OTHER, 300, 0))
    )

    # When
    decision = decide(facts, DEMO, ON)

    # Then: I = 300 (EXEMPT left out), 550.00 = 850 − 300; q = 12 × 300 / 12 = 300 (EXEMPT left out): DEEP
    assert figures(decision) == (EligibilityOutcome.DIBAO, yuan(300), yuan(300), yuan(550))
    assert classification(decision) == (yuan(300), HardshipCategory.DEEP)


def test_example_8_no_members_is_insufficient_data() -> None:
    # Given: a household archived before its members are entered
    # When
    decision = decide(HouseholdFacts(), DEMO, ON)

    # Then: n = 0 decides, and there is no q and no category
    assert figures(decision) == (EligibilityOutcome.INSUFFICIENT_DATA, 0, 0, 0)
    assert classification(decision) == (None, None)
    assert [(s.rule, s.passed) for s in decision.trace] == [(RuleId.MEMBERS, False)]


@pytest.mark.parametrize(
    ("vehicle_yuan", "outcome", "benefit_yuan"),
    [(50000, EligibilityOutcome.NOT_ELIGIBLE, 0), (20000, EligibilityOutcome.DIBAO, 850)],
)
def test_example_9_only_a_vehicle_above_the_exempt_value_fails_the_asset_test(
    vehicle_yuan: int, outcome: EligibilityOutcome, benefit_yuan: int
) -> None:
    # Given: one member b. 1980, no income, one vehicle
    facts = HouseholdFacts(
        members=(member(1980),), assets=(AssetFacts(AssetKind.VEHICLE, yuan(vehicle_yuan), 1),)
    )

    # When
    decision = decide(facts, DEMO, ON)

    # Then: 50000 > 30000 fails the asset test, 20000 does not (benefit 850 − 0); q = 0 either way: DEEP
    assert figures(decision) == (outcome, 0, 0, yuan(benefit_yuan))
    assert classification(decision) == (0, HardshipCategory.DEEP)


def test_example_10_income_below_one_and_a_half_standards_is_marginal() -> None:
    # Given: one member b. 1980 UNEMPLOYED; OTHER 1000
    facts = HouseholdFacts(members=(member(1980),), incomes=(income(IncomeKind.OTHER, 1000, 0),))

    # When
    decision = decide(facts, DEMO, ON)

    # Then: p = 1000: not < 850 (DIBAO); (I − R) / n = 1000 not < 850 (EXPENDITURE_TYPE); nobody ill
    # (SINGLE_PERSON); 1000 < 1.5 × 850 = 1275: MARGINAL, no benefit; q = 1000 < 1700: RELATIVE
    assert figures(decision) == (EligibilityOutcome.MARGINAL, yuan(1000), yuan(1000), 0)
    assert classification(decision) == (yuan(1000), HardshipCategory.RELATIVE)
    step = outcome_step(decision)
    assert (step.rule, step.passed, step.value) == (RuleId.MARGINAL, True, "0.00")


def test_example_11_medical_costs_above_the_income_make_rigid_expenditure() -> None:
    # Given: one member b. 1975 EMPLOYED WAGE 4000; MEDICAL 50000 a year
    facts = HouseholdFacts(
        members=(member(1975, employment=Employment.EMPLOYED),),
        incomes=(income(IncomeKind.WAGE, 4000, 0),),
        expenditures=(ExpenditureFacts(ExpenditureKind.MEDICAL, yuan(50000)),),
    )

    # When
    decision = decide(facts, DEMO, ON)

    # Then: I = 4000 − 200 = 3800 = p: not < 1275 (MARGINAL); p < L = 4000 and
    # R_year = 50000 > 1.0 × 12 × 3800 = 45600: RIGID_EXPENDITURE, no benefit;
    # q = (48000 − 50000) / 12 = −166.666… → −166.67 (half-up, away from zero): DEEP
    assert figures(decision) == (EligibilityOutcome.RIGID_EXPENDITURE, yuan(3800), yuan(3800), 0)
    assert classification(decision) == (-16_667, HardshipCategory.DEEP)
    step = outcome_step(decision)
    assert (step.rule, step.passed) == (RuleId.RIGID_EXPENDITURE_TIER, True)


def test_example_12_accident_losses_above_the_cost_share_make_accident() -> None:
    # Given: one member b. 1975 EMPLOYED WAGE 6000; ACCIDENT_LOSS 60000 a year
    facts = HouseholdFacts(
        members=(member(1975, employment=Employment.EMPLOYED),),
        incomes=(income(IncomeKind.WAGE, 6000, 0),),
        expenditures=(ExpenditureFacts(ExpenditureKind.ACCIDENT_LOSS, yuan(60000)),),
    )

    # When
    decision = decide(facts, DEMO, ON)

    # Then: ACCIDENT_LOSS is not rigid: R = 0, p = 5800 ≥ L: NOT_ELIGIBLE; q = 72000 / 12 = 6000 ≥ 1700;
    # C_year = 60000 > 0.80 × Y = 0.80 × 72000 = 57600: ACCIDENT
    assert figures(decision) == (EligibilityOutcome.NOT_ELIGIBLE, yuan(5800), yuan(5800), 0)
    assert classification(decision) == (yuan(6000), HardshipCategory.ACCIDENT)
    rigid = next(s for s in decision.trace if s.rule == RuleId.RIGID_EXPENDITURE)
    assert rigid.value == "0.00"
    accident = next(s for s in decision.trace if s.rule == RuleId.CATEGORY_ACCIDENT)
    assert (accident.passed, accident.value) == (True, "ACCIDENT")
    assert "60000.00" in accident.explanation_en
    assert "57600.00" in accident.explanation_en


def test_example_13_an_exclusion_gives_no_category_and_leaves_the_dibao_decision() -> None:
    # Given: example 1's household with a child studying abroad at its own cost
    example_1 = HouseholdFacts(
        members=(
            member(1977, Health.CRITICAL_ILLNESS, Employment.FLEXIBLE),
            member(2006, employment=Employment.STUDENT),
        ),
        incomes=(income(IncomeKind.WAGE, 600, 0), income(IncomeKind.TRANSFER, 300)),
        expenditures=(ExpenditureFacts(ExpenditureKind.MEDICAL, yuan(18000)),),
        assets=(AssetFacts(AssetKind.DEPOSIT, yuan(5000), 1),),
    )
    facts = dataclasses.replace(example_1, exclusions=frozenset({ArchiveExclusion.SELF_FUNDED_STUDY_ABROAD}))

    # When
    decision = decide(facts, DEMO, ON)

    # Then: the 低保 decision is example 1's (1260.00 = (850 − 390) × 2 + 255 + 85), q = −300 is still
    # reported, but the exclusion gives no category and the trace names it
    assert figures(decision) == (EligibilityOutcome.DIBAO, yuan(780), yuan(390), yuan(1260))
    assert classification(decision) == (yuan(-300), None)
    excluded = next(s for s in decision.trace if s.rule == RuleId.CATEGORY_EXCLUSIONS)
    assert (excluded.passed, excluded.value) == (False, "SELF_FUNDED_STUDY_ABROAD")
    assert RuleId.CATEGORY_DEEP not in rules_of(decision)
    assert decision.trace[-1].rule == RuleId.SUGGESTED_CATEGORY
    assert decision.trace[-1].value is None


def test_example_14_a_major_event_casualty_makes_accident_whatever_the_income() -> None:
    # Given: one member b. 1975 EMPLOYED WAGE 10000, injured in a major event
    facts = HouseholdFacts(
        members=(member(1975, employment=Employment.EMPLOYED),),
        incomes=(income(IncomeKind.WAGE, 10000, 0),),
        major_event_casualty=True,
    )

    # When
    decision = decide(facts, DEMO, ON)

    # Then: p = 10000 − 200 = 9800: NOT_ELIGIBLE; q = 10000 ≥ 1700, C_year = 0, but the casualty: ACCIDENT
    assert figures(decision) == (EligibilityOutcome.NOT_ELIGIBLE, yuan(9800), yuan(9800), 0)
    assert classification(decision) == (yuan(10000), HardshipCategory.ACCIDENT)


# Beyond the table: the edges of the clauses the examples pass through.


def test_per_capita_income_equal_to_the_standard_is_not_below_it() -> None:
    facts = HouseholdFacts(members=(member(1980),), incomes=(income(IncomeKind.OTHER, 850),))

    decision = decide(facts, DEMO, ON)

    # p = 850 is not below S (no DIBAO) but below 1.5 × S (v2: MARGINAL); q = 850 is not below S: RELATIVE
    assert (decision.outcome, decision.suggested_category) == (
        EligibilityOutcome.MARGINAL,
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


# v2 edges: every comparison is strict and exact.


def single(
    wage_yuan: int = 0, other_fen: int = 0, *, employment: Employment = Employment.UNEMPLOYED
) -> HouseholdFacts:
    incomes = []
    if wage_yuan:
        incomes.append(income(IncomeKind.WAGE, wage_yuan, 0))
    if other_fen:
        incomes.append(IncomeFacts(IncomeKind.OTHER, other_fen, 0))
    return HouseholdFacts(members=(member(1980, employment=employment),), incomes=tuple(incomes))


@pytest.mark.parametrize(
    ("p_fen", "outcome"),
    [(127_499, EligibilityOutcome.MARGINAL), (127_500, EligibilityOutcome.NOT_ELIGIBLE)],
)
def test_marginal_is_strictly_below_one_and_a_half_standards(p_fen: int, outcome: EligibilityOutcome) -> None:
    # 1.5 × 850 = 1275.00: p = 1274.99 is MARGINAL, p = 1275.00 is not (and R_year = 0: not RIGID)
    decision = decide(single(other_fen=p_fen), DEMO, ON)

    assert (decision.outcome, decision.monthly_benefit_fen) == (outcome, 0)


@pytest.mark.parametrize(
    ("medical_fen", "outcome"),
    [
        (12 * 300_000, EligibilityOutcome.NOT_ELIGIBLE),
        (12 * 300_000 + 1, EligibilityOutcome.RIGID_EXPENDITURE),
    ],
)
def test_rigid_expenditure_must_exceed_the_share_of_the_years_income(
    medical_fen: int, outcome: EligibilityOutcome
) -> None:
    # I = p = 3000 < L = 4000; 1.0 × 12 × 3000 = 36000: R_year = 36000 is not above it, 36000.01 is
    facts = dataclasses.replace(
        single(other_fen=300_000), expenditures=(ExpenditureFacts(ExpenditureKind.MEDICAL, medical_fen),)
    )

    assert decide(facts, DEMO, ON).outcome is outcome


def test_rigid_expenditure_needs_income_strictly_below_the_local_income() -> None:
    # p = L = 4000 exactly: not RIGID_EXPENDITURE even with a year's rigid spending far above the income
    facts = dataclasses.replace(
        single(other_fen=400_000),
        expenditures=(ExpenditureFacts(ExpenditureKind.OTHER_RIGID, yuan(100_000)),),
    )

    decision = decide(facts, DEMO, ON)

    assert decision.outcome is EligibilityOutcome.NOT_ELIGIBLE
    step = next(s for s in decision.trace if s.rule == RuleId.RIGID_EXPENDITURE_TIER)
    assert (step.passed, step.explanation_en) == (
        False,
        "p = 4000.00 is not below L = 4000.00: not RIGID_EXPENDITURE",
    )


def test_an_accident_loss_is_not_a_rigid_expenditure() -> None:
    # the same household as the edge above with the spending as ACCIDENT_LOSS: R = 0, so not RIGID
    facts = dataclasses.replace(
        single(other_fen=300_000),
        expenditures=(ExpenditureFacts(ExpenditureKind.ACCIDENT_LOSS, yuan(100_000)),),
    )

    decision = decide(facts, DEMO, ON)

    # q = 36000 / 12 = 3000 ≥ 1700; C_year = 100000 > 0.80 × 36000: ACCIDENT
    assert decision.outcome is EligibilityOutcome.NOT_ELIGIBLE
    assert classification(decision) == (yuan(3000), HardshipCategory.ACCIDENT)
    assert next(s for s in decision.trace if s.rule == RuleId.RIGID_EXPENDITURE).value == "0.00"


@pytest.mark.parametrize(
    ("q_fen", "category"),
    [
        (84_999, HardshipCategory.DEEP),
        (85_000, HardshipCategory.RELATIVE),  # q = S is not below S
        (169_999, HardshipCategory.RELATIVE),
        (170_000, None),  # q = 2.0 × S is not below it
    ],
)
def test_the_category_thresholds_are_strict(q_fen: int, category: HardshipCategory | None) -> None:
    decision = decide(single(other_fen=q_fen), DEMO, ON)

    assert classification(decision) == (q_fen, category)


@pytest.mark.parametrize(
    ("loss_fen", "category"), [(5_760_000, None), (5_760_001, HardshipCategory.ACCIDENT)]
)
def test_accident_costs_must_exceed_the_share_of_the_years_income(
    loss_fen: int, category: HardshipCategory | None
) -> None:
    # Y = 12 × 6000 = 72000, 0.80 × Y = 57600.00: a loss of 57600.00 is not above it, 57600.01 is
    facts = dataclasses.replace(
        single(other_fen=600_000), expenditures=(ExpenditureFacts(ExpenditureKind.ACCIDENT_LOSS, loss_fen),)
    )

    assert decide(facts, DEMO, ON).suggested_category is category


def test_medical_costs_count_towards_the_accident_costs_too() -> None:
    # Y = 72000; MEDICAL 30000 + ACCIDENT_LOSS 30000 = 60000 > 57600: ACCIDENT, though MEDICAL is rigid:
    # q = (72000 − 30000) / 12 = 3500 ≥ 1700
    facts = dataclasses.replace(
        single(other_fen=600_000),
        expenditures=(
            ExpenditureFacts(ExpenditureKind.MEDICAL, yuan(30000)),
            ExpenditureFacts(ExpenditureKind.ACCIDENT_LOSS, yuan(30000)),
        ),
    )

    assert classification(decide(facts, DEMO, ON)) == (yuan(3500), HardshipCategory.ACCIDENT)


def test_q_is_income_without_the_wage_deduction() -> None:
    # WAGE 1000 of an EMPLOYED member: I = 800 (p < S: DIBAO), but q = 1000 (no deduction): RELATIVE
    decision = decide(single(1000, employment=Employment.EMPLOYED), DEMO, ON)

    assert figures(decision) == (EligibilityOutcome.DIBAO, yuan(800), yuan(800), yuan(50))
    assert classification(decision) == (yuan(1000), HardshipCategory.RELATIVE)


def test_a_negative_half_fen_q_rounds_away_from_zero() -> None:
    # q = (0 − 0.06) / 12 / 1 = −0.005 yuan → −0.01 (RULES.md: −0.005 → −0.01)
    facts = HouseholdFacts(
        members=(member(1980),), expenditures=(ExpenditureFacts(ExpenditureKind.MEDICAL, 6),)
    )

    decision = decide(facts, DEMO, ON)

    assert classification(decision) == (-1, HardshipCategory.DEEP)
    assert next(s for s in decision.trace if s.rule == RuleId.CATEGORY_INCOME).value == "≈-0.01"


def test_a_policy_without_the_v2_keys_decides_with_the_defaults() -> None:
    # a stored v1 policy version: example 10 and 11 decide as under the demo set, whose v2 values are the defaults
    v1_policy = parse_parameters({k: v for k, v in DEMO_PARAMETERS.items() if k not in V2_DEFAULTS})
    example_10 = single(other_fen=yuan(1000))
    example_11 = dataclasses.replace(
        single(4000, employment=Employment.EMPLOYED),
        expenditures=(ExpenditureFacts(ExpenditureKind.MEDICAL, yuan(50000)),),
    )

    assert decide(example_10, v1_policy, ON) == decide(example_10, DEMO, ON)
    assert decide(example_11, v1_policy, ON).outcome is EligibilityOutcome.RIGID_EXPENDITURE


def test_published_v2_values_move_the_tiers_and_the_accident_share() -> None:
    policy = parse_parameters(
        {
            **DEMO_PARAMETERS,
            "marginal_income_multiple": "1.1",
            "local_disposable_income_monthly": "3000.00",
            "rigid_expenditure_share": "0.5",
            "accident_cost_share": "0.5",
        }
    )
    example_10 = single(other_fen=yuan(1000))  # p = 1000 ≥ 1.1 × 850 = 935: no longer MARGINAL
    rigid = dataclasses.replace(  # p = 2000 < 3000, R_year = 12001 > 0.5 × 12 × 2000 = 12000
        single(other_fen=yuan(2000)), expenditures=(ExpenditureFacts(ExpenditureKind.EDUCATION, yuan(12001)),)
    )
    losses = dataclasses.replace(  # Y = 72000, C_year = 36000.01 > 0.5 × 72000
        single(other_fen=yuan(6000)),
        expenditures=(ExpenditureFacts(ExpenditureKind.ACCIDENT_LOSS, 3_600_001),),
    )

    assert decide(example_10, policy, ON).outcome is EligibilityOutcome.NOT_ELIGIBLE
    assert decide(rigid, policy, ON).outcome is EligibilityOutcome.RIGID_EXPENDITURE
    assert decide(losses, policy, ON).suggested_category is HardshipCategory.ACCIDENT
    step = next(s for s in decide(rigid, policy, ON).trace if s.rule == RuleId.RIGID_EXPENDITURE_TIER)
    assert step.explanation_en == (
        "p = 2000.00 < L = 3000.00 and R_year = 12001.00 > 0.5 × 12 × I = 12000.00: "
        "RIGID_EXPENDITURE (刚性支出困难); no benefit, no referral"
    )


def test_every_v2_trace_step_names_its_figure_in_both_languages() -> None:
    facts = HouseholdFacts(
        members=(member(1975, employment=Employment.EMPLOYED),),
        incomes=(income(IncomeKind.WAGE, 6000, 0), income(IncomeKind.EXEMPT, 100, 0)),
        expenditures=(
            ExpenditureFacts(ExpenditureKind.MEDICAL, yuan(1200)),
            ExpenditureFacts(ExpenditureKind.ACCIDENT_LOSS, yuan(60000)),
        ),
    )

    decision = decide(facts, DEMO, ON)
    by_rule = {s.rule: s for s in decision.trace}

    # Y = 12 × 6000 = 72000 (EXEMPT left out); q = (72000 − 1200) / 12 = 5900; C_year = 1200 + 60000 = 61200
    assert [by_rule[r].value for r in CATEGORY_FIGURES] == ["72000.00", "5900.00", "61200.00"]
    assert by_rule[RuleId.CATEGORY_INCOME].explanation_zh == (
        "困难认定人均月收入 q = (Y − R_year) / 12 / n = (72000.00 − 1200.00) / 12 / 1 = 5900.00 元"
    )
    assert by_rule[RuleId.HARDSHIP_COSTS].explanation_en == (
        "the year's hardship costs C_year = medical 1200.00 + accident losses 60000.00 = 61200.00 yuan"
    )
    assert (
        by_rule[RuleId.CATEGORY_ACCIDENT].explanation_en
        == "C_year = 61200.00 > 0.80 × Y = 57600.00: ACCIDENT"
    )
    assert (decision.trace[-1].rule, decision.trace[-1].value) == (RuleId.SUGGESTED_CATEGORY, "ACCIDENT")
    for step in decision.trace:
        assert step.explanation_zh
        assert step.explanation_en
        assert "\n" not in step.explanation
