"""The trace of a decision: one bilingual line per test or computed figure, in evaluation order."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from lianxin.eligibility.params import fen_to_yuan_text


class RuleId(StrEnum):
    """Step names; `R<k>_…` are the numbered tests of RULES.md "Order of tests"."""

    MEMBERS = "R1_MEMBERS"
    COUNTED_INCOME = "I_COUNTED_INCOME"
    PER_CAPITA_INCOME = "P_PER_CAPITA_INCOME"
    RIGID_EXPENDITURE = "R_RIGID_EXPENDITURE"
    ASSETS = "R2_ASSETS"
    DIBAO_INCOME = "R3_DIBAO_INCOME"
    EXPENDITURE_TYPE = "R4_EXPENDITURE_TYPE"
    SINGLE_PERSON = "R5_SINGLE_PERSON"
    NOT_ELIGIBLE = "R6_NOT_ELIGIBLE"
    SUGGESTED_CATEGORY = "SUGGESTED_CATEGORY"


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One step. `passed` says whether the household meets the test's criterion (for R2, whether the
    asset test passes); it is None for computed figures. `value` is the step's figure or finding."""

    rule: str
    passed: bool | None
    value: str | None
    explanation_zh: str
    explanation_en: str

    @property
    def explanation(self) -> str:
        return f"{self.explanation_zh} / {self.explanation_en}"


def round_half_up(amount: Fraction | int) -> int:
    """Round to a whole fen, halves away from zero (RULES.md: "rounded half-up to the fen")."""
    if isinstance(amount, int):
        return amount
    # integer arithmetic on numerator/denominator: exact, and far cheaper than Fraction operations
    num, den = abs(amount.numerator), amount.denominator
    magnitude = (2 * num + den) // (2 * den)
    return -magnitude if amount < 0 else magnitude


def yuan(amount: Fraction | int) -> str:
    """An amount in fen as yuan text; "≈" marks a figure that is not a whole fen (e.g. a third)."""
    rounded = round_half_up(amount)
    prefix = "" if rounded == amount else "≈"
    return prefix + fen_to_yuan_text(rounded)


def multiple(value: Decimal) -> str:
    return format(value, "f")
