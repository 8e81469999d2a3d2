"""Money: integer fen (分) in SQL and logic, `Decimal` yuan (元) at the API; never float.

Yuan from the API are exact decimals with at most two places ("850.00", "12.5"), written in ASCII
digits with an optional leading '-' and nothing else (`read_yuan_text`, the one reader of amount text);
anything finer than a fen is refused rather than rounded, so no amount changes silently on the way in.
"""

from __future__ import annotations

import re
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from fractions import Fraction
from typing import Final

from lianxin.core.errors import DomainError, Issue

MAX_YUAN: Final = Decimal(10**12)
"""The largest amount accepted, in yuan: far above any real figure, far below bigint fen."""

# The only way amounts are written: ASCII digits, an optional single leading '-', an optional '.' with
# digits after it. No '+', no exponent, no underscores, no spaces, no full-width or other non-ASCII
# digits, no NaN/Infinity, all of which `Decimal()` would otherwise accept.
_YUAN_TEXT: Final = re.compile(r"-?[0-9]+(?:\.([0-9]+))?", re.ASCII)
_MAX_TEXT: Final = 64


class MoneyError(DomainError, ValueError):
    """An amount that cannot be taken as yuan; `code` is one of the codes listed in `parse_yuan`."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__([Issue(code=code, message=message)])


class RefusedAmount(Decimal):
    """What the API's `Decimal` scalar hands on for text that is no amount: a NaN that remembers why.

    The scalar cannot answer with a typed user error (it has no payload), so it lets the mutation run
    and `parse_yuan` (or any finiteness check) refuses the value with the field's path and this reason.
    """

    error: MoneyError

    def __new__(cls, error: MoneyError) -> RefusedAmount:
        refused = super().__new__(cls, "NaN")
        refused.error = error
        return refused


def _invalid(value: object) -> MoneyError:
    shown = repr(value) if len(repr(value)) <= _MAX_TEXT + 2 else repr(value)[:_MAX_TEXT] + "…"
    return MoneyError("INVALID_AMOUNT", f"amount must be written like 850.00 (ASCII digits), got {shown}")


def read_yuan_text(text: str) -> Decimal:
    """Amount text → the exact `Decimal`, or MoneyError (INVALID_AMOUNT, TOO_MANY_DECIMALS).

    The single reader of amounts written as text (the API's `Decimal` scalar, `parse_yuan`)."""
    match = _YUAN_TEXT.fullmatch(text) if len(text) <= _MAX_TEXT else None
    if match is None:
        raise _invalid(text)
    if match[1] is not None and len(match[1]) > 2:
        raise MoneyError(
            "TOO_MANY_DECIMALS", f"amount must have at most 2 decimal places (whole fen), got {text}"
        )
    return Decimal(text)


def read_api_decimal(value: object) -> Decimal:
    """The API `Decimal` scalar's input: amount text or a whole number; anything else is a
    `RefusedAmount` that the domain refuses with its field path (floats included: 0.1 is no jiao)."""
    if isinstance(value, str):
        # decimals beyond the fen are left to the domain reader (TOO_MANY_DECIMALS, INVALID_AREA…),
        # which knows the field; the text is still plain ASCII notation
        if len(value) <= _MAX_TEXT and _YUAN_TEXT.fullmatch(value):
            return Decimal(value)
        return RefusedAmount(_invalid(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return RefusedAmount(_invalid(value))


def _as_decimal(value: Decimal | str) -> Decimal:
    if isinstance(value, RefusedAmount):
        raise value.error
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError("INVALID_AMOUNT", f"amount must be a finite number, got {value}")
        return value
    if isinstance(value, str):
        return read_yuan_text(value)
    # float included: 0.1 is not 1 jiao, and a silent conversion would hide the bug that produced it.
    raise TypeError(f"amount must be a Decimal or str, not {type(value).__name__}")


def parse_yuan(value: Decimal | str, *, allow_negative: bool = False, positive: bool = False) -> int:
    """Yuan (`Decimal` or amount text, see `read_yuan_text`) → integer fen, exactly.

    Raises `MoneyError` with code INVALID_AMOUNT (NaN, Infinity, text that is not plain ASCII decimal
    notation), NEGATIVE_AMOUNT (any minus sign, "-0" included, unless `allow_negative`),
    AMOUNT_NOT_POSITIVE (zero when `positive`: a payment of nothing), AMOUNT_TOO_LARGE (magnitude
    above `MAX_YUAN`) or TOO_MANY_DECIMALS (text with more than 2 decimals; a `Decimal` with a non-zero
    digit below the fen — trailing zeros such as Decimal("1.500") made by code are accepted).
    Raises TypeError for any other type.
    """
    number = _as_decimal(value)
    if number.is_signed() and not allow_negative:
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
        if positive:
            raise MoneyError("AMOUNT_NOT_POSITIVE", f"amount must be above 0, got {value}")
        return 0
    if below_fen < 0:
        magnitude *= 10**-below_fen  # bounded: the magnitude check keeps exponent ≤ 12
    return -magnitude if sign else magnitude


# no rounding, whatever the size: `fen_to_yuan` only ever moves the decimal point
_EXACT: Final = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def fen_to_yuan(fen: int) -> Decimal:
    """Integer fen → yuan with exactly two decimal places: 85000 → Decimal("850.00")."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen must be an int, not {type(fen).__name__}")
    # scaleb moves the exponent by -2: exact under a context that can hold any digit count (dividing
    # by 100, or anything under the default context, rounds to 28 digits); ~4× faster than rebuilding
    # the Decimal from its digit tuple, and a page of households converts hundreds of amounts
    return Decimal(fen).scaleb(-2, _EXACT)


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
