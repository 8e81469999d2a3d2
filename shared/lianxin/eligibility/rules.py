"""The decision of RULES.md (version 2) for one household under one policy on one date.

- the outcome, RULES.md "Order of tests": the first test that applies decides (v2 adds MARGINAL and
  RIGID_EXPENDITURE as tests 6 and 7, between SINGLE_PERSON and NOT_ELIGIBLE; no benefit);
- the union's classification, RULES.md "The union's classification" (v2): `suggested_category` from
  q = (Y − R_year) / 12 / n, reported as `category_income_fen`, computed whatever the outcome.

Pure: no I/O and no clock, the evaluation date is an argument. Amounts are fen; every figure is an exact
`Fraction` (p = I / n may be a fraction of a fen) and is rounded half-up only when reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from lianxin.eligibility.facts import RULES_VERSION, Figures, HouseholdFacts, figures
from lianxin.eligibility.params import DibaoParameters
from lianxin.eligibility.trace import RuleId, TraceStep, multiple, round_half_up, yuan
from lianxin.household.enums import (
    AssetKind,
    EligibilityOutcome,
    ExpenditureKind,
    HardshipCategory,
    Health,
    IncomeKind,
)

_SINGLE_PERSON_HEALTH = frozenset({Health.DISABILITY_SEVERE, Health.CRITICAL_ILLNESS})


@dataclass(frozen=True, slots=True)
class Decision:
    """What `decide` answers; money in fen, rounded half-up (away from zero) from the exact figures.

    - `outcome`: RULES.md "Order of tests"; `monthly_benefit_fen` is 0 unless DIBAO, EXPENDITURE_TYPE
      or SINGLE_PERSON (MARGINAL and RIGID_EXPENDITURE get none).
    - `per_capita_income_fen` p, `counted_income_fen` I, `standard_fen` S (p and I are 0 when n = 0).
    - `suggested_category` (v2): the union's classification, None when none applies, when the household
      has exclusions, or when n = 0; `category_income_fen` (v2) is q, None when n = 0, may be negative.
    - `single_person_members`: indices into `HouseholdFacts.members` of a SINGLE_PERSON decision.
    - `rules_version`: the RULES.md version that decided (also part of the fingerprint).
    """

    outcome: EligibilityOutcome
    per_capita_income_fen: int
    counted_income_fen: int
    standard_fen: int
    monthly_benefit_fen: int
    suggested_category: HardshipCategory | None
    trace: tuple[TraceStep, ...]
    single_person_members: tuple[int, ...] = ()  # indices into HouseholdFacts.members
    category_income_fen: int | None = None
    rules_version: int = RULES_VERSION


@dataclass(frozen=True, slots=True)
class _Verdict:
    outcome: EligibilityOutcome
    benefit: Fraction
    members: tuple[int, ...] = ()


_Rule = Callable[[Figures], tuple[TraceStep, _Verdict | None]]


def _miss(rule: RuleId, zh: str, en: str) -> tuple[TraceStep, None]:
    return TraceStep(rule, False, None, zh, en), None


def _members(n: int) -> TraceStep:
    """RULES.md "Order of tests" 1: n = 0 → INSUFFICIENT_DATA."""
    if n == 0:
        return TraceStep(
            RuleId.MEMBERS,
            False,
            "0",
            "家庭无成员，资料不足",
            "the household has no members: insufficient data",
        )
    return TraceStep(RuleId.MEMBERS, True, str(n), f"家庭成员 {n} 人", f"{n} household member(s)")


def _computed(f: Figures) -> list[TraceStep]:
    """RULES.md "Definitions": the figures I, p and R (R from the rigid kinds only, v2)."""
    i, p, r = yuan(f.income), yuan(f.per_capita), yuan(f.expenditure)
    cut = yuan(f.wage_deductions)
    spent = yuan(f.rigid_year)
    return [
        TraceStep(
            RuleId.COUNTED_INCOME,
            None,
            i,
            f"计入月收入 I = {i} 元（不计豁免收入，已扣除工资 {cut} 元）",
            f"counted monthly income I = {i} yuan (exempt income left out, {cut} of wages deducted)",
        ),
        TraceStep(
            RuleId.PER_CAPITA_INCOME,
            None,
            p,
            f"人均月收入 p = I / n = {i} / {f.n} = {p} 元",
            f"per-capita monthly income p = I / n = {i} / {f.n} = {p} yuan",
        ),
        TraceStep(
            RuleId.RIGID_EXPENDITURE,
            None,
            r,
            f"刚性支出 R = R_year / 12 = {spent} / 12 = {r} 元/月（医疗、教育、其他刚性支出；意外损失不计）",
            f"rigid expenditure R = R_year / 12 = {spent} / 12 = {r} yuan a month "
            "(medical, education, other rigid; accident losses left out)",
        ),
    ]


def _asset_failures(f: Figures) -> list[tuple[str, str, str]]:
    """RULES.md "Definitions", asset test: each failed condition as (code, zh, en)."""
    params, assets = f.params, f.facts.assets
    failures = []
    savings = sum(
        a.value_fen * a.count for a in assets if a.kind in (AssetKind.DEPOSIT, AssetKind.SECURITIES)
    )
    savings_limit = params.deposit_limit_months * f.standard
    if Fraction(savings, f.n) > savings_limit:
        each, limit = yuan(Fraction(savings, f.n)), yuan(savings_limit)
        failures.append(
            ("DEPOSITS", f"人均存款及有价证券 {each} 元超过 {limit} 元", f"deposits {each} a head > {limit}")
        )
    vehicle = max((a.value_fen for a in assets if a.kind == AssetKind.VEHICLE and a.count > 0), default=0)
    if vehicle > params.vehicle_exempt_value_fen:
        worth, limit = yuan(vehicle), yuan(params.vehicle_exempt_value_fen)
        failures.append(
            ("VEHICLE", f"车辆价值 {worth} 元超过 {limit} 元", f"a vehicle worth {worth} > {limit}")
        )
    houses = sum(a.count for a in assets if a.kind == AssetKind.HOUSE)
    if houses > params.max_houses:
        most = params.max_houses
        failures.append(("HOUSES", f"住房 {houses} 套多于 {most} 套", f"{houses} houses > {most}"))
    business = sum(a.value_fen * a.count for a in assets if a.kind == AssetKind.BUSINESS)
    if business > params.business_value_limit_fen:
        worth, limit = yuan(business), yuan(params.business_value_limit_fen)
        failures.append(
            ("BUSINESS", f"经营性资产 {worth} 元超过 {limit} 元", f"business assets {worth} > {limit}")
        )
    return failures


def _assets(f: Figures) -> tuple[TraceStep, _Verdict | None]:
    """RULES.md "Order of tests" 2: the asset test fails → NOT_ELIGIBLE."""
    failures = _asset_failures(f)
    if not failures:
        return TraceStep(RuleId.ASSETS, True, None, "家庭财产审核通过", "the asset test passes"), None
    step = TraceStep(
        RuleId.ASSETS,
        False,
        ",".join(code for code, _, _ in failures),
        "家庭财产超标，不符合低保条件：" + "；".join(zh for _, zh, _ in failures),
        "the asset test fails, not eligible: " + "; ".join(en for _, _, en in failures),
    )
    return step, _Verdict(EligibilityOutcome.NOT_ELIGIBLE, Fraction(0))


def _dibao(f: Figures) -> tuple[TraceStep, _Verdict | None]:
    """RULES.md "Order of tests" 3: p < S → DIBAO; benefit = (S − p) × n + Σ supplement(m) × S."""
    p, s = yuan(f.per_capita), yuan(f.standard)
    if not f.per_capita < f.standard:
        return _miss(
            RuleId.DIBAO_INCOME,
            f"人均收入 {p} 元不低于低保标准 {s} 元",
            f"p = {p} is not below the standard S = {s}",
        )
    extra = f.supplement_total()
    benefit = (f.standard - f.per_capita) * f.n + extra
    b, e = yuan(benefit), yuan(extra)
    step = TraceStep(
        RuleId.DIBAO_INCOME,
        True,
        b,
        f"人均收入 {p} 元低于低保标准 {s} 元，纳入低保；月补助 = ({s} − {p}) × {f.n} + 分类施保 {e} = {b} 元",
        f"p = {p} is below S = {s}: DIBAO; benefit = ({s} − {p}) × {f.n} + supplements {e} = {b} a month",
    )
    return step, _Verdict(EligibilityOutcome.DIBAO, benefit)


def _expenditure_type(f: Figures) -> tuple[TraceStep, _Verdict | None]:
    """RULES.md "Order of tests" 4: p < expenditure_income_multiple × S and (I − R) / n < S →
    EXPENDITURE_TYPE; p_adj = max(0, (I − R) / n); benefit = (S − p_adj) × n + Σ supplement(m) × S."""
    times = f.params.expenditure_income_multiple
    ceiling = Fraction(times) * f.standard
    after = (f.income - f.expenditure) / f.n
    p, c, a, s = yuan(f.per_capita), yuan(ceiling), yuan(after), yuan(f.standard)
    if not f.per_capita < ceiling:
        return _miss(
            RuleId.EXPENDITURE_TYPE,
            f"人均收入 {p} 元不低于 {multiple(times)} 倍标准 {c} 元",
            f"p = {p} is not below {multiple(times)} × S = {c}",
        )
    if not after < f.standard:
        return _miss(
            RuleId.EXPENDITURE_TYPE,
            f"扣除刚性支出后人均 {a} 元不低于标准 {s} 元",
            f"(I − R) / n = {a} is not below S = {s}",
        )
    adjusted = max(Fraction(0), after)
    extra = f.supplement_total()
    benefit = (f.standard - adjusted) * f.n + extra
    j, b, e = yuan(adjusted), yuan(benefit), yuan(extra)
    step = TraceStep(
        RuleId.EXPENDITURE_TYPE,
        True,
        b,
        f"人均收入 {p} 元低于 {c} 元且扣除刚性支出后人均 {a} 元低于标准，认定支出型困难；"
        f"月补助 = ({s} − {j}) × {f.n} + 分类施保 {e} = {b} 元",
        f"p = {p} < {c} and (I − R) / n = {a} < S: EXPENDITURE_TYPE; "
        f"benefit = ({s} − p_adj {j}) × {f.n} + supplements {e} = {b} a month",
    )
    return step, _Verdict(EligibilityOutcome.EXPENDITURE_TYPE, benefit)


def _single_person(f: Figures) -> tuple[TraceStep, _Verdict | None]:
    """RULES.md "Order of tests" 5: p < single_person_income_multiple × S and some member is
    DISABILITY_SEVERE or CRITICAL_ILLNESS → SINGLE_PERSON for those members; benefit = Σ over them of
    max(0, S × (1 + supplement(m)) − that member's own counted income)."""
    times = f.params.single_person_income_multiple
    ceiling = Fraction(times) * f.standard
    p, c = yuan(f.per_capita), yuan(ceiling)
    if not f.per_capita < ceiling:
        return _miss(
            RuleId.SINGLE_PERSON,
            f"人均收入 {p} 元不低于 {multiple(times)} 倍标准 {c} 元",
            f"p = {p} is not below {multiple(times)} × S = {c}",
        )
    members = tuple(i for i, m in enumerate(f.facts.members) if m.health in _SINGLE_PERSON_HEALTH)
    if not members:
        return _miss(
            RuleId.SINGLE_PERSON, "无重度残疾或重病成员", "no member is severely disabled or critically ill"
        )
    benefit = sum(
        (max(Fraction(0), f.standard * (1 + f.supplements[i]) - f.own_income[i]) for i in members),
        Fraction(0),
    )
    b, who = yuan(benefit), ", ".join(str(i) for i in members)
    step = TraceStep(
        RuleId.SINGLE_PERSON,
        True,
        b,
        f"人均收入 {p} 元低于 {c} 元，成员（序号 {who}）重度残疾或重病，单人纳入低保；月补助 {b} 元",
        f"p = {p} < {c} and member(s) {who} severely disabled or critically ill: SINGLE_PERSON; "
        f"benefit {b} a month",
    )
    return step, _Verdict(EligibilityOutcome.SINGLE_PERSON, benefit, members)


def _marginal(f: Figures) -> tuple[TraceStep, _Verdict | None]:
    """RULES.md "Order of tests" 6 (v2): p < marginal_income_multiple × S → MARGINAL (低保边缘家庭);
    benefit 0. Reached only when the asset test passed (test 2 decides first)."""
    times = f.params.marginal_income_multiple
    ceiling = Fraction(times) * f.standard
    p, c = yuan(f.per_capita), yuan(ceiling)
    if not f.per_capita < ceiling:
        return _miss(
            RuleId.MARGINAL,
            f"人均收入 {p} 元不低于 {multiple(times)} 倍标准 {c} 元，不属低保边缘家庭",
            f"p = {p} is not below {multiple(times)} × S = {c}: not MARGINAL",
        )
    step = TraceStep(
        RuleId.MARGINAL,
        True,
        yuan(0),
        f"人均收入 {p} 元低于 {multiple(times)} 倍标准 {c} 元，认定低保边缘家庭；无补助，不转介",
        f"p = {p} < {multiple(times)} × S = {c}: MARGINAL (低保边缘); no benefit, no referral",
    )
    return step, _Verdict(EligibilityOutcome.MARGINAL, Fraction(0))


def _rigid_expenditure(f: Figures) -> tuple[TraceStep, _Verdict | None]:
    """RULES.md "Order of tests" 7 (v2): p < L and R_year > rigid_expenditure_share × 12 × I →
    RIGID_EXPENDITURE (刚性支出困难家庭); benefit 0. L is `local_disposable_income_monthly`."""
    local = f.params.local_disposable_income_monthly_fen
    share = f.params.rigid_expenditure_share
    limit = Fraction(share) * 12 * f.income
    p, big_l, r, lim = yuan(f.per_capita), yuan(local), yuan(f.rigid_year), yuan(limit)
    if not f.per_capita < local:
        return _miss(
            RuleId.RIGID_EXPENDITURE_TIER,
            f"人均收入 {p} 元不低于上年当地人均可支配收入 L = {big_l} 元，不属刚性支出困难家庭",
            f"p = {p} is not below L = {big_l}: not RIGID_EXPENDITURE",
        )
    if not f.rigid_year > limit:
        return _miss(
            RuleId.RIGID_EXPENDITURE_TIER,
            f"年刚性支出 {r} 元不超过 {multiple(share)} × 12 × I = {lim} 元，不属刚性支出困难家庭",
            f"R_year = {r} does not exceed {multiple(share)} × 12 × I = {lim}: not RIGID_EXPENDITURE",
        )
    step = TraceStep(
        RuleId.RIGID_EXPENDITURE_TIER,
        True,
        yuan(0),
        f"人均收入 {p} 元低于 L = {big_l} 元且年刚性支出 {r} 元超过 {multiple(share)} × 12 × I = {lim} 元，"
        "认定刚性支出困难家庭；无补助，不转介",
        f"p = {p} < L = {big_l} and R_year = {r} > {multiple(share)} × 12 × I = {lim}: "
        "RIGID_EXPENDITURE (刚性支出困难); no benefit, no referral",
    )
    return step, _Verdict(EligibilityOutcome.RIGID_EXPENDITURE, Fraction(0))


def _not_eligible(f: Figures) -> tuple[TraceStep, _Verdict]:
    """RULES.md "Order of tests" 8: otherwise NOT_ELIGIBLE."""
    step = TraceStep(
        RuleId.NOT_ELIGIBLE, False, None, "以上条件均不满足，不符合低保条件", "no test applies: not eligible"
    )
    return step, _Verdict(EligibilityOutcome.NOT_ELIGIBLE, Fraction(0))


def _category_figures(f: Figures) -> list[TraceStep]:
    """RULES.md "Definitions" (v2): Y, q = (Y − R_year) / 12 / n and C_year."""
    monthly = yuan(sum(i.monthly_fen for i in f.facts.incomes if i.kind != IncomeKind.EXEMPT))
    y, r, q = yuan(f.annual_income), yuan(f.rigid_year), yuan(f.category_income)
    medical = yuan(sum(e.annual_fen for e in f.facts.expenditures if e.kind == ExpenditureKind.MEDICAL))
    losses = yuan(sum(e.annual_fen for e in f.facts.expenditures if e.kind == ExpenditureKind.ACCIDENT_LOSS))
    c = yuan(f.hardship_costs)
    return [
        TraceStep(
            RuleId.ANNUAL_INCOME,
            None,
            y,
            f"家庭年可支配收入 Y = 12 × {monthly} = {y} 元（不计豁免收入，不扣除工资）",
            f"annual disposable income Y = 12 × {monthly} = {y} yuan "
            "(exempt income left out, no wage deduction)",
        ),
        TraceStep(
            RuleId.CATEGORY_INCOME,
            None,
            q,
            f"困难认定人均月收入 q = (Y − R_year) / 12 / n = ({y} − {r}) / 12 / {f.n} = {q} 元",
            f"the union's per-capita measure q = (Y − R_year) / 12 / n = ({y} − {r}) / 12 / {f.n} = {q} yuan",
        ),
        TraceStep(
            RuleId.HARDSHIP_COSTS,
            None,
            c,
            f"年致困费用 C_year = 医疗 {medical} + 意外损失 {losses} = {c} 元",
            f"the year's hardship costs C_year = medical {medical} + accident losses {losses} = {c} yuan",
        ),
    ]


def _exclusions(f: Figures) -> tuple[TraceStep, bool]:
    """RULES.md "The union's classification" 1 (v2): any `exclusions` → none; the trace names them."""
    if not f.facts.exclusions:
        return TraceStep(RuleId.CATEGORY_EXCLUSIONS, True, None, "无排除情形", "no exclusion"), False
    names = ",".join(sorted(str(e) for e in f.facts.exclusions))
    step = TraceStep(
        RuleId.CATEGORY_EXCLUSIONS,
        False,
        names,
        f"存在排除情形（{names}），不认定困难类别",
        f"excluded ({names}): no category",
    )
    return step, True


def _deep(f: Figures) -> tuple[TraceStep, HardshipCategory | None]:
    """RULES.md "The union's classification" 2 (v2): q < S → DEEP (深度困难)."""
    q, s = yuan(f.category_income), yuan(f.standard)
    if not f.category_income < f.standard:
        return TraceStep(
            RuleId.CATEGORY_DEEP, False, None, f"q = {q} 元不低于标准 {s} 元", f"q = {q} is not below S = {s}"
        ), None
    step = TraceStep(
        RuleId.CATEGORY_DEEP,
        True,
        str(HardshipCategory.DEEP),
        f"q = {q} 元低于标准 {s} 元：深度困难",
        f"q = {q} < S = {s}: DEEP",
    )
    return step, HardshipCategory.DEEP


def _relative(f: Figures) -> tuple[TraceStep, HardshipCategory | None]:
    """RULES.md "The union's classification" 3 (v2): q < relative_hardship_multiple × S → RELATIVE."""
    times = f.params.relative_hardship_multiple
    ceiling = Fraction(times) * f.standard
    q, c, m = yuan(f.category_income), yuan(ceiling), multiple(times)
    if not f.category_income < ceiling:
        return TraceStep(
            RuleId.CATEGORY_RELATIVE,
            False,
            None,
            f"q = {q} 元不低于 {m} 倍标准 {c} 元",
            f"q = {q} is not below {m} × S = {c}",
        ), None
    step = TraceStep(
        RuleId.CATEGORY_RELATIVE,
        True,
        str(HardshipCategory.RELATIVE),
        f"q = {q} 元低于 {m} 倍标准 {c} 元：相对困难",
        f"q = {q} < {m} × S = {c}: RELATIVE",
    )
    return step, HardshipCategory.RELATIVE


def _accident(f: Figures) -> tuple[TraceStep, HardshipCategory | None]:
    """RULES.md "The union's classification" 4 (v2): `major_event_casualty` or
    C_year > accident_cost_share × Y → ACCIDENT (意外致困)."""
    share = f.params.accident_cost_share
    limit = Fraction(share) * f.annual_income
    c, lim, m = yuan(f.hardship_costs), yuan(limit), multiple(share)
    if f.facts.major_event_casualty:
        step = TraceStep(
            RuleId.CATEGORY_ACCIDENT,
            True,
            str(HardshipCategory.ACCIDENT),
            "家庭成员在重大事件中伤亡：意外致困",
            "a member is a casualty of a major event: ACCIDENT",
        )
        return step, HardshipCategory.ACCIDENT
    if f.hardship_costs > limit:
        step = TraceStep(
            RuleId.CATEGORY_ACCIDENT,
            True,
            str(HardshipCategory.ACCIDENT),
            f"年致困费用 {c} 元超过年收入的 {m}（{lim} 元）：意外致困",
            f"C_year = {c} > {m} × Y = {lim}: ACCIDENT",
        )
        return step, HardshipCategory.ACCIDENT
    step = TraceStep(
        RuleId.CATEGORY_ACCIDENT,
        False,
        None,
        f"无重大事件伤亡，年致困费用 {c} 元不超过年收入的 {m}（{lim} 元）",
        f"no major-event casualty and C_year = {c} does not exceed {m} × Y = {lim}",
    )
    return step, None


def _category(f: Figures) -> tuple[list[TraceStep], HardshipCategory | None]:
    """RULES.md "The union's classification" (v2): the first step that applies decides; computed whatever
    the outcome and the asset test say. Returns the steps, ending with SUGGESTED_CATEGORY."""
    steps = _category_figures(f)
    excluded_step, excluded = _exclusions(f)
    steps.append(excluded_step)
    category: HardshipCategory | None = None
    if not excluded:
        for rule in (_deep, _relative, _accident):
            step, category = rule(f)
            steps.append(step)
            if category is not None:
                break
    q = yuan(f.category_income)
    if category is not None:
        names = {
            HardshipCategory.DEEP: "深度困难",
            HardshipCategory.RELATIVE: "相对困难",
            HardshipCategory.ACCIDENT: "意外致困",
        }
        zh = f"建议困难类别：{names[category]}（q = {q} 元）"
        en = f"suggested category: {category} (q = {q})"
    elif excluded:
        zh, en = f"因排除情形不建议困难类别（q = {q} 元）", f"no category: excluded (q = {q})"
    else:
        zh, en = f"不建议困难类别（q = {q} 元）", f"no category (q = {q})"
    value = None if category is None else str(category)
    steps.append(TraceStep(RuleId.SUGGESTED_CATEGORY, None, value, zh, en))
    return steps, category


_RULES: tuple[_Rule, ...] = (
    _assets,
    _dibao,
    _expenditure_type,
    _single_person,
    _marginal,
    _rigid_expenditure,
)


def decide(facts: HouseholdFacts, params: DibaoParameters, as_of: date) -> Decision:
    """Decide one household under one policy on `as_of`: the outcome (RULES.md "Order of tests") and
    the union's classification (RULES.md "The union's classification", v2), with the trace of both."""
    members = _members(len(facts.members))
    if not members.passed:
        return Decision(
            EligibilityOutcome.INSUFFICIENT_DATA, 0, 0, params.standard_monthly_fen, 0, None, (members,)
        )
    f = figures(facts, params, as_of)
    steps = [members, *_computed(f)]
    verdict: _Verdict | None = None
    for rule in _RULES:
        step, verdict = rule(f)
        steps.append(step)
        if verdict is not None:
            break
    if verdict is None:
        step, verdict = _not_eligible(f)
        steps.append(step)
    category_steps, category = _category(f)
    return Decision(
        outcome=verdict.outcome,
        per_capita_income_fen=round_half_up(f.per_capita),
        counted_income_fen=round_half_up(f.income),
        standard_fen=f.standard,
        monthly_benefit_fen=max(0, round_half_up(verdict.benefit)),
        suggested_category=category,
        trace=(*steps, *category_steps),
        single_person_members=verdict.members,
        category_income_fen=round_half_up(f.category_income),
    )
