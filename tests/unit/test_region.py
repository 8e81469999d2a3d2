"""GB/T 2260 region codes: shape, province, level, containment and lookup prefixes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianxin.core.errors import DomainError
from lianxin.core.region import (
    PROVINCE_CODES,
    RegionCodeError,
    region_contains,
    region_level,
    region_prefixes,
    validate_region_code,
)

pytestmark = pytest.mark.no_db

PROPERTY = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

EXPECTED_PROVINCES = {
    *(str(n) for n in range(11, 16)),
    *(str(n) for n in range(21, 24)),
    *(str(n) for n in range(31, 38)),
    *(str(n) for n in range(41, 47)),
    *(str(n) for n in range(50, 55)),
    *(str(n) for n in range(61, 66)),
    "71",
    "81",
    "82",
}

valid_codes = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
)


@pytest.mark.parametrize(
    "code",
    ["110000", "110101", "370000", "371000", "371002", "429004", "650000", "710000", "810000", "820000"],
)
def test_valid_codes_are_returned_unchanged(code: str) -> None:
    assert validate_region_code(code) == code


@pytest.mark.parametrize("prefix", [f"{n:02d}" for n in range(100)])
def test_exactly_the_province_level_prefixes_are_accepted(prefix: str) -> None:
    code = prefix + "0000"

    if prefix in EXPECTED_PROVINCES:
        assert validate_region_code(code) == code
    else:
        with pytest.raises(RegionCodeError) as caught:
            validate_region_code(code)
        assert str(caught.value) == f"region code {code} does not start with a province-level code"


@pytest.mark.parametrize(
    "code",
    ["", "37100", "3710020", "37100a", "３７１０００", "٣٧١٠٠٢", " 371000", "371000\n", "37-100", "3.7100"],
)
def test_codes_not_of_six_ascii_digits_are_refused(code: str) -> None:
    with pytest.raises(RegionCodeError) as caught:
        validate_region_code(code)
    assert caught.value.message == f"region code must be exactly 6 digits, got {code!r}"


def test_a_non_string_is_refused() -> None:
    with pytest.raises(RegionCodeError, match="exactly 6 digits"):
        validate_region_code(371000)  # type: ignore[arg-type]


def test_region_code_error_is_a_domain_error_with_a_code() -> None:
    with pytest.raises(RegionCodeError) as caught:
        validate_region_code("990000")

    error = caught.value
    assert isinstance(error, DomainError)
    assert isinstance(error, ValueError)
    assert [(i.code, i.message) for i in error.issues] == [("INVALID_REGION_CODE", str(error))]


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("370000", "PROVINCE"),
        ("110000", "PROVINCE"),
        ("371000", "CITY"),
        ("110100", "CITY"),
        ("371002", "COUNTY"),
        ("110101", "COUNTY"),
        ("370010", "COUNTY"),
        ("429004", "COUNTY"),
    ],
)
def test_region_level(code: str, level: str) -> None:
    assert region_level(code) == level


@pytest.mark.parametrize(
    ("code", "prefixes"),
    [
        ("371002", ["371002", "371000", "370000"]),
        ("371000", ["371000", "370000"]),
        ("370000", ["370000"]),
        ("370010", ["370010", "370000"]),  # a county directly under the province: no city part
    ],
)
def test_region_prefixes_run_from_narrowest_to_widest(code: str, prefixes: list[str]) -> None:
    assert region_prefixes(code) == prefixes


@pytest.mark.parametrize(
    ("outer", "inner", "contains"),
    [
        ("370000", "371000", True),
        ("370000", "371002", True),
        ("371000", "371002", True),
        ("370000", "370000", True),
        ("371000", "371000", True),
        ("371002", "371002", True),
        ("371002", "371000", False),
        ("371000", "370000", False),
        ("371000", "371102", False),
        ("371000", "372002", False),
        ("370000", "110101", False),
        ("371002", "371003", False),
        ("370000", "370010", True),
        ("370010", "370000", False),
        ("371000", "370010", False),
    ],
)
def test_region_contains(outer: str, inner: str, contains: bool) -> None:
    assert region_contains(outer, inner) is contains


@pytest.mark.parametrize(("outer", "inner"), [("990000", "371002"), ("371000", "99"), ("", "")])
def test_region_contains_refuses_invalid_codes(outer: str, inner: str) -> None:
    with pytest.raises(RegionCodeError):
        region_contains(outer, inner)


@pytest.mark.parametrize("function", [region_level, region_prefixes])
def test_helpers_refuse_invalid_codes(function: object) -> None:
    assert callable(function)
    with pytest.raises(RegionCodeError):
        function("000000")


@PROPERTY
@given(valid_codes)
def test_every_prefix_is_a_valid_code_containing_the_code(code: str) -> None:
    prefixes = region_prefixes(code)

    assert prefixes[0] == code
    assert prefixes[-1] == code[:2] + "0000"
    assert len(set(prefixes)) == len(prefixes)
    for prefix in prefixes:
        assert validate_region_code(prefix) == prefix
        assert region_contains(prefix, code)


@PROPERTY
@given(valid_codes, valid_codes)
def test_containment_is_exactly_membership_among_the_prefixes(outer: str, inner: str) -> None:
    assert region_contains(outer, inner) is (outer in region_prefixes(inner))
    if region_contains(outer, inner) and region_contains(inner, outer):
        assert outer == inner
