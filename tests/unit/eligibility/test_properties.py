"""Properties of the engine that must hold for every household and every valid policy."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lianxin.eligibility import (
    AssetFacts,
    DibaoParameters,
    ExpenditureFacts,
    HouseholdFacts,
    IncomeFacts,
    MemberFacts,
    decide,
    fingerprint,
    parameters_to_json,
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
examples = settings(max_examples=100, deadline=None)

COUNTED_KINDS: list[IncomeKind] = [k for k in IncomeKind if k is not IncomeKind.EXEMPT]


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
    }
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
    )


@examples
@given(facts=households(min_members=0), params=parameters, on=evaluation_dates)
def test_benefit_is_never_negative_and_only_paid_when_eligible(
    facts: HouseholdFacts, params: DibaoParameters, on: date
) -> None:
    decision = decide(facts, params, on)

    assert decision.monthly_benefit_fen >= 0
    if decision.outcome in (EligibilityOutcome.NOT_ELIGIBLE, EligibilityOutcome.INSUFFICIENT_DATA):
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
    if before.outcome is EligibilityOutcome.NOT_ELIGIBLE:
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
    shuffled = HouseholdFacts(
        members=facts.members,
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
