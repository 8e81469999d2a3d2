"""RULES.md (version 2) evaluated column-wise: many households under one policy at once, with numpy.

The exact engine (`lianxin.eligibility.rules.decide`) stays the reference; this module must agree with
it on every household (outcome, benefit, I, p, q, category, single-person members and the rendered
trace; tests/unit/eligibility/test_vector_properties.py). It never uses a float: money is integer fen
(int64), every rate, share and multiple is an exact rational a/b, and a comparison `x < m × y` is made as
`x × b < a × y` in integers. Figures that are not whole fen (p = I / n, R = R_year / 12, …) are kept as
numerator/denominator pairs and rounded half-up (away from zero) only when reported, as the engine does.

int64 is exact while no intermediate product leaves ±2^62; `evaluate` bounds every product from the
column maxima and the policy's rationals before it starts, and when a bound does not hold it computes
the same expressions on Python ints (numpy object arrays): slower, never wrong.

Inputs are per-household columns (`Columns`) plus per-member columns, members sorted by household; a
household's lists are reduced to the few sums the rules read (see `columns_from_facts`, which builds them
from `HouseholdFacts`, and the partition SQL in lianxin.matching, which builds them in the database).
The trace is not built here: `figures_of` gives the structured figures a decision stores and
`lianxin.eligibility.render` renders them in zh/en on read, as the exact engine would have written them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from lianxin.eligibility.facts import MINOR_AGE, RIGID_KINDS, HouseholdFacts
from lianxin.eligibility.params import DibaoParameters, SupplementCategory, fen_to_yuan_text
from lianxin.household.enums import (
    ArchiveExclusion,
    AssetKind,
    EligibilityOutcome,
    Employment,
    ExpenditureKind,
    HardshipCategory,
    Health,
    IncomeKind,
)

Array = npt.NDArray[Any]

# Outcome codes, in RULES.md order (the order also decides nothing: codes are only names).
OUTCOMES: Final = (
    EligibilityOutcome.INSUFFICIENT_DATA,
    EligibilityOutcome.NOT_ELIGIBLE,
    EligibilityOutcome.DIBAO,
    EligibilityOutcome.EXPENDITURE_TYPE,
    EligibilityOutcome.SINGLE_PERSON,
    EligibilityOutcome.MARGINAL,
    EligibilityOutcome.RIGID_EXPENDITURE,
)
O_INSUFFICIENT, O_NOT_ELIGIBLE, O_DIBAO, O_EXPENDITURE, O_SINGLE, O_MARGINAL, O_RIGID = range(7)
CATEGORIES: Final = (None, HardshipCategory.DEEP, HardshipCategory.RELATIVE, HardshipCategory.ACCIDENT)
EXCLUSIONS: Final = tuple(sorted(ArchiveExclusion, key=str))  # bit i of `exclusions`
HEALTH_NONE, HEALTH_DISABILITY_SEVERE, HEALTH_CRITICAL_ILLNESS = 0, 1, 2
HEALTH_CODES: Final = {Health.DISABILITY_SEVERE: 1, Health.CRITICAL_ILLNESS: 2}
DEDUCTED: Final = frozenset({Employment.EMPLOYED, Employment.FLEXIBLE})
MAX_MEMBERS: Final = 62  # single-person members travel as a bit mask; larger households go the exact way

# Flag bits of a decision's structured figures: which way each test went (the renderer replays them).
F_DEPOSITS, F_VEHICLE, F_HOUSES, F_BUSINESS = 1, 2, 4, 8
F_DIBAO, F_EXP_INCOME, F_EXP_AFTER, F_SP_INCOME, F_SP_MEMBERS = 16, 32, 64, 128, 256
F_MARGINAL, F_RIGID_INCOME, F_RIGID_SPENT = 512, 1024, 2048
F_DEEP, F_RELATIVE, F_CASUALTY, F_COSTS = 4096, 8192, 16384, 32768
F_ASSETS = F_DEPOSITS | F_VEHICLE | F_HOUSES | F_BUSINESS
# The figures kept as exact rationals (rounded for the record, "≈" in the trace when not whole fen).
FIGURES: Final = ("I", "cut", "p", "R", "sav", "ext", "ben", "aft", "adj", "rlim", "q", "alim")
_LIMIT: Final = 2**62


@dataclass(frozen=True, slots=True)
class Columns:
    """Households (length H) and their members (length M, sorted by household, in member order)."""

    n: Array  # members
    income: Array  # T: every monthly income but EXEMPT, with no wage deduction
    rigid_year: Array  # R_year
    medical: Array  # the year's MEDICAL (part of R_year and of C_year)
    losses: Array  # the year's ACCIDENT_LOSS
    savings: Array  # DEPOSIT + SECURITIES, value × count
    vehicle: Array  # the most valuable VEHICLE with count > 0, else 0
    houses: Array  # HOUSE count
    business: Array  # BUSINESS value × count
    casualty: Array  # bool: major_event_casualty
    exclusions: Array  # bit mask over EXCLUSIONS
    m_household: Array  # per member: index of its household (0..H-1), non-decreasing
    m_age: Array  # completed years on the evaluation date
    m_health: Array  # HEALTH_* code
    m_deducted: Array  # bool: EMPLOYED or FLEXIBLE (the wage deduction applies)
    m_wage: Array  # the member's WAGE income
    m_own: Array  # every income but EXEMPT attached to the member (wage included)

    def __len__(self) -> int:
        return len(self.n)


def _ratio(value: object) -> tuple[int, int]:
    f = Fraction(str(value))
    return f.numerator, f.denominator


@dataclass(frozen=True, slots=True)
class Policy:
    """A policy's parameters as integers and exact rationals (numerator, denominator)."""

    S: int
    L: int
    cap: int
    rate: tuple[int, int]
    months: int
    vehicle_exempt: int
    max_houses: int
    business_limit: int
    exp_multiple: tuple[int, int]
    sp_multiple: tuple[int, int]
    relative_multiple: tuple[int, int]
    marginal_multiple: tuple[int, int]
    accident_share: tuple[int, int]
    rigid_share: tuple[int, int]
    elderly_age: int
    supplement_den: int
    supplements: dict[SupplementCategory, int]  # numerators over supplement_den

    @classmethod
    def of(cls, p: DibaoParameters) -> Policy:
        shares = {c: Fraction(p.supplement(c)) for c in SupplementCategory}
        den = int(np.lcm.reduce([s.denominator for s in shares.values()]))
        return cls(
            S=p.standard_monthly_fen,
            L=p.local_disposable_income_monthly_fen,
            cap=p.wage_deduction_cap_monthly_fen,
            rate=_ratio(p.wage_deduction_rate),
            months=p.deposit_limit_months,
            vehicle_exempt=p.vehicle_exempt_value_fen,
            max_houses=p.max_houses,
            business_limit=p.business_value_limit_fen,
            exp_multiple=_ratio(p.expenditure_income_multiple),
            sp_multiple=_ratio(p.single_person_income_multiple),
            relative_multiple=_ratio(p.relative_hardship_multiple),
            marginal_multiple=_ratio(p.marginal_income_multiple),
            accident_share=_ratio(p.accident_cost_share),
            rigid_share=_ratio(p.rigid_expenditure_share),
            elderly_age=p.elderly_age,
            supplement_den=den,
            supplements={c: int(s * den) for c, s in shares.items()},
        )

    def rationals(self) -> list[tuple[int, int]]:
        return [
            self.rate,
            self.exp_multiple,
            self.sp_multiple,
            self.relative_multiple,
            self.marginal_multiple,
            self.accident_share,
            self.rigid_share,
        ]


