"""The minimum-living-allowance decision, RULES.md "Order of tests": the first test that applies decides.

Pure: no I/O and no clock, the evaluation date is an argument. Amounts are fen; every figure is an exact
`Fraction` (p = I / n may be a fraction of a fen) and is rounded half-up only when reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from lianxin.eligibility.facts import Figures, HouseholdFacts, figures
from lianxin.eligibility.params import DibaoParameters
from lianxin.eligibility.trace import RuleId, TraceStep, multiple, round_half_up, yuan
from lianxin.household.enums import AssetKind, EligibilityOutcome, HardshipCategory, Health

_SINGLE_PERSON_HEALTH = frozenset({Health.DISABILITY_SEVERE, Health.CRITICAL_ILLNESS})


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: EligibilityOutcome
    per_capita_income_fen: int
    counted_income_fen: int
    standard_fen: int
    monthly_benefit_fen: int
    suggested_category: HardshipCategory | None
    trace: tuple[TraceStep, ...]
    single_person_members: tuple[int, ...] = ()  # indices into HouseholdFacts.members


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
    """RULES.md "Definitions": the figures I, p and R."""
    i, p, r = yuan(f.income), yuan(f.per_capita), yuan(f.expenditure)
    cut = yuan(f.wage_deductions)
    spent = yuan(sum(e.annual_fen for e in f.facts.expenditures))
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
            f"刚性支出 R = {spent} / 12 = {r} 元/月",
            f"rigid expenditure R = {spent} / 12 = {r} yuan a month",
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


def _not_eligible(f: Figures) -> tuple[TraceStep, _Verdict]:
    """RULES.md "Order of tests" 6: otherwise NOT_ELIGIBLE."""
    step = TraceStep(
        RuleId.NOT_ELIGIBLE, False, None, "以上条件均不满足，不符合低保条件", "no test applies: not eligible"
    )
    return step, _Verdict(EligibilityOutcome.NOT_ELIGIBLE, Fraction(0))


def _category(f: Figures) -> tuple[TraceStep, HardshipCategory | None]:
    """RULES.md "suggestedCategory": DEEP when p < S, RELATIVE when p < relative_hardship_multiple × S.
    It reads p only, so a household refused on assets may still be suggested a category."""
    times = f.params.relative_hardship_multiple
    ceiling = Fraction(times) * f.standard
    p, s, c = yuan(f.per_capita), yuan(f.standard), yuan(ceiling)
    category: HardshipCategory | None = None
    zh, en = f"人均收入 {p} 元不低于 {c} 元：不建议困难类别", f"p = {p} ≥ {c}: no category"
    if f.per_capita < f.standard:
        category = HardshipCategory.DEEP
        zh, en = f"人均收入 {p} 元低于标准 {s} 元：建议深度困难", f"p = {p} < S = {s}: DEEP"
    elif f.per_capita < ceiling:
        category = HardshipCategory.RELATIVE
        zh = f"人均收入 {p} 元低于 {multiple(times)} 倍标准 {c} 元：建议相对困难"
        en = f"p = {p} < {multiple(times)} × S = {c}: RELATIVE"
    value = None if category is None else str(category)
    return TraceStep(RuleId.SUGGESTED_CATEGORY, None, value, zh, en), category


_RULES: tuple[_Rule, ...] = (_assets, _dibao, _expenditure_type, _single_person)


def decide(facts: HouseholdFacts, params: DibaoParameters, as_of: date) -> Decision:
    """Decide one household under one policy on `as_of` (RULES.md "Order of tests")."""
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
    category_step, category = _category(f)
    return Decision(
        outcome=verdict.outcome,
        per_capita_income_fen=round_half_up(f.per_capita),
        counted_income_fen=round_half_up(f.income),
        standard_fen=f.standard,
        monthly_benefit_fen=max(0, round_half_up(verdict.benefit)),
        suggested_category=category,
        trace=(*steps, category_step),
        single_person_members=verdict.members,
    )
