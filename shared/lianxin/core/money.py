"""Money: integer fen (分) in SQL and logic, `Decimal` yuan (元) at the API; never float.

Yuan from the API are exact decimals with at most two places ("850.00", "12.5"); anything finer
than a fen is refused rather than rounded, so no amount changes silently on the way in.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from typing import Final

from lianxin.core.errors import DomainError, Issue

MAX_YUAN: Final = Decimal(10**12)
"""The largest amount accepted, in yuan: far above any real figure, far below bigint fen."""

# Plain decimal notation only: no exponent, no underscores, no full-width or other non-ASCII digits
# (all of which `Decimal()` would otherwise accept).
_YUAN_TEXT: Final = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_MAX_TEXT: Final = 64


class MoneyError(DomainError, ValueError):
    """An amount that cannot be taken as yuan; `code` is one of the codes listed in `parse_yuan`."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__([Issue(code=code, message=message)])


def _as_decimal(value: Decimal | str) -> Decimal:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError("INVALID_AMOUNT", f"amount must be a finite number, got {value}")
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) > _MAX_TEXT or not _YUAN_TEXT.fullmatch(text):
            raise MoneyError(
                "INVALID_AMOUNT", f"amount must be a decimal number such as 850.00, got {value!r}"
            )
        return Decimal(text)
    # float included: 0.1 is not 1 jiao, and a silent conversion would hide the bug that produced it.
    raise TypeError(f"amount must be a Decimal or str, not {type(value).__name__}")


def parse_yuan(value: Decimal | str, *, allow_negative: bool = False) -> int:
    """Yuan (`Decimal` or decimal text) → integer fen, exactly.

    Raises `MoneyError` with code INVALID_AMOUNT (NaN, Infinity, not a number), NEGATIVE_AMOUNT,
    AMOUNT_TOO_LARGE (magnitude above `MAX_YUAN`) or TOO_MANY_DECIMALS (a non-zero digit below the
    fen; trailing zeros such as Decimal("1.500") are accepted). Raises TypeError for any other type.
    """
    number = _as_decimal(value)
    if number < 0 and not allow_negative:
        raise MoneyError("NEGATIVE_AMOUNT", f"amount must not be negative, got {value}")
    if number.copy_abs() > MAX_YUAN:  # comparison and copy_abs are exact, whatever the context precision
        raise MoneyError("AMOUNT_TOO_LARGE", f"amount must be at most {MAX_YUAN} yuan, got {value}")
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    below_fen = -2 - exponent  # how many of `digits` are finer than one fen
    if below_fen > 0:
        if any(digits[-below_fen:]):
            raise MoneyError(
                "TOO_MANY_DECIMALS", f"amount must have at most 2 decimal places (whole fen), got {value}"
            )
        digits = digits[:-below_fen]
    magnitude = 0
    for digit in digits:
        magnitude = magnitude * 10 + digit
    if magnitude == 0:  # also avoids 10**exponent for zeros such as Decimal("0E+999999")
        return 0
    if below_fen < 0:
        magnitude *= 10**-below_fen  # bounded: the magnitude check keeps exponent ≤ 12
    return -magnitude if sign else magnitude


def fen_to_yuan(fen: int) -> Decimal:
    """Integer fen → yuan with exactly two decimal places: 85000 → Decimal("850.00")."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen must be an int, not {type(fen).__name__}")
    sign, digits, _ = Decimal(fen).as_tuple()
    # Built from the digits, not by dividing: division rounds to the context precision.
    return Decimal((sign, digits, -2))


def round_half_up_fen(x: Fraction | Decimal) -> int:
    """An exact amount in fen rounded to a whole fen, halves away from zero (like ROUND_HALF_UP).

    For shares and rates: `round_half_up_fen(Fraction(monthly_fen, 3))`.
    """
    if isinstance(x, Decimal):
        if not x.is_finite():
            raise MoneyError("INVALID_AMOUNT", f"amount must be a finite number, got {x}")
        exact = Fraction(x)
    elif isinstance(x, Fraction):
        exact = x
    else:
        raise TypeError(f"amount must be a Fraction or Decimal, not {type(x).__name__}")
    magnitude = abs(exact)
    rounded = (2 * magnitude.numerator + magnitude.denominator) // (2 * magnitude.denominator)
    return -rounded if exact < 0 else rounded