@dataclass(frozen=True, slots=True)
class Result:
    """One row per household. Money is fen, rounded half-up; `figures` are (rounded, exact) pairs."""

    outcome: Array  # index into OUTCOMES
    benefit: Array
    counted_income: Array  # I
    per_capita: Array  # p
    category: Array  # index into CATEGORIES
    category_income: Array  # q (meaningless where n = 0: None there)
    single_members: Array  # bit mask of single-person members (SINGLE_PERSON only)
    flags: Array  # F_* bits
    figures: dict[str, tuple[Array, Array]]  # name → (rounded fen, exact?)

    def __len__(self) -> int:
        return len(self.outcome)


def _round(num: Array, den: Array | int) -> tuple[Array, Array]:
    """Half-up (away from zero) rounding of num/den (den > 0), and whether it was exact."""
    magnitude = (2 * abs(num) + den) // (2 * den)
    rounded = np.where(num < 0, -magnitude, magnitude)
    return rounded, (num % den) == 0


def _segment_sum(values: Array, owner: Array, size: int) -> Array:
    """Sum per household of member values (exact for int64 and object arrays)."""
    out = np.zeros(size, dtype=values.dtype)
    if values.dtype == object:
        out[:] = 0
        for i, v in zip(owner.tolist(), values.tolist(), strict=True):
            out[i] += v
        return out
    np.add.at(out, owner, values)
    return out


