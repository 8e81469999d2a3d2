"""Unified social credit codes (统一社会信用代码) per GB 32100-2015.

Layout: 1 registration authority, 2 organization type, 3–8 administrative division code, 9–17
organization code, 18 check character. The alphabet has 31 characters: no I, O, Z, S or V.

Positions 1–2 are not checked against the standard's table (registration authorities have been added
since 2015), and positions 3–8 only for being digits: organizations registered at national level carry
100000, which is no GB/T 2260 province.
"""

from __future__ import annotations

import re
from typing import Final

from lianxin.core.errors import DomainError, Issue

ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES: Final = {char: value for value, char in enumerate(ALPHABET)}
_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3^i mod 31
_CHAR: Final = f"[{ALPHABET}]"
_FIRST17: Final = re.compile(f"{_CHAR}{{2}}[0-9]{{6}}{_CHAR}{{9}}")
_CODE: Final = re.compile(f"{_CHAR}{{2}}[0-9]{{6}}{_CHAR}{{10}}")


class CreditCodeError(DomainError, ValueError):
    """Not a valid credit code; `code` is CREDIT_CODE_FORMAT or CREDIT_CODE_CHECKSUM."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__([Issue(code=code, message=message)])


def _format_message(text: str) -> str:
    if len(text) != 18:
        return f"credit code must be 18 characters, got {len(text)}"
    for position, char in enumerate(text, start=1):
        if char not in _VALUES:
            return (
                f"credit code character {position} is {char!r}, which is not allowed"
                " (only digits and capital letters other than I, O, Z, S, V)"
            )
        if 3 <= position <= 8 and not char.isdigit():
            return f"credit code characters 3-8 are the region code and must be digits, got {text[2:8]!r}"
    return "credit code is malformed"


def compute_credit_check_char(first17: str) -> str:
    """The 18th character: 31 − (Σ value × weight mod 31), 31 written as 0, mapped back to the alphabet."""
    if not isinstance(first17, str) or not _FIRST17.fullmatch(first17):
        raise CreditCodeError(
            "CREDIT_CODE_FORMAT", f"the first 17 characters of a credit code are malformed: {first17!r}"
        )
    total = sum(_VALUES[char] * weight for char, weight in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(raw: str) -> str:
    """The code stripped and upper-cased if it is valid, else `CreditCodeError`."""
    if not isinstance(raw, str):
        raise TypeError(f"credit code must be a str, not {type(raw).__name__}")
    code = raw.strip().upper()
    if not _CODE.fullmatch(code):
        raise CreditCodeError("CREDIT_CODE_FORMAT", _format_message(code))
    expected = compute_credit_check_char(code[:17])
    if code[17] != expected:
        raise CreditCodeError("CREDIT_CODE_CHECKSUM", f"check character should be {expected}, got {code[17]}")
    return code
