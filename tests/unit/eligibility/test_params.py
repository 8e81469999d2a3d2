"""RULES.md "Policy parameters": the demo set, the canonical JSON, and every way a publication is refused;
then the v2 keys: their defaults for a policy published without them, and their validation."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from importlib import resources

import pytest

from lianxin.eligibility import (
    DEMO_PARAMETERS,
    V2_DEFAULTS,
    DibaoParameters,
    HouseholdFacts,
    IssueCode,
    MemberFacts,
    ParameterError,
    ParameterIssue,
    SupplementCategory,
    fingerprint,
    parameters_to_json,
    parse_parameters,
)
from lianxin.household.enums import Employment, Health

pytestmark = pytest.mark.no_db


def demo(**changes: object) -> dict[str, object]:
    raw = dict(DEMO_PARAMETERS)
    raw.update(changes)
    return raw


def issues_of(raw: object) -> list[tuple[list[str], IssueCode]]:
    with pytest.raises(ParameterError) as caught:
        parse_parameters(raw)  # type: ignore[arg-type]
    return [(issue.field, issue.code) for issue in caught.value.errors]


def test_demo_parameters_parse_to_fen_and_exact_decimals() -> None:
    p = parse_parameters(DEMO_PARAMETERS)

    assert p == DibaoParameters(
        standard_monthly_fen=85_000,
        wage_deduction_rate=Decimal("0.20"),
        wage_deduction_cap_monthly_fen=20_000,
        deposit_limit_months=24,
        vehicle_exempt_value_fen=3_000_000,
        max_houses=1,
        business_value_limit_fen=5_000_000,
        expenditure_income_multiple=Decimal("2.0"),
        single_person_income_multiple=Decimal("1.5"),
        relative_hardship_multiple=Decimal("2.0"),
        elderly_age=60,
        supplements={
            SupplementCategory.ELDERLY: Decimal("0.10"),
            SupplementCategory.MINOR: Decimal("0.10"),
            SupplementCategory.DISABILITY_SEVERE: Decimal("0.30"),
            SupplementCategory.CRITICAL_ILLNESS: Decimal("0.30"),
        },
        accident_cost_share=Decimal("0.80"),
        marginal_income_multiple=Decimal("1.5"),
        local_disposable_income_monthly_fen=400_000,
        rigid_expenditure_share=Decimal("1.0"),
    )


def test_canonical_json_of_the_demo_set_is_the_demo_set() -> None:
    assert parameters_to_json(parse_parameters(DEMO_PARAMETERS)) == DEMO_PARAMETERS


def test_canonical_json_writes_money_with_two_places_and_parses_back_equal() -> None:
    p = parse_parameters(demo(standard_monthly="910", vehicle_exempt_value="30000.5"))

    published = parameters_to_json(p)

    assert (published["standard_monthly"], published["vehicle_exempt_value"]) == ("910.00", "30000.50")
    assert parse_parameters(published) == p


def test_parameters_are_hashable_and_supplements_read_only() -> None:
    p = parse_parameters(DEMO_PARAMETERS)

    assert hash(p) == hash(parse_parameters(demo()))
    with pytest.raises(TypeError):
        p.supplements[SupplementCategory.ELDERLY] = Decimal(1)  # type: ignore[index]


def test_a_category_left_out_of_supplements_has_none() -> None:
    p = parse_parameters(demo(supplements={"ELDERLY": "0.15"}))

    assert p.supplement(SupplementCategory.ELDERLY) == Decimal("0.15")
    assert p.supplement(SupplementCategory.MINOR) == 0


def test_missing_and_unknown_keys_are_all_reported_at_once() -> None:
    raw = demo(standard_montly="850.00")
    del raw["standard_monthly"]
    del raw["elderly_age"]

    assert issues_of(raw) == [
        (["parameters", "standard_monthly"], IssueCode.MISSING),
        (["parameters", "elderly_age"], IssueCode.MISSING),
        (["parameters", "standard_montly"], IssueCode.UNKNOWN_KEY),
    ]


def test_an_issue_carries_an_english_message_and_the_error_names_the_path() -> None:
    with pytest.raises(ParameterError) as caught:
        parse_parameters(demo(max_houses=-1))

    assert caught.value.errors == [
        ParameterIssue(["parameters", "max_houses"], IssueCode.OUT_OF_RANGE, "must be between 0 and 1000")
    ]
    assert str(caught.value) == "parameters.max_houses: must be between 0 and 1000"
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    "value",
    [850.0, 850, None, True, "NaN", "Infinity", "-inf", "8.5e2", "850,00", " 850.00", "", "８５０", "1" * 40],
)
def test_money_must_be_a_plain_decimal_string(value: object) -> None:
    assert issues_of(demo(standard_monthly=value)) == [
        (["parameters", "standard_monthly"], IssueCode.INVALID_DECIMAL)
    ]


def test_money_may_not_have_more_than_two_decimal_places() -> None:
    assert issues_of(demo(wage_deduction_cap_monthly="200.005")) == [
        (["parameters", "wage_deduction_cap_monthly"], IssueCode.INVALID_DECIMAL)
    ]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("standard_monthly", "0.00"),
        ("standard_monthly", "-850.00"),
        ("vehicle_exempt_value", "-0.01"),
        ("business_value_limit", "100000000.01"),
        ("wage_deduction_rate", "1.01"),
        ("wage_deduction_rate", "-0.20"),
        ("expenditure_income_multiple", "-2.0"),
        ("relative_hardship_multiple", "100.1"),
        ("deposit_limit_months", -1),
        ("elderly_age", 151),
    ],
)
def test_values_outside_their_range_are_refused(key: str, value: object) -> None:
    assert issues_of(demo(**{key: value})) == [(["parameters", key], IssueCode.OUT_OF_RANGE)]


@pytest.mark.parametrize("value", [24.0, "24", True, None])
def test_whole_numbers_must_be_json_integers(value: object) -> None:
    assert issues_of(demo(deposit_limit_months=value)) == [
        (["parameters", "deposit_limit_months"], IssueCode.INVALID_INTEGER)
    ]


@pytest.mark.parametrize("value", [0.2, "0.2.0", "NaN", "1/5"])
def test_rates_must_be_decimal_strings(value: object) -> None:
    assert issues_of(demo(wage_deduction_rate=value)) == [
        (["parameters", "wage_deduction_rate"], IssueCode.INVALID_DECIMAL)
    ]


def test_supplement_issues_point_into_the_supplements_object() -> None:
    raw = demo(supplements={"ELDERLY": "1.10", "MINOR": 0.1, "WIDOWED": "0.10", "CRITICAL_ILLNESS": "0.30"})

    assert issues_of(raw) == [
        (["parameters", "supplements", "ELDERLY"], IssueCode.OUT_OF_RANGE),
        (["parameters", "supplements", "MINOR"], IssueCode.INVALID_DECIMAL),
        (["parameters", "supplements", "WIDOWED"], IssueCode.UNKNOWN_KEY),
    ]


@pytest.mark.parametrize("value", [["ELDERLY", "0.10"], "0.10", None])
def test_supplements_must_be_an_object(value: object) -> None:
    assert issues_of(demo(supplements=value)) == [(["parameters", "supplements"], IssueCode.INVALID_TYPE)]


@pytest.mark.parametrize("raw", [[], "parameters", None])
def test_parameters_must_be_an_object(raw: object) -> None:
    assert issues_of(raw) == [(["parameters"], IssueCode.INVALID_TYPE)]


# RULES.md "v2 keys": a policy published without them uses the value shown.

V2_KEYS = [
    "accident_cost_share",
    "marginal_income_multiple",
    "local_disposable_income_monthly",
    "rigid_expenditure_share",
]


def v1(**changes: object) -> dict[str, object]:
    """The demo set as a v1 policy published it: without any v2 key."""
    raw = {k: v for k, v in DEMO_PARAMETERS.items() if k not in V2_DEFAULTS}
    raw.update(changes)
    return raw


def test_the_v2_keys_and_their_documented_defaults() -> None:
    assert sorted(V2_DEFAULTS) == sorted(V2_KEYS)
    assert dict(V2_DEFAULTS) == {
        "accident_cost_share": "0.80",
        "marginal_income_multiple": "1.5",
        "local_disposable_income_monthly": "4000.00",
        "rigid_expenditure_share": "1.0",
    }
    assert {k: DEMO_PARAMETERS[k] for k in V2_KEYS} == dict(V2_DEFAULTS)  # demo value = default


def test_a_policy_without_the_v2_keys_reads_the_defaults() -> None:
    p = parse_parameters(v1())

    assert (
        p.accident_cost_share,
        p.marginal_income_multiple,
        p.local_disposable_income_monthly_fen,
        p.rigid_expenditure_share,
    ) == (Decimal("0.80"), Decimal("1.5"), 400_000, Decimal("1.0"))
    assert p == parse_parameters(DEMO_PARAMETERS)


@pytest.mark.parametrize("left_out", V2_KEYS)
def test_each_v2_key_may_be_left_out_alone(left_out: str) -> None:
    raw = demo(accident_cost_share="0.5", marginal_income_multiple="1.2")
    raw["local_disposable_income_monthly"] = "3000.00"
    raw["rigid_expenditure_share"] = "0.6"
    del raw[left_out]

    published = parameters_to_json(parse_parameters(raw))

    assert published[left_out] == V2_DEFAULTS[left_out]


def test_published_v2_values_are_used_and_stored_in_canonical_form() -> None:
    p = parse_parameters(
        demo(
            accident_cost_share="0.7",
            marginal_income_multiple="1.25",
            local_disposable_income_monthly="3500",
            rigid_expenditure_share="0.50",
        )
    )

    assert p.accident_cost_share == Decimal("0.7")
    assert p.marginal_income_multiple == Decimal("1.25")
    assert p.local_disposable_income_monthly_fen == 350_000
    assert p.rigid_expenditure_share == Decimal("0.50")
    published = parameters_to_json(p)
    assert [published[k] for k in V2_KEYS] == ["0.7", "1.25", "3500.00", "0.50"]
    assert parse_parameters(published) == p


def test_a_v1_policy_stored_without_the_v2_keys_stays_valid_and_its_canonical_form_states_the_defaults() -> (
    None
):
    published = parameters_to_json(parse_parameters(v1(relative_hardship_multiple="1.5")))

    assert {k: published[k] for k in V2_KEYS} == dict(V2_DEFAULTS)
    assert parse_parameters(published) == parse_parameters(v1(relative_hardship_multiple="1.5"))


def test_the_seeded_v1_demo_policy_still_parses() -> None:
    seed = json.loads(resources.files("lianxin.seed").joinpath("dibao_371000.json").read_text("utf-8"))

    first, latest = (parse_parameters(v["parameters"]) for v in (seed["versions"][0], seed["versions"][-1]))

    assert first.marginal_income_multiple == Decimal("1.5")
    assert first.local_disposable_income_monthly_fen == 400_000
    assert first.relative_hardship_multiple == Decimal("1.5")  # as first published, never edited
    assert latest == parse_parameters(DEMO_PARAMETERS)  # RULES.md v2's demo values, a later version


def test_leaving_a_v2_key_out_or_publishing_its_default_is_the_same_fingerprint() -> None:
    facts = HouseholdFacts(members=(MemberFacts(date(1980, 1, 1), Health.HEALTHY, Employment.UNEMPLOYED),))
    explicit = parse_parameters(v1(accident_cost_share="0.8", rigid_expenditure_share="1"))

    assert fingerprint(facts, parse_parameters(v1())) == fingerprint(facts, explicit)
    assert fingerprint(facts, parse_parameters(v1(accident_cost_share="0.81"))) != fingerprint(
        facts, explicit
    )


@pytest.mark.parametrize("key", V2_KEYS)
@pytest.mark.parametrize("value", [None, 0.8, True, "NaN", "8e-1", "", " 1.0", "1/2"])
def test_a_malformed_v2_value_is_refused_not_defaulted(key: str, value: object) -> None:
    # JSON null is a malformed value, not a missing key
    assert issues_of(demo(**{key: value})) == [(["parameters", key], IssueCode.INVALID_DECIMAL)]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("accident_cost_share", "-0.01"),
        ("accident_cost_share", "100.01"),
        ("marginal_income_multiple", "-1.5"),
        ("marginal_income_multiple", "101"),
        ("rigid_expenditure_share", "-1"),
        ("rigid_expenditure_share", "100.5"),
        ("local_disposable_income_monthly", "-0.01"),
        ("local_disposable_income_monthly", "100000000.01"),
    ],
)
def test_a_v2_value_outside_its_range_is_refused(key: str, value: str) -> None:
    assert issues_of(demo(**{key: value})) == [(["parameters", key], IssueCode.OUT_OF_RANGE)]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("accident_cost_share", "0"),
        ("accident_cost_share", "1.5"),  # costs above one and a half times the income
        ("marginal_income_multiple", "0"),
        ("marginal_income_multiple", "100"),
        ("rigid_expenditure_share", "0"),
        ("rigid_expenditure_share", "2.0"),
        ("local_disposable_income_monthly", "0"),
        ("local_disposable_income_monthly", "99999999.99"),
    ],
)
def test_a_v2_value_at_the_edges_of_its_range_is_accepted(key: str, value: str) -> None:
    p = parse_parameters(demo(**{key: value}))

    assert Decimal(str(parameters_to_json(p)[key])) == Decimal(value)
    assert parse_parameters(parameters_to_json(p)) == p


def test_local_income_may_not_have_more_than_two_decimal_places() -> None:
    assert issues_of(demo(local_disposable_income_monthly="4000.001")) == [
        (["parameters", "local_disposable_income_monthly"], IssueCode.INVALID_DECIMAL)
    ]


def test_v2_issues_are_reported_with_the_v1_issues_and_v1_keys_stay_required() -> None:
    raw = v1(marginal_income_multiple="x", rigid_expenditure_share="-1", local_disposable_income="4000.00")
    del raw["standard_monthly"]

    assert issues_of(raw) == [
        (["parameters", "standard_monthly"], IssueCode.MISSING),
        (["parameters", "marginal_income_multiple"], IssueCode.INVALID_DECIMAL),
        (["parameters", "rigid_expenditure_share"], IssueCode.OUT_OF_RANGE),
        (["parameters", "local_disposable_income"], IssueCode.UNKNOWN_KEY),
    ]