def _fits_int64(c: Columns, pol: Policy) -> bool:
    """Does every intermediate product of `evaluate` stay within ±2^62 for these columns?"""

    def most(a: Array) -> int:
        return int(np.max(np.abs(a))) if len(a) else 0

    money = max(
        most(c.income),
        most(c.rigid_year),
        most(c.medical) + most(c.losses),
        most(c.m_own),
        most(c.m_wage),
        most(c.savings),
        pol.S,
        pol.L,
        pol.cap,
        1,
    )
    n = max(most(c.n), 1)
    big = max(max(pair) for pair in pol.rationals())
    b, sd = pol.rate[1], pol.supplement_den
    # I_num ≤ b × T × …; benefit numerators ≤ 12 b sd (S n + T + R_year + Σ supplements);
    # comparisons ≤ 12 × n × big × S × b and 12 × (T + R_year) × big.
    bound = 64 * money * n * 12 * max(b, 1) * max(sd, 1) * big * big
    return bound < _LIMIT and most(c.savings) < _LIMIT // 2 and pol.months * pol.S * n < _LIMIT


def _as(a: Array, exact_python: bool) -> Array:
    return a.astype(object) if exact_python else a.astype(np.int64)


def evaluate(c: Columns, params: DibaoParameters, as_of: date | None = None) -> Result:
    """Decide every household of `c` under `params` (RULES.md v2 "Order of tests" and "The union's
    classification"). Ages in `c` are already on the evaluation date; `as_of` is not read."""
    del as_of
    pol = Policy.of(params)
    python_ints = not _fits_int64(c, pol)
    H = len(c.n)
    n = _as(c.n, python_ints)
    T = _as(c.income, python_ints)
    R_year = _as(c.rigid_year, python_ints)
    S, L = pol.S, pol.L
    a, b = pol.rate
    sd = pol.supplement_den
    zero = n == 0
    n1 = np.where(zero, 1, n)  # division guard; rows with n = 0 are INSUFFICIENT_DATA

    # members: wage deduction (numerator over b) and supplement share (numerator over sd)
    owner = c.m_household.astype(np.int64)
    wage = _as(c.m_wage, python_ints)
    own = _as(c.m_own, python_ints)
    d_num = np.where(c.m_deducted.astype(bool), np.minimum(a * wage, pol.cap * b), 0)
    sup = pol.supplements
    age = c.m_age.astype(np.int64)
    share = np.zeros(len(owner), dtype=np.int64)
    share = np.where(age >= pol.elderly_age, np.maximum(share, sup[SupplementCategory.ELDERLY]), share)
    share = np.where(age < MINOR_AGE, np.maximum(share, sup[SupplementCategory.MINOR]), share)
    health = c.m_health.astype(np.int64)
    severe = health == HEALTH_DISABILITY_SEVERE
    critical = health == HEALTH_CRITICAL_ILLNESS
    share = np.where(severe, np.maximum(share, sup[SupplementCategory.DISABILITY_SEVERE]), share)
    share = np.where(critical, np.maximum(share, sup[SupplementCategory.CRITICAL_ILLNESS]), share)
    share = _as(share, python_ints)
    sp_member = severe | critical
    D_num = _segment_sum(_as(d_num, python_ints), owner, H)
    share_sum = _segment_sum(share, owner, H)
    sp_count = np.bincount(owner[sp_member], minlength=H) if H else np.zeros(0, dtype=np.int64)
    # each single-person member's term, over b × sd: max(0, S (sd + share) b − (own b − d) sd)
    term = np.maximum(0, S * (sd + share) * b - (own * b - d_num) * sd)
    sp_benefit = _segment_sum(np.where(sp_member, term, 0), owner, H)
    position = np.arange(len(owner), dtype=np.int64)
    first = np.zeros(H, dtype=np.int64)
    if len(owner):
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        first[owner[starts]] = starts
    index = position - first[owner] if len(owner) else position
    bits = np.where(sp_member & (index < MAX_MEMBERS), np.left_shift(1, np.minimum(index, 62)), 0)
    sp_mask = np.zeros(H, dtype=np.int64)
    np.bitwise_or.at(sp_mask, owner, bits.astype(np.int64))

    I_num = b * T - D_num  # I over b
    bn = b * n1

    def below(x_num: Array, multiple: tuple[int, int]) -> Array:
        """x / (b n) < multiple × S, for x over b n."""
        return x_num * multiple[1] < multiple[0] * S * bn

    # asset test
    dep = c.savings > pol.months * S * n1
    veh = c.vehicle > pol.vehicle_exempt
    hou = c.houses > pol.max_houses
    bus = c.business > pol.business_limit
    assets_fail = dep | veh | hou | bus
    dibao = I_num < S * bn
    exp_income = below(I_num, pol.exp_multiple)
    after_num = 12 * I_num - b * R_year  # (I − R) / n over 12 b n
    exp_after = after_num < 12 * bn * S
    sp_income = below(I_num, pol.sp_multiple)
    sp_has = sp_count > 0
    marginal = below(I_num, pol.marginal_multiple)
    rigid_income = I_num < L * bn
    rs_a, rs_b = pol.rigid_share
    rigid_spent = R_year * rs_b * b > rs_a * 12 * I_num

    outcome = np.full(H, O_NOT_ELIGIBLE, dtype=np.int8)
    undecided = ~zero & ~assets_fail
    for test, code in (
        (dibao, O_DIBAO),
        (exp_income & exp_after, O_EXPENDITURE),
        (sp_income & sp_has, O_SINGLE),
        (marginal, O_MARGINAL),
        (rigid_income & rigid_spent, O_RIGID),
    ):
        hit = undecided & test
        outcome[hit] = code
        undecided &= ~hit
    outcome[zero] = O_INSUFFICIENT

    # benefits over 12 b sd
    extra_num = share_sum * S  # over sd
    dibao_ben = 12 * (S * n * b * sd - I_num * sd + extra_num * b)
    adj_num = np.maximum(0, after_num)  # over 12 b n
    exp_ben = S * n * 12 * b * sd - adj_num * sd + 12 * b * extra_num
    sp_ben = 12 * sp_benefit
    ben_num = np.where(
        outcome == O_DIBAO,
        dibao_ben,
        np.where(outcome == O_EXPENDITURE, exp_ben, np.where(outcome == O_SINGLE, sp_ben, 0)),
    )
    ben_den = 12 * b * sd
    benefit, ben_exact = _round(ben_num, ben_den)
    benefit = np.maximum(benefit, 0)

    # the union's classification (n ≥ 1)
    Y = 12 * T
    q_num = Y - R_year  # over 12 n
    deep = q_num < 12 * n1 * S
    rm_a, rm_b = pol.relative_multiple
    relative = q_num * rm_b < 12 * n1 * rm_a * S
    as_a, as_b = pol.accident_share
    costs = _as(c.medical + c.losses, python_ints)
    over_costs = costs * as_b > as_a * Y
    casualty = c.casualty.astype(bool)
    excluded = c.exclusions != 0
    category = np.zeros(H, dtype=np.int8)
    category[~excluded & (casualty | over_costs)] = 3
    category[~excluded & relative] = 2
    category[~excluded & deep] = 1
    category[zero] = 0

    flags = (
        dep * F_DEPOSITS
        + veh * F_VEHICLE
        + hou * F_HOUSES
        + bus * F_BUSINESS
        + dibao * F_DIBAO
        + exp_income * F_EXP_INCOME
        + exp_after * F_EXP_AFTER
        + sp_income * F_SP_INCOME
        + sp_has * F_SP_MEMBERS
        + marginal * F_MARGINAL
        + rigid_income * F_RIGID_INCOME
        + rigid_spent * F_RIGID_SPENT
        + deep * F_DEEP
        + relative * F_RELATIVE
        + casualty * F_CASUALTY
        + over_costs * F_COSTS
    ).astype(np.int64)

    counted, counted_exact = _round(I_num, b)
    p, p_exact = _round(I_num, bn)
    q, q_exact = _round(q_num, 12 * n1)
    figures = {
        "I": (counted, counted_exact),
        "cut": _round(D_num, b),
        "p": (p, p_exact),
        "R": _round(R_year, 12),
        "sav": _round(_as(c.savings, python_ints), n1),
        "ext": _round(extra_num, sd),
        "ben": (benefit, ben_exact),
        "aft": _round(after_num, 12 * bn),
        "adj": _round(adj_num, 12 * bn),
        "rlim": _round(rs_a * 12 * I_num, rs_b * b),
        "q": (q, q_exact),
        "alim": _round(as_a * Y, as_b),
    }
    figures = {k: (_out(v, python_ints), np.asarray(e, dtype=bool)) for k, (v, e) in figures.items()}
    return Result(
        outcome=outcome,
        benefit=_out(benefit, python_ints),
        counted_income=_out(np.where(zero, 0, counted), python_ints),
        per_capita=_out(np.where(zero, 0, p), python_ints),
        category=category,
        category_income=_out(np.where(zero, 0, q), python_ints),
        single_members=np.where(outcome == O_SINGLE, sp_mask, 0),
        flags=flags,
        figures=figures,
    )


