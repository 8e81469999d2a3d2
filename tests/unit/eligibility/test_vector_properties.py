"""The vectorised engine (lianxin.eligibility.vector) agrees with the exact engine on every household:
outcome, benefit, I, p, q, category, single-person members and the trace rendered from its stored
figures, under random policies (v2 keys present or absent), boundaries included, and past int64."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianxin.eligibility import (
    AssetFacts,
    DibaoParameters,
    ExpenditureFacts,
    HouseholdFacts,
    IncomeFacts,
    MemberFacts,
    decide,
    parse_parameters,
    vector,
)
from lianxin.eligibility.render import render, step_json, trace_json
from lianxin.household.enums import (
    ArchiveExclusion,
    AssetKind,
    Employment,
    ExpenditureKind,
    Health,
    IncomeKind,
)

pytestmark = pytest.mark.no_db


def decimal_text(places: int, low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda k: f"{k // 10**places}.{k % 10**places:0{places}d}")


def rational(low: int, high: int) -> st.SearchStrategy[str]:
    """A rate or multiple with 1 to 4 decimal places (denominators 10 … 10 000, often reducing)."""
    return st.integers(1, 4).flatmap(lambda k: decimal_text(k, low * 10**k // 100, high * 10**k // 100))


# Round money (whole 10 yuan) so that boundaries (p = S, q = 2S, …) are hit often.
def money(high: int = 1_000_000) -> st.SearchStrategy[int]:
    return st.integers(0, high // 1000).map(lambda k: k * 1000) | st.integers(0, high)


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


raw_parameters: st.SearchStrategy[dict[str, object]] = st.fixed_dictionaries(
    {
        "standard_monthly": st.integers(1, 3000).map(lambda k: yuan(k * 100)) | decimal_text(2, 1, 300_000),
        "wage_deduction_rate": rational(0, 100),
        "wage_deduction_cap_monthly": money(100_000).map(yuan),
        "deposit_limit_months": st.integers(0, 36),
        "vehicle_exempt_value": money(5_000_000).map(yuan),
        "max_houses": st.integers(0, 2),
        "business_value_limit": money(5_000_000).map(yuan),
        "expenditure_income_multiple": rational(0, 300),
        "single_person_income_multiple": rational(0, 300),
        "relative_hardship_multiple": rational(0, 300),
        "elderly_age": st.integers(50, 70),
        "supplements": st.dictionaries(
            st.sampled_from(["ELDERLY", "MINOR", "DISABILITY_SEVERE", "CRITICAL_ILLNESS"]), rational(0, 100)
        ),
    },
    optional={
        "accident_cost_share": rational(0, 200),
        "marginal_income_multiple": rational(0, 300),
        "local_disposable_income_monthly": money(1_000_000).map(yuan),
        "rigid_expenditure_share": rational(0, 200),
    },
)
parameters: st.SearchStrategy[DibaoParameters] = raw_parameters.map(parse_parameters)

members = st.builds(
    MemberFacts,
    birth_date=st.dates(date(1930, 1, 1), date(2024, 12, 31)),
    health=st.sampled_from(Health),
    employment=st.sampled_from(Employment),
)


@st.composite
def households(draw: st.DrawFn) -> HouseholdFacts:
    people = draw(st.lists(members, min_size=0, max_size=5))
    index = st.none() if not people else st.none() | st.integers(0, len(people) - 1)
    return HouseholdFacts(
        members=tuple(people),
        incomes=tuple(
            draw(
                st.lists(
                    st.builds(IncomeFacts, st.sampled_from(IncomeKind), money(500_000), index), max_size=6
                )
            )
        ),
        expenditures=tuple(
            draw(
                st.lists(
                    st.builds(ExpenditureFacts, st.sampled_from(ExpenditureKind), money(6_000_000)),
                    max_size=4,
                )
            )
        ),
        assets=tuple(
            draw(
                st.lists(
                    st.builds(AssetFacts, st.sampled_from(AssetKind), money(10_000_000), st.integers(0, 3)),
                    max_size=4,
                )
            )
        ),
        major_event_casualty=draw(st.booleans()),
        exclusions=draw(
            st.sampled_from([frozenset(), frozenset()]) | st.frozensets(st.sampled_from(ArchiveExclusion))
        ),
    )


def assert_agree(batch: list[HouseholdFacts], params: DibaoParameters, as_of: date) -> None:
    columns = vector.columns_from_facts(batch, as_of)
    result = vector.evaluate(columns, params)
    stored = vector.figures_json(columns, result, json.dumps(vector.policy_figures(params)))
    for i, facts in enumerate(batch):
        exact = decide(facts, params, as_of)
        category = vector.CATEGORIES[result.category[i]]
        got = (
            vector.OUTCOMES[result.outcome[i]],
            int(result.benefit[i]),
            int(result.counted_income[i]),
            int(result.per_capita[i]),
            category,
            None if columns.n[i] == 0 else int(result.category_income[i]),
            tuple(vector.member_indices(int(result.single_members[i]))),
        )
        want = (
            exact.outcome,
            exact.monthly_benefit_fen,
            exact.counted_income_fen,
            exact.per_capita_income_fen,
            exact.suggested_category,
            exact.category_income_fen,
            exact.single_person_members,
        )
        assert got == want, (facts, params)
        assert [step_json(s) for s in render(json.loads(stored[i]))] == trace_json(exact), (facts, params)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(households(), min_size=1, max_size=8), parameters, st.dates(date(2000, 1, 1), date(2030, 12, 31))
)
def test_vectorised_agrees_with_the_exact_engine(
    batch: list[HouseholdFacts], params: DibaoParameters, as_of: date
) -> None:
    assert_agree(batch, params, as_of)


@settings(max_examples=40, deadline=None)
@given(st.lists(households(), min_size=1, max_size=4), parameters, st.integers(40, 70))
def test_past_int64_the_same_expressions_run_on_python_ints(
    batch: list[HouseholdFacts], params: DibaoParameters, shift: int
) -> None:
    # the same households with one income beyond any int64 product: evaluated on Python ints, still exact
    huge = HouseholdFacts(
        members=(MemberFacts(date(1980, 1, 1), Health.HEALTHY, Employment.EMPLOYED),),
        incomes=(IncomeFacts(IncomeKind.WAGE, 2**shift, 0),),
    )
    assert_agree([*batch, huge], params, date(2026, 11, 29))


def test_boundaries_of_the_worked_examples() -> None:
    params = parse_parameters(
        {
            "standard_monthly": "850.00",
            "wage_deduction_rate": "0.20",
            "wage_deduction_cap_monthly": "200.00",
            "deposit_limit_months": 24,
            "vehicle_exempt_value": "30000.00",
            "max_houses": 1,
            "business_value_limit": "50000.00",
            "expenditure_income_multiple": "2.0",
            "single_person_income_multiple": "1.5",
            "relative_hardship_multiple": "2.0",
            "elderly_age": 60,
            "supplements": {"ELDERLY": "0.10"},
        }
    )
    one = (MemberFacts(date(1980, 1, 1), Health.HEALTHY, Employment.UNEMPLOYED),)
    batch = [
        HouseholdFacts(members=one, incomes=(IncomeFacts(IncomeKind.OTHER, fen, 0),))
        for fen in (84_999, 85_000, 85_001, 127_499, 127_500, 170_000, 400_000)
    ]
    assert_agree([*batch, HouseholdFacts()], params, date(2020, 7, 1))
