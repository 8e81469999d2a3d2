"""The trace of a decision: one bilingual line per test or computed figure, in evaluation order."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from lianxin.eligibility.params import fen_to_yuan_text


class RuleId(StrEnum):
    """Step names. `R<k>_…` are the numbered tests of RULES.md "Order of tests" (v2 numbering: the
    v1 `R6_NOT_ELIGIBLE` is `R8_NOT_ELIGIBLE`); `C<k>_…` are the numbered steps of "The union's
    classification"; the others are figures of "Definitions" (I, p, R, and the v2 Y, C_year, q)."""

    MEMBERS = "R1_MEMBERS"
    COUNTED_INCOME = "I_COUNTED_INCOME"
    PER_CAPITA_INCOME = "P_PER_CAPITA_INCOME"
    RIGID_EXPENDITURE = "R_RIGID_EXPENDITURE"
    ASSETS = "R2_ASSETS"
    DIBAO_INCOME = "R3_DIBAO_INCOME"
    EXPENDITURE_TYPE = "R4_EXPENDITURE_TYPE"
    SINGLE_PERSON = "R5_SINGLE_PERSON"
    MARGINAL = "R6_MARGINAL"  # v2
    RIGID_EXPENDITURE_TIER = "R7_RIGID_EXPENDITURE"  # v2: the outcome, unlike the figure R above
    NOT_ELIGIBLE = "R8_NOT_ELIGIBLE"
    ANNUAL_INCOME = "Y_ANNUAL_INCOME"  # v2
    HARDSHIP_COSTS = "C_HARDSHIP_COSTS"  # v2
    CATEGORY_INCOME = "Q_CATEGORY_INCOME"  # v2
    CATEGORY_EXCLUSIONS = "C1_EXCLUSIONS"  # v2
    CATEGORY_DEEP = "C2_DEEP"  # v2
    CATEGORY_RELATIVE = "C3_RELATIVE"  # v2
    CATEGORY_ACCIDENT = "C4_ACCIDENT"  # v2
    SUGGESTED_CATEGORY = "SUGGESTED_CATEGORY"  # the classification's result, always the last step


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One step. `passed` says whether the household meets the test's criterion (for R2, whether the
    asset test passes; for C1, whether the household has no exclusion); it is None for computed figures
    and for SUGGESTED_CATEGORY. `value` is the step's figure or finding."""

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