def _out(a: Array, python_ints: bool) -> Array:
    return np.asarray(a, dtype=object if python_ints else np.int64)


def member_indices(mask: int) -> list[int]:
    return [i for i in range(MAX_MEMBERS + 1) if mask >> i & 1]


def policy_figures(params: DibaoParameters) -> dict[str, object]:
    """The policy's side of a decision's structured figures (the same for every household)."""
    return {
        "S": params.standard_monthly_fen,
        "L": params.local_disposable_income_monthly_fen,
        "dm": params.deposit_limit_months,
        "ve": params.vehicle_exempt_value_fen,
        "mh": params.max_houses,
        "bl": params.business_value_limit_fen,
        "xm": format(params.expenditure_income_multiple, "f"),
        "sm": format(params.single_person_income_multiple, "f"),
        "mm": format(params.marginal_income_multiple, "f"),
        "rm": format(params.relative_hardship_multiple, "f"),
        "as": format(params.accident_cost_share, "f"),
        "rs": format(params.rigid_expenditure_share, "f"),
    }


def figures_json(c: Columns, r: Result, policy_json: str) -> list[str]:
    """Each household's structured figures as JSON text (what `trace` stores; rendered on read).

    `policy_json` is `json.dumps(policy_figures(params))`; a figure that is not a whole fen is
    written as a one-element list [rounded fen]."""
    # every field as text first (map(str) over whole columns), then one %-format of strings per row: the
    # rows of a partition are the vectorised path's largest Python cost
    head = policy_json[:-1].replace("%", "%%")
    names = ("fl", "spm", "ry", "veh", "hou", "bus", "T", "med", "los", "exc", *FIGURES)
    template = head + ',"v":1,"n":%s' + "".join(f',"{name}":%s' for name in names) + "}"
    cols = [c.rigid_year, c.vehicle, c.houses, c.business, c.income, c.medical, c.losses, c.exclusions]
    ns = c.n.tolist()
    columns = [list(map(str, col.tolist())) for col in (c.n, r.flags, r.single_members, *cols)]
    for name in FIGURES:
        value, exact = r.figures[name]
        text = list(map(str, value.tolist()))
        for i in np.flatnonzero(~np.asarray(exact, dtype=bool)).tolist():
            text[i] = f"[{text[i]}]"
        columns.append(text)
    return [
        template % row if n else '{"v":1,"n":0}'
        for n, row in zip(ns, zip(*columns, strict=True), strict=True)
    ]


