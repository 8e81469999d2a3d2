"""What the engine knows about a household, the figures RULES.md "Definitions" derives from it, and the
fingerprint that says two decisions would agree.

Members are listed in a fixed order because incomes point at them by index (`member_index`) and
`Decision.single_person_members` answers by index; incomes, expenditures and assets carry no order.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Final

from lianxin.eligibility.params import DibaoParameters, SupplementCategory
from lianxin.household.enums import (
    ArchiveExclusion,
    AssetKind,
    Employment,
    ExpenditureKind,
    Health,
    IncomeKind,
)

MINOR_AGE: Final = 18  # RULES.md "Definitions": MINOR = under 18 on the evaluation date
# The version of RULES.md the engine implements. It is part of every fingerprint: bump it when a rule
# changes meaning, so that every household, changed or not, is decided once again under the new rules.
RULES_VERSION: Final = 2
ENGINE_VERSION: Final = f"dibao-rules/{RULES_VERSION}"
# RULES.md "Definitions", R_year: the rigid kinds; ACCIDENT_LOSS (v2) is not one.
RIGID_KINDS: Final = frozenset(
    {ExpenditureKind.MEDICAL, ExpenditureKind.EDUCATION, ExpenditureKind.OTHER_RIGID}
)
# RULES.md "Definitions" (v2), C_year: the year's hardship costs (致困费用).
HARDSHIP_COST_KINDS: Final = frozenset({ExpenditureKind.MEDICAL, ExpenditureKind.ACCIDENT_LOSS})
_WAGE_DEDUCTED: Final = frozenset({Employment.EMPLOYED, Employment.FLEXIBLE})
_HEALTH_SUPPLEMENT: Final = {
    Health.DISABILITY_SEVERE: SupplementCategory.DISABILITY_SEVERE,
    Health.CRITICAL_ILLNESS: SupplementCategory.CRITICAL_ILLNESS,
}


def _require_whole(name: str, value: int) -> None:
    # Money is integer fen; a float or bool slipping in would silently break exact arithmetic.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")


@dataclass(frozen=True, slots=True)
class MemberFacts:
    birth_date: date
    health: Health
    employment: Employment

    def age_on(self, as_of: date) -> int:
        """Completed years on `as_of`; someone born on 29 February turns a year older on 1 March."""
        before_birthday = (as_of.month, as_of.day) < (self.birth_date.month, self.birth_date.day)
        return as_of.year - self.birth_date.year - before_birthday

    def is_minor(self, as_of: date) -> bool:
        return self.age_on(as_of) < MINOR_AGE

    def is_elderly(self, as_of: date, elderly_age: int) -> bool:
        return self.age_on(as_of) >= elderly_age


@dataclass(frozen=True, slots=True)
class IncomeFacts:
    kind: IncomeKind
    monthly_fen: int
    member_index: int | None = None  # None: household income attached to no member

    def __post_init__(self) -> None:
        _require_whole("monthly_fen", self.monthly_fen)


@dataclass(frozen=True, slots=True)
class ExpenditureFacts:
    kind: ExpenditureKind
    annual_fen: int

    def __post_init__(self) -> None:
        _require_whole("annual_fen", self.annual_fen)


@dataclass(frozen=True, slots=True)
class AssetFacts:
    kind: AssetKind
    value_fen: int  # per item
    count: int = 1

    def __post_init__(self) -> None:
        _require_whole("value_fen", self.value_fen)
        _require_whole("count", self.count)


@dataclass(frozen=True, slots=True)
class HouseholdFacts:
    """Everything a decision reads about a household.

    v2 facts (RULES.md "The union's classification"): `major_event_casualty`, a member injured,
    disabled or killed in a natural disaster, major accident, epidemic or public-safety event (→ ACCIDENT);
    `exclusions`, the ArchiveExclusion values that give the household no category. Any iterable of
    exclusions (or their string values) is accepted and stored as a frozenset.
    """

    members: tuple[MemberFacts, ...] = ()
    incomes: tuple[IncomeFacts, ...] = ()
    expenditures: tuple[ExpenditureFacts, ...] = ()
    assets: tuple[AssetFacts, ...] = ()
    major_event_casualty: bool = False
    exclusions: frozenset[ArchiveExclusion] = frozenset()

    def __post_init__(self) -> None:
        for income in self.incomes:
            if income.member_index is not None and not 0 <= income.member_index < len(self.members):
                raise ValueError(f"income member_index {income.member_index} names no member")
        if not isinstance(self.major_event_casualty, bool):
            raise TypeError(
                f"major_event_casualty must be a bool, not {type(self.major_event_casualty).__name__}"
            )
        if isinstance(self.exclusions, str):
            raise TypeError("exclusions must be a collection of ArchiveExclusion, not a string")
        # ArchiveExclusion(value) refuses an unknown value with ValueError.
        object.__setattr__(self, "exclusions", frozenset(ArchiveExclusion(e) for e in self.exclusions))


@dataclass(frozen=True, slots=True)
class Figures:
    """RULES.md "Definitions" for one household, policy and date: what the tests read (fen, exact)."""

    facts: HouseholdFacts
    params: DibaoParameters
    n: int
    standard: int  # S
    income: Fraction  # I
    per_capita: Fraction  # p
    expenditure: Fraction  # R, monthly
    wage_deductions: Fraction
    own_income: tuple[Fraction, ...]  # each member's counted income
    supplements: tuple[Fraction, ...]  # each member's supplement, as a share of S
    rigid_year: int  # R_year: the year's rigid expenditure (MEDICAL, EDUCATION, OTHER_RIGID)
    annual_income: int  # v2, Y: 12 × every income but EXEMPT, with no wage deduction
    hardship_costs: int  # v2, C_year: the year's MEDICAL and ACCIDENT_LOSS
    category_income: Fraction  # v2, q = (Y − R_year) / 12 / n; may be negative

    def supplement_total(self) -> Fraction:
        return sum(self.supplements, Fraction(0)) * self.standard


def supplement_share(member: MemberFacts, params: DibaoParameters, as_of: date) -> Fraction:
    """RULES.md "Definitions", supplement(m): the highest share that applies, not the sum."""
    categories = []
    if member.is_elderly(as_of, params.elderly_age):
        categories.append(SupplementCategory.ELDERLY)
    if member.is_minor(as_of):
        categories.append(SupplementCategory.MINOR)
    if member.health in _HEALTH_SUPPLEMENT:
        categories.append(_HEALTH_SUPPLEMENT[member.health])
    return max((Fraction(params.supplement(c)) for c in categories), default=Fraction(0))


def _counted_incomes(
    facts: HouseholdFacts, params: DibaoParameters
) -> tuple[Fraction, tuple[Fraction, ...], Fraction]:
    """RULES.md "Definitions", I: every income but EXEMPT; an EMPLOYED or FLEXIBLE member's WAGE total is
    reduced by min(rate × that total, cap); WAGE attached to no member is not reduced.
    Returns (unattached income, each member's counted income, total wage deductions)."""
    unattached = 0
    counted = [0] * len(facts.members)
    wages = [0] * len(facts.members)
    for income in facts.incomes:
        if income.kind == IncomeKind.EXEMPT:
            continue
        if income.member_index is None:
            unattached += income.monthly_fen
            continue
        counted[income.member_index] += income.monthly_fen
        if income.kind == IncomeKind.WAGE:
            wages[income.member_index] += income.monthly_fen
    rate, cap = Fraction(params.wage_deduction_rate), Fraction(params.wage_deduction_cap_monthly_fen)
    deductions = [
        min(rate * wage, cap) if member.employment in _WAGE_DEDUCTED else Fraction(0)
        for member, wage in zip(facts.members, wages, strict=True)
    ]
    own = tuple(c - d for c, d in zip(counted, deductions, strict=True))
    return Fraction(unattached), own, sum(deductions, Fraction(0))


def figures(facts: HouseholdFacts, params: DibaoParameters, as_of: date) -> Figures:
    """RULES.md "Definitions": I, p, R (rigid kinds only), each member's counted income and supplement,
    and the v2 figures Y, C_year and q; p and q need at least one member."""
    n = len(facts.members)
    if n == 0:
        raise ValueError("a household without members has no per-capita income (RULES.md test 1)")
    unattached, own, deductions = _counted_incomes(facts, params)
    income = unattached + sum(own, Fraction(0))
    rigid_year = sum(e.annual_fen for e in facts.expenditures if e.kind in RIGID_KINDS)
    annual_income = 12 * sum(i.monthly_fen for i in facts.incomes if i.kind != IncomeKind.EXEMPT)
    return Figures(
        facts=facts,
        params=params,
        n=n,
        standard=params.standard_monthly_fen,
        income=income,
        per_capita=income / n,
        expenditure=Fraction(rigid_year, 12),
        wage_deductions=deductions,
        own_income=own,
        supplements=tuple(supplement_share(m, params, as_of) for m in facts.members),
        rigid_year=rigid_year,
        annual_income=annual_income,
        hardship_costs=sum(e.annual_fen for e in facts.expenditures if e.kind in HARDSHIP_COST_KINDS),
        category_income=Fraction(annual_income - rigid_year, 12 * n),
    )


def _canonical_facts(facts: HouseholdFacts) -> dict[str, object]:
    incomes = sorted(
        (-1 if i.member_index is None else i.member_index, str(i.kind), i.monthly_fen) for i in facts.incomes
    )
    return {
        "members": [[m.birth_date.isoformat(), str(m.health), str(m.employment)] for m in facts.members],
        "incomes": [[None if index < 0 else index, kind, fen] for index, kind, fen in incomes],
        "expenditures": sorted((str(e.kind), e.annual_fen) for e in facts.expenditures),
        "assets": sorted((str(a.kind), a.value_fen, a.count) for a in facts.assets),
        "major_event_casualty": facts.major_event_casualty,
        "exclusions": sorted(str(e) for e in facts.exclusions),
    }


def _canonical_value(value: object) -> object:
    # By value, not by spelling: "0.2" and "0.20" are one rate (as they are for `==`).
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, Mapping):
        return {str(k): _canonical_value(v) for k, v in value.items()}
    return value


