"""Resident identity numbers (居民身份证号码) per GB 11643-1999: 6-digit region, birth date, sequence, check.

Only the 18-character form is accepted; the 15-digit first-generation numbers expired in 2013.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from lianxin.core.errors import DomainError, Issue
from lianxin.core.region import RegionCodeError, validate_region_code

_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(17-i) mod 11
_CHECK_CHARS: Final = "10X98765432"  # indexed by the weighted sum mod 11
_FORMAT: Final = re.compile(r"[0-9]{17}[0-9X]")
_FIRST17: Final = re.compile(r"[0-9]{17}")
_MIN_BIRTH_YEAR: Final = 1900


class Sex(StrEnum):
    MALE = "MALE"
    FEMALE = "FEMALE"


class ResidentIdError(DomainError, ValueError):
    """Not a valid resident ID; `code` is ID_FORMAT, ID_REGION, ID_BIRTH_DATE or ID_CHECKSUM."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__([Issue(code=code, message=message)])


@dataclass(frozen=True, slots=True, repr=False)
class ResidentId:
    """A parsed, valid resident ID. Its repr is masked so that logging one does not leak the number."""

    number: str
    region_code: str
    birth_date: date
    sex: Sex

    def __repr__(self) -> str:
        return f"ResidentId(number={mask_resident_id(self.number)!r})"


def compute_check_char(first17: str) -> str:
    """The 18th character for the first 17 digits: Σ digit × weight mod 11, mapped through "10X98765432"."""
    if not isinstance(first17, str) or not _FIRST17.fullmatch(first17):
        raise ResidentIdError("ID_FORMAT", "the first 17 characters of a resident ID must be digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _birth_date(digits: str, today: date) -> date:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise ResidentIdError("ID_BIRTH_DATE", f"birth date {digits} is not a real date") from None
    if born.year < _MIN_BIRTH_YEAR:
        raise ResidentIdError(
            "ID_BIRTH_DATE", f"birth year must be {_MIN_BIRTH_YEAR} or later, got {born.year}"
        )
    if born > today:
        raise ResidentIdError(
            "ID_BIRTH_DATE", f"birth date {born.isoformat()} is after today ({today.isoformat()})"
        )
    return born


def _format_message(number: str) -> str:
    if len(number) != 18:
        return f"resident ID must be 18 characters, got {len(number)}"
    return "resident ID must be 17 digits followed by a check digit (0-9 or X)"


def parse_resident_id(raw: str, *, today: date) -> ResidentId:
    """Validate and decompose a resident ID; surrounding spaces are ignored and a final 'x' is upper-cased.

    The checksum is verified before the region and birth date, so that a mistyped digit is reported
    as a mistyped digit (ID_CHECKSUM) rather than as whatever field it happened to land in.
    """
    if not isinstance(raw, str):
        raise TypeError(f"resident ID must be a str, not {type(raw).__name__}")
    number = raw.strip().upper()
    if not _FORMAT.fullmatch(number):
        raise ResidentIdError("ID_FORMAT", _format_message(number))
    expected = compute_check_char(number[:17])
    if number[17] != expected:
        raise ResidentIdError("ID_CHECKSUM", f"check digit should be {expected}, got {number[17]}")
    try:
        region_code = validate_region_code(number[:6])
    except RegionCodeError:
        raise ResidentIdError(
            "ID_REGION", f"region code {number[:6]} does not start with a province-level code"
        ) from None
    return ResidentId(
        number=number,
        region_code=region_code,
        birth_date=_birth_date(number[6:14], today),
        sex=Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE,
    )


def mask_resident_id(number: str) -> str:
    """For display and logs: the first 4 and last 4 characters, "3710**********1234".

    Anything that is not 18 characters is masked entirely, since it is not known which part is safe.
    """
    if len(number) != 18:
        return "*" * len(number)
    return number[:4] + "*" * 10 + number[-4:].upper()
