"""RULES.md "Policy parameters": the demo set, the canonical JSON, and every way a publication is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lianxin.eligibility import (
    DEMO_PARAMETERS,
    DibaoParameters,
    IssueCode,
    ParameterError,
    ParameterIssue,
    SupplementCategory,
    parameters_to_json,
    parse_parameters,
)

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
        relative_hardship_multiple=Decimal("1.5"),
        elderly_age=60,
        supplements={
            SupplementCategory.ELDERLY: Decimal("0.10"),
            SupplementCategory.MINOR: Decimal("0.10"),
            SupplementCategory.DISABILITY_SEVERE: Decimal("0.30"),
            SupplementCategory.CRITICAL_ILLNESS: Decimal("0.30"),
        },
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