def columns_from_facts(households: Sequence[HouseholdFacts], as_of: date) -> Columns:
    """The columns of these households (what the partition SQL computes in the database)."""
    H = len(households)
    hh: dict[str, list[int]] = {k: [] for k in ("n", "T", "ry", "med", "los", "sav", "veh", "hou", "bus")}
    casualty = np.zeros(H, dtype=bool)
    exclusions = np.zeros(H, dtype=np.int64)
    members: dict[str, list[int]] = {k: [] for k in ("h", "age", "health", "ded", "wage", "own")}
    for i, f in enumerate(households):
        hh["n"].append(len(f.members))
        own = [0] * len(f.members)
        wage = [0] * len(f.members)
        total = 0
        for inc in f.incomes:
            if inc.kind == IncomeKind.EXEMPT:
                continue
            total += inc.monthly_fen
            if inc.member_index is not None:
                own[inc.member_index] += inc.monthly_fen
                if inc.kind == IncomeKind.WAGE:
                    wage[inc.member_index] += inc.monthly_fen
        spent = {k: sum(e.annual_fen for e in f.expenditures if e.kind == k) for k in ExpenditureKind}
        hh["T"].append(total)
        hh["ry"].append(sum(spent[k] for k in RIGID_KINDS))
        hh["med"].append(spent[ExpenditureKind.MEDICAL])
        hh["los"].append(spent[ExpenditureKind.ACCIDENT_LOSS])
        hh["sav"].append(
            sum(
                a.value_fen * a.count for a in f.assets if a.kind in (AssetKind.DEPOSIT, AssetKind.SECURITIES)
            )
        )
        hh["veh"].append(
            max((a.value_fen for a in f.assets if a.kind == AssetKind.VEHICLE and a.count > 0), default=0)
        )
        hh["hou"].append(sum(a.count for a in f.assets if a.kind == AssetKind.HOUSE))
        hh["bus"].append(sum(a.value_fen * a.count for a in f.assets if a.kind == AssetKind.BUSINESS))
        casualty[i] = f.major_event_casualty
        exclusions[i] = sum(1 << EXCLUSIONS.index(e) for e in f.exclusions)
        for k, m in enumerate(f.members):
            members["h"].append(i)
            members["age"].append(m.age_on(as_of))
            members["health"].append(HEALTH_CODES.get(m.health, HEALTH_NONE))
            members["ded"].append(m.employment in DEDUCTED)
            members["wage"].append(wage[k])
            members["own"].append(own[k])
    return Columns(
        n=np.asarray(hh["n"], dtype=np.int64),
        income=_big(hh["T"]),
        rigid_year=_big(hh["ry"]),
        medical=_big(hh["med"]),
        losses=_big(hh["los"]),
        savings=_big(hh["sav"]),
        vehicle=_big(hh["veh"]),
        houses=_big(hh["hou"]),
        business=_big(hh["bus"]),
        casualty=casualty,
        exclusions=exclusions,
        m_household=np.asarray(members["h"], dtype=np.int64),
        m_age=np.asarray(members["age"], dtype=np.int64),
        m_health=np.asarray(members["health"], dtype=np.int64),
        m_deducted=np.asarray(members["ded"], dtype=bool),
        m_wage=_big(members["wage"]),
        m_own=_big(members["own"]),
    )


def _big(values: list[int]) -> Array:
    """int64 when every value fits, else Python ints (the overflow guard then takes the exact way)."""
    if values and max(abs(v) for v in values) >= _LIMIT:
        return np.asarray(values, dtype=object)
    return np.asarray(values, dtype=np.int64)


def yuan_text(fen: int) -> str:
    return fen_to_yuan_text(fen)
