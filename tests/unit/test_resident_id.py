"""GB 11643-1999 resident IDs: format, check digit, region, birth date, sex and masking."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianxin.core.errors import DomainError
from lianxin.core.region import PROVINCE_CODES
from lianxin.household.resident_id import (
    ResidentId,
    ResidentIdError,
    Sex,
    compute_check_char,
    mask_resident_id,
    parse_resident_id,
)

pytestmark = pytest.mark.no_db

PROPERTY = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TODAY = date(2025, 6, 30)
SAMPLE = "11010519491231002X"  # the specimen number printed in GB 11643-1999 and many guides


def make_id(region: str = "371002", birth: str = "19850315", sequence: str = "123") -> str:
    first17 = region + birth + sequence
    return first17 + compute_check_char(first17)


def parse_error(raw: str, today: date = TODAY) -> ResidentIdError:
    with pytest.raises(ResidentIdError) as caught:
        parse_resident_id(raw, today=today)
    return caught.value


valid_first17 = st.builds(
    lambda province, region, born, sequence: province + region + born.strftime("%Y%m%d") + sequence,
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
)


def test_the_published_sample_is_valid() -> None:
    parsed = parse_resident_id(SAMPLE, today=TODAY)

    assert parsed == ResidentId(
        number=SAMPLE, region_code="110105", birth_date=date(1949, 12, 31), sex=Sex.FEMALE
    )


def test_a_constructed_number_is_decomposed() -> None:
    number = make_id("371002", "19850315", "123")

    parsed = parse_resident_id(number, today=TODAY)

    assert number == "371002198503151235"
    assert parsed.number == number
    assert parsed.region_code == "371002"
    assert parsed.birth_date == date(1985, 3, 15)
    assert parsed.sex is Sex.MALE


@pytest.mark.parametrize(
    ("sequence", "sex"), [("001", Sex.MALE), ("002", Sex.FEMALE), ("999", Sex.MALE), ("990", Sex.FEMALE)]
)
def test_sex_follows_the_parity_of_the_17th_digit(sequence: str, sex: Sex) -> None:
    assert parse_resident_id(make_id(sequence=sequence), today=TODAY).sex is sex


def test_a_lowercase_x_is_normalised_to_upper_case() -> None:
    parsed = parse_resident_id(SAMPLE.lower(), today=TODAY)

    assert parsed.number == SAMPLE


def test_surrounding_whitespace_is_ignored() -> None:
    assert parse_resident_id(f"  {SAMPLE}\n", today=TODAY).number == SAMPLE


def test_sex_is_a_str_enum() -> None:
    assert [s.value for s in Sex] == ["MALE", "FEMALE"]
    assert Sex.MALE == "MALE"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "resident ID must be 18 characters, got 0"),
        ("110105491231002", "resident ID must be 18 characters, got 15"),  # first-generation, expired
        (SAMPLE[:17], "resident ID must be 18 characters, got 17"),
        (SAMPLE + "1", "resident ID must be 18 characters, got 19"),
        ("11010519491231X002", "resident ID must be 17 digits followed by a check digit (0-9 or X)"),
        ("11010519491231002Y", "resident ID must be 17 digits followed by a check digit (0-9 or X)"),
        ("1101051949 231002X", "resident ID must be 17 digits followed by a check digit (0-9 or X)"),
        (
            "１１０１０５１９４９１２３１００２Ｘ",
            "resident ID must be 17 digits followed by a check digit (0-9 or X)",
        ),
    ],
)
def test_malformed_numbers_are_refused(raw: str, message: str) -> None:
    error = parse_error(raw)

    assert error.code == "ID_FORMAT"
    assert error.message == message


def test_a_wrong_check_digit_is_refused() -> None:
    error = parse_error("110105194912310023")

    assert error.code == "ID_CHECKSUM"
    assert error.message == "check digit should be X, got 3"


def test_a_check_digit_x_where_a_digit_belongs_is_refused() -> None:
    error = parse_error("37100219850315123X")

    assert error.code == "ID_CHECKSUM"
    assert error.message == "check digit should be 5, got X"


@pytest.mark.parametrize("region", ["991002", "001002", "101002", "721002"])
def test_an_unknown_province_is_refused(region: str) -> None:
    error = parse_error(make_id(region=region))

    assert error.code == "ID_REGION"
    assert error.message == f"region code {region} does not start with a province-level code"


@pytest.mark.parametrize(
    ("birth", "message"),
    [
        ("19850230", "birth date 19850230 is not a real date"),
        ("19851301", "birth date 19851301 is not a real date"),
        ("19850000", "birth date 19850000 is not a real date"),
        ("19000229", "birth date 19000229 is not a real date"),  # 1900 was not a leap year
        ("18991231", "birth year must be 1900 or later, got 1899"),
        ("00010101", "birth year must be 1900 or later, got 1"),
        ("20250701", "birth date 2025-07-01 is after today (2025-06-30)"),
        ("99991231", "birth date 9999-12-31 is after today (2025-06-30)"),
    ],
)
def test_impossible_birth_dates_are_refused(birth: str, message: str) -> None:
    error = parse_error(make_id(birth=birth))

    assert error.code == "ID_BIRTH_DATE"
    assert error.message == message


@pytest.mark.parametrize("birth", ["19000101", "20000229", "20250630"])
def test_boundary_birth_dates_are_accepted(birth: str) -> None:
    parsed = parse_resident_id(make_id(birth=birth), today=TODAY)

    assert parsed.birth_date.strftime("%Y%m%d") == birth


def test_the_checksum_is_checked_before_the_fields() -> None:
    # A bad province and a bad date, but it is the check digit that tells of the typo.
    error = parse_error("990105194902300020")

    assert error.code == "ID_CHECKSUM"


def test_resident_id_error_is_a_domain_error() -> None:
    error = parse_error("123")

    assert isinstance(error, DomainError)
    assert isinstance(error, ValueError)
    assert [(i.code, i.message) for i in error.issues] == [("ID_FORMAT", error.message)]
    assert str(error) == error.message


def test_a_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        parse_resident_id(110105194912310020, today=TODAY)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("first17", "check"), [(SAMPLE[:17], "X"), ("37100219850315123", "5"), ("37100219850315003", "X")]
)
def test_compute_check_char(first17: str, check: str) -> None:
    assert compute_check_char(first17) == check


@pytest.mark.parametrize(
    "first17",
    ["", "3710021985031512", "371002198503151234", "3710021985031512X", "３７１００２１９８５０３１５１２３"],
)
def test_compute_check_char_needs_17_digits(first17: str) -> None:
    with pytest.raises(ResidentIdError) as caught:
        compute_check_char(first17)
    assert caught.value.code == "ID_FORMAT"


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("371002198503151234", "3710**********1234"),
        (SAMPLE, "1101**********002X"),
        (SAMPLE.lower(), "1101**********002X"),
        ("110105491231002", "***************"),
        ("", ""),
    ],
)
def test_mask_resident_id(number: str, masked: str) -> None:
    assert mask_resident_id(number) == masked


def test_the_repr_does_not_leak_the_number() -> None:
    parsed = parse_resident_id(SAMPLE, today=TODAY)

    assert repr(parsed) == "ResidentId(number='1101**********002X')"
    assert "19491231" not in repr(parsed)


@PROPERTY
@given(valid_first17)
def test_any_well_formed_prefix_with_its_check_char_is_valid(first17: str) -> None:
    number = first17 + compute_check_char(first17)

    parsed = parse_resident_id(number.lower(), today=TODAY)

    assert parsed.number == number
    assert parsed.region_code == first17[:6]
    assert parsed.birth_date.strftime("%Y%m%d") == first17[6:14]
    assert parsed.sex is (Sex.MALE if int(first17[16]) % 2 else Sex.FEMALE)


@PROPERTY
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_any_17_digits_with_their_check_char_pass_the_checksum(first17: str) -> None:
    codes = set()
    try:
        parse_resident_id(first17 + compute_check_char(first17), today=TODAY)
    except ResidentIdError as error:
        codes.add(error.code)

    # Random digits may name no province or no real date, but the check digit always matches.
    assert codes <= {"ID_REGION", "ID_BIRTH_DATE"}


@PROPERTY
@given(valid_first17, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_changing_any_single_character_breaks_the_checksum(
    first17: str, position: int, replacement: str
) -> None:
    number = first17 + compute_check_char(first17)
    if position < 17 and replacement == "X":
        replacement = "0"  # an X is only allowed last; elsewhere it would be a format error
    if number[position] == replacement:
        replacement = "1" if replacement != "1" else "2"
    changed = number[:position] + replacement + number[position + 1 :]

    error = parse_error(changed)

    assert error.code == "ID_CHECKSUM"
