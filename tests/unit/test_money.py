"""Yuan in, fen out: exact, no float, every refusal with its code."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianxin.core.errors import DomainError
from lianxin.core.money import (
    MAX_YUAN,
    MoneyError,
    RefusedAmount,
    fen_to_yuan,
    parse_yuan,
    read_api_decimal,
    round_half_up_fen,
)

pytestmark = pytest.mark.no_db

# The autouse database fixture returns at once for no_db tests, so sharing it across examples is harmless.
PROPERTY = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
MAX_FEN = 10**14


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        ("850.00", 85000),
        ("850", 85000),
        ("12.5", 1250),
        ("0.01", 1),
        ("0", 0),
        ("0.00", 0),
        ("007.10", 710),
        ("1000000000000", MAX_FEN),
        ("1000000000000.00", MAX_FEN),
        (Decimal("850.00"), 85000),
        (Decimal("1.500"), 150),
        (Decimal("1.5000000000000000000000000000000000000"), 150),
        (Decimal("1E+3"), 100000),
        (Decimal("1E+12"), MAX_FEN),
        (Decimal("0E-50"), 0),
        (Decimal("0E+999999"), 0),
        (Decimal("1" + "0" * 5000 + "E-5000"), 100),
        (Decimal("123456789012.34"), 12345678901234),
    ],
)
def test_parse_yuan_returns_exact_fen(value: Decimal | str, fen: int) -> None:
    assert parse_yuan(value) == fen


@pytest.mark.parametrize(
    ("value", "fen"), [("-1.00", -100), (Decimal("-0.01"), -1), ("-1000000000000", -MAX_FEN)]
)
def test_parse_yuan_allows_negative_only_when_asked(value: Decimal | str, fen: int) -> None:
    assert parse_yuan(value, allow_negative=True) == fen
    with pytest.raises(MoneyError) as caught:
        parse_yuan(value)
    assert caught.value.code == "NEGATIVE_AMOUNT"
    assert caught.value.message == f"amount must not be negative, got {value}"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "abc",
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        "1e3",
        "1E-2",
        "1_000",
        "+3.20",
        "  1.50 ",
        "１００",
        "1.50\n",
        "1,000.00",
        ".5",
        "5.",
        "1.2.3",
        "--1",
        "¥5",
        "５.００",  # full-width digits, which Decimal() itself would accept
        "١٢٣",  # Arabic-Indic digits, likewise
        "1" * 65,
        Decimal("NaN"),
        Decimal("-NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
    ],
)
def test_parse_yuan_refuses_what_is_not_a_finite_number(value: Decimal | str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_yuan(value, allow_negative=True)
    assert caught.value.code == "INVALID_AMOUNT"


@pytest.mark.parametrize(
    "value", ["1.001", "0.001", "-0.005", Decimal("1E-3"), Decimal("1.0001000"), Decimal("1E-999999")]
)
def test_parse_yuan_refuses_fractions_of_a_fen(value: Decimal | str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_yuan(value, allow_negative=True)
    assert caught.value.code == "TOO_MANY_DECIMALS"
    assert caught.value.message == f"amount must have at most 2 decimal places (whole fen), got {value}"


@pytest.mark.parametrize(
    "value", ["1000000000000.01", "-1000000000001", Decimal("1E+13"), Decimal("1E+999999999"), "9" * 64]
)
def test_parse_yuan_refuses_amounts_above_the_maximum(value: Decimal | str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_yuan(value, allow_negative=True)
    assert caught.value.code == "AMOUNT_TOO_LARGE"
    assert caught.value.message == f"amount must be at most {MAX_YUAN} yuan, got {value}"


@pytest.mark.parametrize("value", [1.5, 0.1, 850, True, None, b"850.00", Fraction(1, 2)])
def test_parse_yuan_refuses_other_types(value: object) -> None:
    with pytest.raises(TypeError, match="must be a Decimal or str"):
        parse_yuan(value)  # type: ignore[arg-type]


def test_money_error_is_a_domain_error_and_a_value_error() -> None:
    with pytest.raises(MoneyError) as caught:
        parse_yuan("1.001")

    error = caught.value
    assert isinstance(error, DomainError)
    assert isinstance(error, ValueError)
    assert [(i.code, i.message) for i in error.issues] == [("TOO_MANY_DECIMALS", error.message)]
    assert str(error) == error.message


@pytest.mark.parametrize(
    ("fen", "text"),
    [(85000, "850.00"), (0, "0.00"), (1, "0.01"), (10, "0.10"), (-5, "-0.05"), (-12345, "-123.45")],
)
def test_fen_to_yuan_has_exactly_two_places(fen: int, text: str) -> None:
    yuan = fen_to_yuan(fen)

    assert yuan == Decimal(text)
    assert str(yuan) == text
    assert yuan.as_tuple().exponent == -2


def test_fen_to_yuan_is_exact_beyond_the_decimal_context_precision() -> None:
    fen = 10**40 + 1

    assert str(fen_to_yuan(fen)) == "1" + "0" * 37 + "0.01"


@pytest.mark.parametrize("fen", [1.0, True, Decimal(1), "100"])
def test_fen_to_yuan_refuses_anything_but_int(fen: object) -> None:
    with pytest.raises(TypeError, match="fen must be an int"):
        fen_to_yuan(fen)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("x", "fen"),
    [
        (Fraction(5, 2), 3),
        (Fraction(-5, 2), -3),
        (Fraction(7, 3), 2),
        (Fraction(8, 3), 3),
        (Fraction(-8, 3), -3),
        (Fraction(0), 0),
        (Fraction(1, 2), 1),
        (Fraction(-1, 2), -1),
        (Fraction(85000 * 3, 10), 25500),
        (Decimal("2.4999999999999999999999999999999"), 2),
        (Decimal("2.5"), 3),
        (Decimal("-0.5"), -1),
        (Decimal("1E+3"), 1000),
        (Decimal("12.49"), 12),
    ],
)
def test_round_half_up_fen_rounds_halves_away_from_zero(x: Fraction | Decimal, fen: int) -> None:
    assert round_half_up_fen(x) == fen


@pytest.mark.parametrize("x", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_round_half_up_fen_refuses_non_finite_decimals(x: Decimal) -> None:
    with pytest.raises(MoneyError) as caught:
        round_half_up_fen(x)
    assert caught.value.code == "INVALID_AMOUNT"


@pytest.mark.parametrize("x", [2.5, 3, "2.5", None])
def test_round_half_up_fen_refuses_other_types(x: object) -> None:
    with pytest.raises(TypeError, match="must be a Fraction or Decimal"):
        round_half_up_fen(x)  # type: ignore[arg-type]


@PROPERTY
@given(st.integers(min_value=-MAX_FEN, max_value=MAX_FEN))
def test_fen_survives_the_round_trip_through_yuan(fen: int) -> None:
    yuan = fen_to_yuan(fen)

    assert parse_yuan(yuan, allow_negative=True) == fen
    assert parse_yuan(str(yuan), allow_negative=True) == fen


@PROPERTY
@given(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9))
def test_round_half_up_fen_agrees_with_decimal_rounding(x: Decimal) -> None:
    assert round_half_up_fen(x) == int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@PROPERTY
@given(st.integers(min_value=-(10**6), max_value=10**6), st.integers(min_value=1, max_value=1000))
def test_round_half_up_fen_is_within_half_a_fen(numerator: int, denominator: int) -> None:
    x = Fraction(numerator, denominator)

    assert abs(round_half_up_fen(x) - x) <= Fraction(1, 2)


@pytest.mark.parametrize("value", ["-0", "-0.00", Decimal("-0"), Decimal("-0.00")])
def test_a_minus_sign_on_zero_is_negative(value: Decimal | str) -> None:
    assert parse_yuan(value, allow_negative=True) == 0
    with pytest.raises(MoneyError) as caught:
        parse_yuan(value)
    assert caught.value.code == "NEGATIVE_AMOUNT"


@pytest.mark.parametrize("value", ["0", "0.00", Decimal(0)])
def test_a_payment_of_nothing_is_refused_when_positive_is_asked(value: Decimal | str) -> None:
    assert parse_yuan(value) == 0
    with pytest.raises(MoneyError) as caught:
        parse_yuan(value, positive=True)
    assert caught.value.code == "AMOUNT_NOT_POSITIVE"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1e7", "INVALID_AMOUNT"),
        ("１", "INVALID_AMOUNT"),
        (1.5, "INVALID_AMOUNT"),
        (None, "INVALID_AMOUNT"),
    ],
)
def test_what_the_api_scalar_cannot_read_is_refused_by_parse_yuan(value: object, code: str) -> None:
    refused = read_api_decimal(value)
    assert isinstance(refused, RefusedAmount)
    with pytest.raises(MoneyError) as caught:
        parse_yuan(refused)
    assert caught.value.code == code


def test_the_api_scalar_reads_plain_text_and_whole_numbers_exactly() -> None:
    assert read_api_decimal("850.50") == Decimal("850.50")
    assert read_api_decimal(300) == Decimal(300)
    assert parse_yuan(read_api_decimal("-12.5"), allow_negative=True) == -1250


@given(st.integers(min_value=-(10**60), max_value=10**60))
def test_fen_to_yuan_only_moves_the_decimal_point(fen: int) -> None:
    # the digits of the integer, two places after the point, whatever the size or sign
    sign, digits, _ = Decimal(fen).as_tuple()
    assert fen_to_yuan(fen).as_tuple() == (sign, digits, -2)
