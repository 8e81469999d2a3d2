"""GB 32100-2015 unified social credit codes: alphabet, layout and check character."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianxin.core.errors import DomainError
from lianxin.trade_union.credit_code import (
    ALPHABET,
    CreditCodeError,
    compute_credit_check_char,
    validate_credit_code,
)

pytestmark = pytest.mark.no_db

PROPERTY = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SAMPLE = "91350100M000100Y43"  # the widely published example
DIGITS = "0123456789"

valid_first17 = st.builds(
    lambda head, region, body: head + region + body,
    st.text(alphabet=ALPHABET, min_size=2, max_size=2),
    st.text(alphabet=DIGITS, min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)


def make_code(first17: str) -> str:
    return first17 + compute_credit_check_char(first17)


def validation_error(raw: str) -> CreditCodeError:
    with pytest.raises(CreditCodeError) as caught:
        validate_credit_code(raw)
    return caught.value


def test_the_alphabet_has_31_characters_without_i_o_z_s_v() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 31
    assert not set("IOZSV") & set(ALPHABET)


@pytest.mark.parametrize(
    "code",
    [
        SAMPLE,
        "12100000400000624D",  # a public institution registered at national level: region 100000
        "91371002MA00000390",  # check value 31, written as 0
        "91371002MA0000029Y",  # the last character of the alphabet
        "81371002MA3C00001N",  # 8: a trade union
    ],
)
def test_valid_codes_are_returned_unchanged(code: str) -> None:
    assert validate_credit_code(code) == code


def test_lower_case_and_surrounding_whitespace_are_normalised() -> None:
    assert validate_credit_code(f" {SAMPLE.lower()}\t") == SAMPLE


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        (SAMPLE[:17], "3"),
        ("12100000400000624", "D"),
        ("91371002MA0000039", "0"),
        ("91371002MA0000029", "Y"),
    ],
)
def test_compute_credit_check_char(first17: str, check: str) -> None:
    assert compute_credit_check_char(first17) == check


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "credit code must be 18 characters, got 0"),
        (SAMPLE[:17], "credit code must be 18 characters, got 17"),
        (SAMPLE + "3", "credit code must be 18 characters, got 19"),
        (
            "91350100M000100I43",
            "credit code character 16 is 'I', which is not allowed (only digits and capital letters other than I, O, Z, S, V)",
        ),
        (
            "91350100O000100Y43",
            "credit code character 9 is 'O', which is not allowed (only digits and capital letters other than I, O, Z, S, V)",
        ),
        (
            "Z1350100M000100Y43",
            "credit code character 1 is 'Z', which is not allowed (only digits and capital letters other than I, O, Z, S, V)",
        ),
        (
            "9S350100M000100Y43",
            "credit code character 2 is 'S', which is not allowed (only digits and capital letters other than I, O, Z, S, V)",
        ),
        (
            "91350100M000100YV3",
            "credit code character 17 is 'V', which is not allowed (only digits and capital letters other than I, O, Z, S, V)",
        ),
        (
            "91350100M000100Y4-",
            "credit code character 18 is '-', which is not allowed (only digits and capital letters other than I, O, Z, S, V)",
        ),
        (
            "9135 100M000100Y43",
            "credit code character 5 is ' ', which is not allowed (only digits and capital letters other than I, O, Z, S, V)",
        ),
        (
            "９1350100M000100Y43",
            "credit code character 1 is '９', which is not allowed (only digits and capital letters other than I, O, Z, S, V)",
        ),
        (
            "9135A100M000100Y43",
            "credit code characters 3-8 are the region code and must be digits, got '35A100'",
        ),
    ],
)
def test_malformed_codes_are_refused(raw: str, message: str) -> None:
    error = validation_error(raw)

    assert error.code == "CREDIT_CODE_FORMAT"
    assert error.message == message


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("91350100M000100Y44", "check character should be 3, got 4"),
        ("91371002MA0000039Y", "check character should be 0, got Y"),
    ],
)
def test_a_wrong_check_character_is_refused(raw: str, message: str) -> None:
    error = validation_error(raw)

    assert error.code == "CREDIT_CODE_CHECKSUM"
    assert error.message == message


def test_credit_code_error_is_a_domain_error() -> None:
    error = validation_error("91350100M000100Y44")

    assert isinstance(error, DomainError)
    assert isinstance(error, ValueError)
    assert [(i.code, i.message) for i in error.issues] == [("CREDIT_CODE_CHECKSUM", error.message)]
    assert str(error) == error.message


def test_a_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        validate_credit_code(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "first17", ["", SAMPLE, "91350100m000100Y4", "91350100I000100Y4", "9135A100M000100Y4"]
)
def test_compute_credit_check_char_needs_17_well_formed_characters(first17: str) -> None:
    with pytest.raises(CreditCodeError) as caught:
        compute_credit_check_char(first17)
    assert caught.value.code == "CREDIT_CODE_FORMAT"


@PROPERTY
@given(valid_first17)
def test_any_well_formed_17_characters_with_their_check_char_are_valid(first17: str) -> None:
    code = make_code(first17)

    assert code[17] in ALPHABET
    assert validate_credit_code(code.lower()) == code


@PROPERTY
@given(valid_first17, st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET))
def test_changing_any_single_character_breaks_the_checksum(
    first17: str, position: int, replacement: str
) -> None:
    code = make_code(first17)
    if 2 <= position <= 7 and replacement not in DIGITS:
        replacement = "0"  # the region part must stay digits, else it is a format error
    if code[position] == replacement:
        replacement = "1" if replacement != "1" else "2"
    changed = code[:position] + replacement + code[position + 1 :]

    error = validation_error(changed)

    assert error.code == "CREDIT_CODE_CHECKSUM"