@functools.lru_cache(maxsize=64)
def _canonical_parameters_json(parameters: DibaoParameters) -> str:
    """Parameters are few and shared by thousands of households: canonicalise each set once."""
    fields = dataclasses.fields(parameters)
    canonical = {f.name: _canonical_value(getattr(parameters, f.name)) for f in fields}
    return json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(facts: HouseholdFacts, parameters: DibaoParameters, *, as_of: date | None = None) -> str:
    """sha256 hex of the canonical JSON of everything a decision reads: the rules version
    (`RULES_VERSION`, via `ENGINE_VERSION`), the household's facts including the v2 facts
    (ACCIDENT_LOSS expenditures, `major_event_casualty`, `exclusions`) and the policy's parameters
    including the v2 keys (their defaults when the policy left them out).

    A decision depends on the evaluation date only through each member's age class (minor, elderly);
    pass `as_of` to include those classes, so that a member turning 18 or `elderly_age` changes the
    fingerprint while an ordinary new day does not.
    """
    document: dict[str, object] = {"engine": ENGINE_VERSION, "household": _canonical_facts(facts)}
    if as_of is not None:
        document["age_classes"] = [
            [m.is_minor(as_of), m.is_elderly(as_of, parameters.elderly_age)] for m in facts.members
        ]
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(text.encode())
    digest.update(b"|parameters:")
    digest.update(_canonical_parameters_json(parameters).encode())
    return digest.hexdigest()
