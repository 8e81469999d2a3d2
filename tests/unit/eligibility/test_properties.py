"""Properties of the engine that must hold for every household and every valid policy (RULES.md v2),
including agreement with an independent reference of RULES.md's text (`reference_outcome`,
`reference_category`) that keeps v1's tests 1–5 apart from v2's tests 6–7."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from lianxin.eligibility import (
    DEMO_PARAMETERS,
    AssetFacts,
    Decision,
    DibaoParameters,
    ExpenditureFacts,
    HouseholdFacts,
    IncomeFacts,
    MemberFacts,
    SupplementCategory,
    decide,
    fingerprint,
    parameters_to_json,
    parse_parameters,
)
from lianxin.eligibility import facts as facts_module
from lianxin.eligibility.trace import round_half_up
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
examples = settings(max_examples=100, deadline=None)

COUNTED_KINDS: list[IncomeKind] = [k for k in IncomeKind if k is not IncomeKind.EXEMPT]
NO_BENEFIT = (
    EligibilityOutcome.NOT_ELIGIBLE,
    EligibilityOutcome.MARGINAL,
    EligibilityOutcome.RIGID_EXPENDITURE,
)
V1_ONLY = (
    EligibilityOutcome.DIBAO,
    EligibilityOutcome.EXPENDITURE_TYPE,
    EligibilityOutcome.SINGLE_PERSON,
    EligibilityOutcome.INSUFFICIENT_DATA,
)


def hundredths(low: int = 0, high: int = 10_000_000) -> st.SearchStrategy[str]:
    """Decimal text with two places: fen as yuan, or a rate or multiple in hundredths."""
    return st.integers(low, high).map(lambda k: f"{k // 100}.{k % 100:02d}")


parameters: st.SearchStrategy[DibaoParameters] = st.fixed_dictionaries(
    {
        "standard_monthly": hundredths(1, 300_000),
        "wage_deduction_rate": hundredths(0, 100),
        "wage_deduction_cap_monthly": hundredths(0, 100_000),
        "deposit_limit_months": st.integers(6, 36),
        "vehicle_exempt_value": hundredths(),
        "max_houses": st.integers(0, 2),
        "business_value_limit": hundredths(),
        "expenditure_income_multiple": hundredths(100, 300),
        "single_person_income_multiple": hundredths(100, 300),
        "relative_hardship_multiple": hundredths(100, 300),
        "elderly_age": st.integers(50, 70),
        "supplements": st.dictionaries(
            st.sampled_from(["ELDERLY", "MINOR", "DISABILITY_SEVERE", "CRITICAL_ILLNESS"]), hundredths(0, 100)
        ),
    },
    # v2 keys: a policy may leave any of them out (RULES.md: then the default applies)
    optional={
        "accident_cost_share": hundredths(0, 200),
        "marginal_income_multiple": hundredths(0, 300),
        "local_disposable_income_monthly": hundredths(0, 1_000_000),
        "rigid_expenditure_share": hundredths(0, 200),
    },
).map(parse_parameters)

members = st.builds(
    MemberFacts,
    birth_date=st.dates(date(1920, 1, 1), date(2024, 12, 31)),
    health=st.sampled_from(Health),
    employment=st.sampled_from(Employment),
)
evaluation_dates = st.dates(date(2000, 1, 1), date(2030, 12, 31))


def incomes_for(n: int, kinds: list[IncomeKind] | None = None) -> st.SearchStrategy[IncomeFacts]:
    index = st.none() if n == 0 else st.none() | st.integers(0, n - 1)
    kind = st.sampled_from(kinds or list(IncomeKind))
    return st.builds(IncomeFacts, kind=kind, monthly_fen=st.integers(0, 400_000), member_index=index)


# mostly none, as in the ledger: an exclusion gives no category, which would hide the others
exclusion_sets = st.sampled_from([frozenset(), frozenset(), frozenset()]) | st.frozensets(
    st.sampled_from(ArchiveExclusion), min_size=1
)


@st.composite
def households(draw: st.DrawFn, min_members: int = 1) -> HouseholdFacts:
    people = draw(st.lists(members, min_size=min_members, max_size=5))
    return HouseholdFacts(
        members=tuple(people),
        incomes=tuple(draw(st.lists(incomes_for(len(people)), max_size=6))),
        expenditures=tuple(
            draw(
                st.lists(
                    st.builds(
                        ExpenditureFacts,
                        kind=st.sampled_from(ExpenditureKind),
                        annual_fen=st.integers(0, 20_000_000),
                    ),
                    max_size=3,
                )
            )
        ),
        assets=tuple(
            draw(
                st.lists(
                    st.builds(
                        AssetFacts,
                        kind=st.sampled_from(AssetKind),
                        value_fen=st.integers(0, 5_000_000),
                        count=st.integers(0, 2),
                    ),
                    max_size=4,
                )
            )
        ),
        major_event_casualty=draw(st.booleans()),
        exclusions=draw(exclusion_sets),
    )


@st.composite
def near_the_tiers(draw: st.DrawFn) -> tuple[HouseholdFacts, DibaoParameters]:
    """A policy and a household whose per-capita income lies within one S of one of the policy's
    thresholds, whose rigid spending lies around `rigid_expenditure_share` × 12 × income and whose
    accident losses lie around `accident_cost_share` × Y, so that every outcome and category is common."""
    params = draw(parameters)
    s, n = params.standard_monthly_fen, draw(st.integers(1, 4))
    people = draw(st.lists(members, min_size=n, max_size=n))
    marks = [
        Fraction(s),
        params.expenditure_income_multiple * s,
        params.single_person_income_multiple * s,
        params.marginal_income_multiple * s,
        params.relative_hardship_multiple * s,
        Fraction(params.local_disposable_income_monthly_fen),
    ]
    total = n * max(0, int(draw(st.sampled_from(marks))) + draw(st.integers(-s, s)))
    wage = draw(st.sampled_from([0, total // 2, total]))
    incomes = (
        IncomeFacts(IncomeKind.WAGE, wage, 0),
        IncomeFacts(draw(st.sampled_from(COUNTED_KINDS)), total - wage),
    )
    year = 12 * total
    rigid = max(0, int(params.rigid_expenditure_share * year) + draw(st.integers(-12 * s, 12 * s)))
    loss = max(0, int(params.accident_cost_share * year) + draw(st.integers(-12 * s, 12 * s)))
    spent = (
        ExpenditureFacts(draw(st.sampled_from(RIGID)), draw(st.sampled_from([0, rigid]))),
        ExpenditureFacts(ExpenditureKind.ACCIDENT_LOSS, draw(st.sampled_from([0, loss]))),
    )
    facts = HouseholdFacts(
        members=tuple(people),
        incomes=incomes,
        expenditures=spent,
        major_event_casualty=draw(st.booleans()),
        exclusions=draw(exclusion_sets),
    )
    return facts, params


@examples
@given(facts=households(min_members=0), params=parameters, on=evaluation_dates)
def test_benefit_is_never_negative_and_only_paid_when_eligible(
    facts: HouseholdFacts, params: DibaoParameters, on: date
) -> None:
    decision = decide(facts, params, on)

    assert decision.monthly_benefit_fen >= 0
    if decision.outcome in (*NO_BENEFIT, EligibilityOutcome.INSUFFICIENT_DATA):
        assert decision.monthly_benefit_fen == 0
    assert decision.single_person_members == () or decision.outcome is EligibilityOutcome.SINGLE_PERSON


@examples
@given(data=st.data(), facts=households(), params=parameters, on=evaluation_dates)
def test_adding_counted_income_never_turns_not_eligible_into_dibao(
    data: st.DataObject, facts: HouseholdFacts, params: DibaoParameters, on: date
) -> None:
    before = decide(facts, params, on)
    extra = data.draw(incomes_for(len(facts.members), COUNTED_KINDS))

    after = decide(dataclasses.replace(facts, incomes=(*facts.incomes, extra)), params, on)

    assert after.per_capita_income_fen >= before.per_capita_income_fen
    if before.outcome in NO_BENEFIT:
        assert after.outcome is not EligibilityOutcome.DIBAO


@examples
@given(facts=households(), params=parameters, on=evaluation_dates)
def test_same_inputs_give_the_same_fingerprint_and_decision(
    facts: HouseholdFacts, params: DibaoParameters, on: date
) -> None:
    same_facts = HouseholdFacts(
        members=tuple(MemberFacts(m.birth_date, m.health, m.employment) for m in facts.members),
        incomes=tuple(IncomeFacts(i.kind, i.monthly_fen, i.member_index) for i in facts.incomes),
        expenditures=tuple(ExpenditureFacts(e.kind, e.annual_fen) for e in facts.expenditures),
        assets=tuple(AssetFacts(a.kind, a.value_fen, a.count) for a in facts.assets),
        major_event_casualty=bool(facts.major_event_casualty),
        exclusions=[str(e) for e in facts.exclusions],  # type: ignore[arg-type]  # coerced to the enum
    )
    same_params = parse_parameters(parameters_to_json(params))

    assert fingerprint(same_facts, same_params) == fingerprint(facts, params)
    assert fingerprint(same_facts, same_params, as_of=on) == fingerprint(facts, params, as_of=on)
    assert decide(same_facts, same_params, on) == decide(facts, params, on)


@examples
@given(data=st.data(), facts=households(), params=parameters, on=evaluation_dates)
def test_reordering_incomes_expenditures_or_assets_keeps_the_fingerprint_and_decision(
    data: st.DataObject, facts: HouseholdFacts, params: DibaoParameters, on: date
) -> None:
    shuffled = dataclasses.replace(
        facts,
        incomes=tuple(data.draw(st.permutations(facts.incomes))),
        expenditures=tuple(data.draw(st.permutations(facts.expenditures))),
        assets=tuple(data.draw(st.permutations(facts.assets))),
    )

    assert fingerprint(shuffled, params) == fingerprint(facts, params)
    assert decide(shuffled, params, on) == decide(facts, params, on)


def age_classes(facts: HouseholdFacts, params: DibaoParameters, on: date) -> list[tuple[bool, bool]]:
    return [(m.is_minor(on), m.is_elderly(on, params.elderly_age)) for m in facts.members]


@examples
@given(
    facts=households(),
    params=parameters,
    on=evaluation_dates,
    later=st.integers(1, 3 * 365).map(lambda days: timedelta(days=days)),
)
def test_the_date_matters_only_through_age_classes(
    facts: HouseholdFacts, params: DibaoParameters, on: date, later: timedelta
) -> None:
    assume(age_classes(facts, params, on) == age_classes(facts, params, on + later))

    assert decide(facts, params, on + later) == decide(facts, params, on)
    assert fingerprint(facts, params, as_of=on + later) == fingerprint(facts, params, as_of=on)


@examples
@given(data=st.data(), params=parameters, on=evaluation_dates, n=st.integers(1, 5))
def test_per_capita_income_exactly_at_the_standard_is_not_dibao(
    data: st.DataObject, params: DibaoParameters, on: date, n: int
) -> None:
    total = n * params.standard_monthly_fen
    cuts = sorted(data.draw(st.lists(st.integers(0, total), max_size=3)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    people = tuple(data.draw(st.lists(members, min_size=n, max_size=n)))
    at_standard = HouseholdFacts(
        members=people, incomes=tuple(IncomeFacts(IncomeKind.PENSION, f) for f in parts)
    )
    one_fen_less = dataclasses.replace(at_standard, incomes=(IncomeFacts(IncomeKind.PENSION, total - 1),))

    decision = decide(at_standard, params, on)

    assert decision.per_capita_income_fen == params.standard_monthly_fen
    assert decision.outcome is not EligibilityOutcome.DIBAO
    assert decision.suggested_category is not HardshipCategory.DEEP
    assert decide(one_fen_less, params, on).outcome is EligibilityOutcome.DIBAO


# An independent reading of RULES.md, kept apart from the engine: v1's tests 1–5 and test 8 on their own,
# then v2's tests 6–7 only where v1 said NOT_ELIGIBLE, and the union's classification.

RIGID = (ExpenditureKind.MEDICAL, ExpenditureKind.EDUCATION, ExpenditureKind.OTHER_RIGID)
SEVERITY = {HardshipCategory.DEEP: 3, HardshipCategory.RELATIVE: 2, HardshipCategory.ACCIDENT: 1, None: 0}


def share_of(params: DibaoParameters, m: MemberFacts, on: date) -> Fraction:
    shares = [Fraction(0)]
    age = on.year - m.birth_date.year - ((on.month, on.day) < (m.birth_date.month, m.birth_date.day))
    if age >= params.elderly_age:
        shares.append(Fraction(params.supplement(SupplementCategory.ELDERLY)))
    if age < 18:
        shares.append(Fraction(params.supplement(SupplementCategory.MINOR)))
    if m.health in (Health.DISABILITY_SEVERE, Health.CRITICAL_ILLNESS):
        shares.append(Fraction(params.supplement(SupplementCategory(m.health.value))))
    return max(shares)


def counted(facts: HouseholdFacts, params: DibaoParameters) -> tuple[Fraction, list[Fraction]]:
    """RULES.md "Definitions", I: (I, each member's own counted income)."""
    own = [Fraction(0)] * len(facts.members)
    wage = [0] * len(facts.members)
    loose = Fraction(0)
    for i in facts.incomes:
        if i.kind is IncomeKind.EXEMPT:
            continue
        if i.member_index is None:
            loose += i.monthly_fen
        else:
            own[i.member_index] += i.monthly_fen
            wage[i.member_index] += i.monthly_fen if i.kind is IncomeKind.WAGE else 0
    for k, m in enumerate(facts.members):
        if m.employment in (Employment.EMPLOYED, Employment.FLEXIBLE):
            cap = params.wage_deduction_cap_monthly_fen
            own[k] -= min(Fraction(params.wage_deduction_rate) * wage[k], cap)
    return loose + sum(own), own


def assets_pass(facts: HouseholdFacts, params: DibaoParameters) -> bool:
    a, n, s = facts.assets, len(facts.members), params.standard_monthly_fen
    savings = sum(x.value_fen * x.count for x in a if x.kind in (AssetKind.DEPOSIT, AssetKind.SECURITIES))
    vehicles = [x.value_fen for x in a if x.kind is AssetKind.VEHICLE and x.count > 0]
    houses = sum(x.count for x in a if x.kind is AssetKind.HOUSE)
    business = sum(x.value_fen * x.count for x in a if x.kind is AssetKind.BUSINESS)
    return not (
        Fraction(savings, n) > params.deposit_limit_months * s
        or any(v > params.vehicle_exempt_value_fen for v in vehicles)
        or houses > params.max_houses
        or business > params.business_value_limit_fen
    )


def reference_v1(
    facts: HouseholdFacts, params: DibaoParameters, on: date
) -> tuple[EligibilityOutcome, int, int, tuple[int, ...]]:
    """RULES.md v1 "Order of tests" 1–6 (v1's 6 is v2's 8): (outcome, benefit fen, p fen, single-person
    members). R reads the rigid kinds (v1 households had no other kind)."""
    n, s = len(facts.members), params.standard_monthly_fen
    if n == 0:
        return EligibilityOutcome.INSUFFICIENT_DATA, 0, 0, ()
    income, own = counted(facts, params)
    p = income / n
    r = Fraction(sum(e.annual_fen for e in facts.expenditures if e.kind in RIGID), 12)
    extra = sum(share_of(params, m, on) for m in facts.members) * s
    p_fen = round_half_up(p)
    if not assets_pass(facts, params):
        return EligibilityOutcome.NOT_ELIGIBLE, 0, p_fen, ()
    if p < s:
        return EligibilityOutcome.DIBAO, round_half_up((s - p) * n + extra), p_fen, ()
    if p < Fraction(params.expenditure_income_multiple) * s and (income - r) / n < s:
        adjusted = max(Fraction(0), (income - r) / n)
        return EligibilityOutcome.EXPENDITURE_TYPE, round_half_up((s - adjusted) * n + extra), p_fen, ()
    ill = tuple(
        k
        for k, m in enumerate(facts.members)
        if m.health in (Health.DISABILITY_SEVERE, Health.CRITICAL_ILLNESS)
    )
    if p < Fraction(params.single_person_income_multiple) * s and ill:
        benefit = sum(
            max(Fraction(0), s * (1 + share_of(params, facts.members[k], on)) - own[k]) for k in ill
        )
        return EligibilityOutcome.SINGLE_PERSON, round_half_up(benefit), p_fen, ill
    return EligibilityOutcome.NOT_ELIGIBLE, 0, p_fen, ()


def reference_outcome(facts: HouseholdFacts, params: DibaoParameters, on: date) -> EligibilityOutcome:
    """RULES.md v2: v1's outcome; where v1 said NOT_ELIGIBLE with the asset test passed, tests 6 and 7."""
    outcome = reference_v1(facts, params, on)[0]
    if outcome is not EligibilityOutcome.NOT_ELIGIBLE or not assets_pass(facts, params):
        return outcome
    income, _ = counted(facts, params)
    p, s = income / len(facts.members), params.standard_monthly_fen
    rigid_year = sum(e.annual_fen for e in facts.expenditures if e.kind in RIGID)
    if p < Fraction(params.marginal_income_multiple) * s:
        return EligibilityOutcome.MARGINAL
    local = params.local_disposable_income_monthly_fen
    if p < local and rigid_year > Fraction(params.rigid_expenditure_share) * 12 * income:
        return EligibilityOutcome.RIGID_EXPENDITURE
    return EligibilityOutcome.NOT_ELIGIBLE


def exact_q(facts: HouseholdFacts) -> Fraction:
    y = 12 * sum(i.monthly_fen for i in facts.incomes if i.kind is not IncomeKind.EXEMPT)
    rigid_year = sum(e.annual_fen for e in facts.expenditures if e.kind in RIGID)
    return Fraction(y - rigid_year, 12 * len(facts.members))


def reference_category(facts: HouseholdFacts, params: DibaoParameters) -> HardshipCategory | None:
    """RULES.md "The union's classification" 1–5."""
    if not facts.members or facts.exclusions:
        return None
    q, s = exact_q(facts), params.standard_monthly_fen
    if q < s:
        return HardshipCategory.DEEP
    if q < Fraction(params.relative_hardship_multiple) * s:
        return HardshipCategory.RELATIVE
    y = 12 * sum(i.monthly_fen for i in facts.incomes if i.kind is not IncomeKind.EXEMPT)
    costs = sum(
        e.annual_fen
        for e in facts.expenditures
        if e.kind in (ExpenditureKind.MEDICAL, ExpenditureKind.ACCIDENT_LOSS)
    )
    if facts.major_event_casualty or costs > Fraction(params.accident_cost_share) * y:
        return HardshipCategory.ACCIDENT
    return None


def dibao_part(d: Decision) -> tuple[object, ...]:
    """What the 低保 tests decide: everything but the classification and the trace."""
    return (
        d.outcome,
        d.per_capita_income_fen,
        d.counted_income_fen,
        d.standard_fen,
        d.monthly_benefit_fen,
        d.single_person_members,
    )


def without_v2_facts(facts: HouseholdFacts) -> HouseholdFacts:
    return dataclasses.replace(
        facts,
        expenditures=tuple(e for e in facts.expenditures if e.kind is not ExpenditureKind.ACCIDENT_LOSS),
        major_event_casualty=False,
        exclusions=frozenset(),
    )


def check_against_the_references(facts: HouseholdFacts, params: DibaoParameters, on: date) -> None:
    v1_outcome, v1_benefit, v1_p, v1_members = reference_v1(facts, params, on)

    decision = decide(facts, params, on)
    event(f"{decision.outcome} / {decision.suggested_category}")

    # RULES.md v2 as a whole
    assert decision.outcome is reference_outcome(facts, params, on)
    assert decision.suggested_category is reference_category(facts, params)
    assert decision.category_income_fen == (round_half_up(exact_q(facts)) if facts.members else None)
    # what v1 decided as DIBAO, EXPENDITURE_TYPE, SINGLE_PERSON or INSUFFICIENT_DATA is decided the same
    if v1_outcome in V1_ONLY:
        assert (decision.outcome, decision.monthly_benefit_fen, decision.single_person_members) == (
            v1_outcome,
            v1_benefit,
            v1_members,
        )
    # MARGINAL and RIGID_EXPENDITURE only ever replace v1's NOT_ELIGIBLE
    if decision.outcome not in V1_ONLY:
        assert v1_outcome is EligibilityOutcome.NOT_ELIGIBLE
        assert decision.monthly_benefit_fen == 0
    assert decision.per_capita_income_fen == v1_p


@examples
@given(facts=households(min_members=0), params=parameters, on=evaluation_dates)
def test_the_decision_agrees_with_the_references_on_any_household(
    facts: HouseholdFacts, params: DibaoParameters, on: date
) -> None:
    check_against_the_references(facts, params, on)


@settings(max_examples=200, deadline=None)
@given(case=near_the_tiers(), on=evaluation_dates)
def test_the_decision_agrees_with_the_references_around_the_v2_thresholds(
    case: tuple[HouseholdFacts, DibaoParameters], on: date
) -> None:
    check_against_the_references(*case, on)


@examples
@given(facts=households(min_members=0), params=parameters, on=evaluation_dates)
def test_the_new_tiers_pay_nothing_and_pass_the_asset_test(
    facts: HouseholdFacts, params: DibaoParameters, on: date
) -> None:
    decision = decide(facts, params, on)

    if decision.outcome in (EligibilityOutcome.MARGINAL, EligibilityOutcome.RIGID_EXPENDITURE):
        assert decision.monthly_benefit_fen == 0
        assert decision.single_person_members == ()
        assert next(s for s in decision.trace if s.rule == "R2_ASSETS").passed is True


@examples
@given(facts=households(), params=parameters, on=evaluation_dates)
def test_the_v2_facts_never_change_the_dibao_decision(
    facts: HouseholdFacts, params: DibaoParameters, on: date
) -> None:
    # exclusions, a major-event casualty and accident losses are read by the classification only
    assert dibao_part(decide(facts, params, on)) == dibao_part(decide(without_v2_facts(facts), params, on))


@examples
@given(
    facts=households(),
    params=parameters,
    on=evaluation_dates,
    exclusions=st.frozensets(st.sampled_from(ArchiveExclusion), min_size=1),
)
def test_an_exclusion_never_changes_the_outcome_or_q_and_always_gives_no_category(
    facts: HouseholdFacts, params: DibaoParameters, on: date, exclusions: frozenset[ArchiveExclusion]
) -> None:
    before = decide(facts, params, on)

    after = decide(dataclasses.replace(facts, exclusions=exclusions), params, on)

    assert dibao_part(after) == dibao_part(before)
    assert after.category_income_fen == before.category_income_fen
    assert after.suggested_category is None
    step = next(s for s in after.trace if s.rule == "C1_EXCLUSIONS")
    assert step.value == ",".join(sorted(exclusions))


@examples
@given(
    facts=households(),
    params=parameters,
    on=evaluation_dates,
    loss=st.integers(1, 50_000_000),
)
def test_an_accident_loss_never_changes_p_nor_q_and_can_only_add_accident(
    facts: HouseholdFacts, params: DibaoParameters, on: date, loss: int
) -> None:
    before = decide(facts, params, on)
    with_loss = (*facts.expenditures, ExpenditureFacts(ExpenditureKind.ACCIDENT_LOSS, loss))

    after = decide(dataclasses.replace(facts, expenditures=with_loss), params, on)

    assert dibao_part(after) == dibao_part(before)
    assert after.category_income_fen == before.category_income_fen
    if after.suggested_category is not before.suggested_category:
        assert (before.suggested_category, after.suggested_category) == (None, HardshipCategory.ACCIDENT)


@examples
@given(facts=households(), params=parameters, on=evaluation_dates)
def test_a_major_event_casualty_always_gets_a_category_unless_excluded(
    facts: HouseholdFacts, params: DibaoParameters, on: date
) -> None:
    decision = decide(dataclasses.replace(facts, major_event_casualty=True), params, on)

    if facts.exclusions:
        assert decision.suggested_category is None
    else:
        assert decision.suggested_category is not None


@examples
@given(facts=households(), params=parameters, on=evaluation_dates)
def test_the_category_is_a_function_of_q_below_the_relative_ceiling(
    facts: HouseholdFacts, params: DibaoParameters, on: date
) -> None:
    decision = decide(dataclasses.replace(facts, exclusions=frozenset()), params, on)
    q, s = exact_q(facts), params.standard_monthly_fen

    assert (decision.suggested_category is HardshipCategory.DEEP) == (q < s)
    ceiling = Fraction(params.relative_hardship_multiple) * s
    assert (decision.suggested_category is HardshipCategory.RELATIVE) == (s <= q < ceiling)


@examples
@given(data=st.data(), facts=households(), params=parameters, on=evaluation_dates)
def test_more_income_never_deepens_the_category(
    data: st.DataObject, facts: HouseholdFacts, params: DibaoParameters, on: date
) -> None:
    before = decide(facts, params, on)
    extra = data.draw(incomes_for(len(facts.members), COUNTED_KINDS))

    after = decide(dataclasses.replace(facts, incomes=(*facts.incomes, extra)), params, on)

    assert after.category_income_fen is not None
    assert before.category_income_fen is not None
    assert after.category_income_fen >= before.category_income_fen
    assert SEVERITY[after.suggested_category] <= SEVERITY[before.suggested_category]


@examples
@given(data=st.data(), facts=households(), params=parameters, on=evaluation_dates)
def test_more_rigid_expenditure_never_lightens_the_category_nor_raises_q(
    data: st.DataObject, facts: HouseholdFacts, params: DibaoParameters, on: date
) -> None:
    before = decide(facts, params, on)
    kind = data.draw(st.sampled_from(RIGID))
    extra = ExpenditureFacts(kind, data.draw(st.integers(1, 10_000_000)))

    after = decide(dataclasses.replace(facts, expenditures=(*facts.expenditures, extra)), params, on)

    assert after.category_income_fen is not None
    assert before.category_income_fen is not None
    assert after.category_income_fen <= before.category_income_fen
    assert SEVERITY[after.suggested_category] >= SEVERITY[before.suggested_category]


@examples
@given(data=st.data(), facts=households(), params=parameters)
def test_changing_any_v2_fact_changes_the_fingerprint(
    data: st.DataObject, facts: HouseholdFacts, params: DibaoParameters
) -> None:
    flipped = dataclasses.replace(facts, major_event_casualty=not facts.major_event_casualty)
    other = data.draw(
        st.frozensets(st.sampled_from(ArchiveExclusion)).filter(lambda e: e != facts.exclusions)
    )
    excluded = dataclasses.replace(facts, exclusions=other)
    loss = ExpenditureFacts(ExpenditureKind.ACCIDENT_LOSS, data.draw(st.integers(0, 10_000_000)))
    with_loss = dataclasses.replace(facts, expenditures=(*facts.expenditures, loss))

    prints = {fingerprint(f, params) for f in (facts, flipped, excluded, with_loss)}

    assert len(prints) == 4


def test_the_rules_version_is_part_of_the_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    facts = HouseholdFacts(members=(MemberFacts(date(1980, 1, 1), Health.HEALTHY, Employment.UNEMPLOYED),))
    params = parse_parameters(DEMO_PARAMETERS)
    assert (facts_module.RULES_VERSION, facts_module.ENGINE_VERSION) == (2, "dibao-rules/2")
    v2 = fingerprint(facts, params)

    monkeypatch.setattr(facts_module, "ENGINE_VERSION", "dibao-rules/1")  # the same inputs, as v1 saw them

    assert fingerprint(facts, params) != v2


def test_v2_facts_are_coerced_and_checked() -> None:
    facts = HouseholdFacts(exclusions=["HIGH_FEE_PRIVATE_SCHOOL"])  # type: ignore[arg-type]

    assert facts.exclusions == frozenset({ArchiveExclusion.HIGH_FEE_PRIVATE_SCHOOL})
    with pytest.raises(ValueError, match="STUDY_AT_HOME"):
        HouseholdFacts(exclusions=frozenset({"STUDY_AT_HOME"}))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        HouseholdFacts(exclusions="HIGH_FEE_PRIVATE_SCHOOL")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        HouseholdFacts(major_event_casualty=1)  # type: ignore[arg-type]
