"""Render a decision's structured figures (what the vectorised path stores as `trace`) into the trace
steps the exact engine writes, in zh and en, on read.

The exact engine (`rules.decide`) builds its trace as it decides; a run decided column-wise stores
only the figures and which way each test went (`vector.figures_json`) — a tenth of the bytes — and this
module replays RULES.md's order of tests on them with the engine's own sentences. For any household both
give the same list of steps (tests/unit/eligibility/test_vector_properties.py checks every generated
household), so a reader cannot tell which path decided.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from lianxin.eligibility import vector as v
from lianxin.eligibility.params import fen_to_yuan_text
from lianxin.eligibility.rules import Decision
from lianxin.eligibility.trace import RuleId, TraceStep, yuan

Step = dict[str, Any]


def step_json(step: TraceStep) -> Step:
    return {
        "rule": step.rule,
        "passed": step.passed,
        "value": step.value,
        "explanation": step.explanation,
        "explanationZh": step.explanation_zh,
        "explanationEn": step.explanation_en,
    }


def trace_json(decision: Decision) -> list[Step]:
    """The exact engine's trace as stored (a list of steps)."""
    return [step_json(s) for s in decision.trace]


def stored_trace(trace: Any) -> list[Step]:
    """A stored `trace` as steps: the exact engine's list as it is, structured figures rendered."""
    if isinstance(trace, dict):
        return [step_json(s) for s in render(trace)]
    steps: list[Step] = trace
    return steps


def _y(value: Any) -> str:
    """A stored figure as the engine's yuan text: [fen] marks a figure that is not a whole fen."""
    if isinstance(value, list):
        return "≈" + fen_to_yuan_text(value[0])
    return fen_to_yuan_text(value)


def _ceiling(times: str, standard: int) -> str:
    return yuan(Fraction(Decimal(times)) * standard)


def _step(rule: RuleId, passed: bool | None, value: str | None, zh: str, en: str) -> TraceStep:
    return TraceStep(rule, passed, value, zh, en)


def render(f: dict[str, Any]) -> list[TraceStep]:
    """The trace steps of stored structured figures (see `vector.figures_json`)."""
    n = f["n"]
    if n == 0:
        return [
            _step(
                RuleId.MEMBERS,
                False,
                "0",
                "家庭无成员，资料不足",
                "the household has no members: insufficient data",
            )
        ]
    i, p, r, cut, spent = _y(f["I"]), _y(f["p"]), _y(f["R"]), _y(f["cut"]), fen_to_yuan_text(f["ry"])
    steps = [
        _step(RuleId.MEMBERS, True, str(n), f"家庭成员 {n} 人", f"{n} household member(s)"),
        _step(
            RuleId.COUNTED_INCOME,
            None,
            i,
            f"计入月收入 I = {i} 元（不计豁免收入，已扣除工资 {cut} 元）",
            f"counted monthly income I = {i} yuan (exempt income left out, {cut} of wages deducted)",
        ),
        _step(
            RuleId.PER_CAPITA_INCOME,
            None,
            p,
            f"人均月收入 p = I / n = {i} / {n} = {p} 元",
            f"per-capita monthly income p = I / n = {i} / {n} = {p} yuan",
        ),
        _step(
            RuleId.RIGID_EXPENDITURE,
            None,
            r,
            f"刚性支出 R = R_year / 12 = {spent} / 12 = {r} 元/月（医疗、教育、其他刚性支出；意外损失不计）",
            f"rigid expenditure R = R_year / 12 = {spent} / 12 = {r} yuan a month "
            "(medical, education, other rigid; accident losses left out)",
        ),
    ]
    steps.extend(_outcome_steps(f))
    steps.extend(_category_steps(f))
    return steps


def _assets(f: dict[str, Any]) -> TraceStep:
    fl, S = f["fl"], f["S"]
    failures = []
    if fl & v.F_DEPOSITS:
        each, limit = _y(f["sav"]), fen_to_yuan_text(f["dm"] * S)
        failures.append(
            ("DEPOSITS", f"人均存款及有价证券 {each} 元超过 {limit} 元", f"deposits {each} a head > {limit}")
        )
    if fl & v.F_VEHICLE:
        worth, limit = fen_to_yuan_text(f["veh"]), fen_to_yuan_text(f["ve"])
        failures.append(
            ("VEHICLE", f"车辆价值 {worth} 元超过 {limit} 元", f"a vehicle worth {worth} > {limit}")
        )
    if fl & v.F_HOUSES:
        houses, most = f["hou"], f["mh"]
        failures.append(("HOUSES", f"住房 {houses} 套多于 {most} 套", f"{houses} houses > {most}"))
    if fl & v.F_BUSINESS:
        worth, limit = fen_to_yuan_text(f["bus"]), fen_to_yuan_text(f["bl"])
        failures.append(
            ("BUSINESS", f"经营性资产 {worth} 元超过 {limit} 元", f"business assets {worth} > {limit}")
        )
    if not failures:
        return _step(RuleId.ASSETS, True, None, "家庭财产审核通过", "the asset test passes")
    return _step(
        RuleId.ASSETS,
        False,
        ",".join(code for code, _, _ in failures),
        "家庭财产超标，不符合低保条件：" + "；".join(zh for _, zh, _ in failures),
        "the asset test fails, not eligible: " + "; ".join(en for _, _, en in failures),
    )


def _outcome_steps(f: dict[str, Any]) -> list[TraceStep]:
    fl, S, n = f["fl"], f["S"], f["n"]
    p, s = _y(f["p"]), fen_to_yuan_text(S)
    steps = [_assets(f)]
    if fl & v.F_ASSETS:
        return steps
    b, e = _y(f["ben"]), _y(f["ext"])
    if fl & v.F_DIBAO:
        steps.append(
            _step(
                RuleId.DIBAO_INCOME,
                True,
                b,
                f"人均收入 {p} 元低于低保标准 {s} 元，纳入低保；"
                f"月补助 = ({s} − {p}) × {n} + 分类施保 {e} = {b} 元",
                f"p = {p} is below S = {s}: DIBAO; "
                f"benefit = ({s} − {p}) × {n} + supplements {e} = {b} a month",
            )
        )
        return steps
    steps.append(
        _step(
            RuleId.DIBAO_INCOME,
            False,
            None,
            f"人均收入 {p} 元不低于低保标准 {s} 元",
            f"p = {p} is not below the standard S = {s}",
        )
    )
    times, c, a = f["xm"], _ceiling(f["xm"], S), _y(f["aft"])
    if not fl & v.F_EXP_INCOME:
        steps.append(
            _step(
                RuleId.EXPENDITURE_TYPE,
                False,
                None,
                f"人均收入 {p} 元不低于 {times} 倍标准 {c} 元",
                f"p = {p} is not below {times} × S = {c}",
            )
        )
    elif not fl & v.F_EXP_AFTER:
        steps.append(
            _step(
                RuleId.EXPENDITURE_TYPE,
                False,
                None,
                f"扣除刚性支出后人均 {a} 元不低于标准 {s} 元",
                f"(I − R) / n = {a} is not below S = {s}",
            )
        )
    else:
        j = _y(f["adj"])
        steps.append(
            _step(
                RuleId.EXPENDITURE_TYPE,
                True,
                b,
                f"人均收入 {p} 元低于 {c} 元且扣除刚性支出后人均 {a} 元低于标准，认定支出型困难；"
                f"月补助 = ({s} − {j}) × {n} + 分类施保 {e} = {b} 元",
                f"p = {p} < {c} and (I − R) / n = {a} < S: EXPENDITURE_TYPE; "
                f"benefit = ({s} − p_adj {j}) × {n} + supplements {e} = {b} a month",
            )
        )
        return steps
    times, c = f["sm"], _ceiling(f["sm"], S)
    if not fl & v.F_SP_INCOME:
        steps.append(
            _step(
                RuleId.SINGLE_PERSON,
                False,
                None,
                f"人均收入 {p} 元不低于 {times} 倍标准 {c} 元",
                f"p = {p} is not below {times} × S = {c}",
            )
        )
    elif not fl & v.F_SP_MEMBERS:
        steps.append(
            _step(
                RuleId.SINGLE_PERSON,
                False,
                None,
                "无重度残疾或重病成员",
                "no member is severely disabled or critically ill",
            )
        )
    else:
        who = ", ".join(str(i) for i in v.member_indices(f["spm"]))
        steps.append(
            _step(
                RuleId.SINGLE_PERSON,
                True,
                b,
                f"人均收入 {p} 元低于 {c} 元，成员（序号 {who}）重度残疾或重病，单人纳入低保；月补助 {b} 元",
                f"p = {p} < {c} and member(s) {who} severely disabled or critically ill: SINGLE_PERSON; "
                f"benefit {b} a month",
            )
        )
        return steps
    times, c = f["mm"], _ceiling(f["mm"], S)
    if not fl & v.F_MARGINAL:
        steps.append(
            _step(
                RuleId.MARGINAL,
                False,
                None,
                f"人均收入 {p} 元不低于 {times} 倍标准 {c} 元，不属低保边缘家庭",
                f"p = {p} is not below {times} × S = {c}: not MARGINAL",
            )
        )
    else:
        steps.append(
            _step(
                RuleId.MARGINAL,
                True,
                "0.00",
                f"人均收入 {p} 元低于 {times} 倍标准 {c} 元，认定低保边缘家庭；无补助，不转介",
                f"p = {p} < {times} × S = {c}: MARGINAL (低保边缘); no benefit, no referral",
            )
        )
        return steps
    share, big_l, r, lim = f["rs"], fen_to_yuan_text(f["L"]), fen_to_yuan_text(f["ry"]), _y(f["rlim"])
    if not fl & v.F_RIGID_INCOME:
        steps.append(
            _step(
                RuleId.RIGID_EXPENDITURE_TIER,
                False,
                None,
                f"人均收入 {p} 元不低于上年当地人均可支配收入 L = {big_l} 元，不属刚性支出困难家庭",
                f"p = {p} is not below L = {big_l}: not RIGID_EXPENDITURE",
            )
        )
    elif not fl & v.F_RIGID_SPENT:
        steps.append(
            _step(
                RuleId.RIGID_EXPENDITURE_TIER,
                False,
                None,
                f"年刚性支出 {r} 元不超过 {share} × 12 × I = {lim} 元，不属刚性支出困难家庭",
                f"R_year = {r} does not exceed {share} × 12 × I = {lim}: not RIGID_EXPENDITURE",
            )
        )
    else:
        steps.append(
            _step(
                RuleId.RIGID_EXPENDITURE_TIER,
                True,
                "0.00",
                f"人均收入 {p} 元低于 L = {big_l} 元且年刚性支出 {r} 元超过 {share} × 12 × I = {lim} 元，"
                "认定刚性支出困难家庭；无补助，不转介",
                f"p = {p} < L = {big_l} and R_year = {r} > {share} × 12 × I = {lim}: "
                "RIGID_EXPENDITURE (刚性支出困难); no benefit, no referral",
            )
        )
        return steps
    steps.append(
        _step(
            RuleId.NOT_ELIGIBLE,
            False,
            None,
            "以上条件均不满足，不符合低保条件",
            "no test applies: not eligible",
        )
    )
    return steps


_CATEGORY_ZH = {"DEEP": "深度困难", "RELATIVE": "相对困难", "ACCIDENT": "意外致困"}


def _category_steps(f: dict[str, Any]) -> list[TraceStep]:
    fl, S, n = f["fl"], f["S"], f["n"]
    monthly, y = fen_to_yuan_text(f["T"]), fen_to_yuan_text(12 * f["T"])
    r, q = fen_to_yuan_text(f["ry"]), _y(f["q"])
    medical, losses, c = (
        fen_to_yuan_text(f["med"]),
        fen_to_yuan_text(f["los"]),
        fen_to_yuan_text(f["med"] + f["los"]),
    )
    steps = [
        _step(
            RuleId.ANNUAL_INCOME,
            None,
            y,
            f"家庭年可支配收入 Y = 12 × {monthly} = {y} 元（不计豁免收入，不扣除工资）",
            f"annual disposable income Y = 12 × {monthly} = {y} yuan "
            "(exempt income left out, no wage deduction)",
        ),
        _step(
            RuleId.CATEGORY_INCOME,
            None,
            q,
            f"困难认定人均月收入 q = (Y − R_year) / 12 / n = ({y} − {r}) / 12 / {n} = {q} 元",
            f"the union's per-capita measure q = (Y − R_year) / 12 / n = ({y} − {r}) / 12 / {n} = {q} yuan",
        ),
        _step(
            RuleId.HARDSHIP_COSTS,
            None,
            c,
            f"年致困费用 C_year = 医疗 {medical} + 意外损失 {losses} = {c} 元",
            f"the year's hardship costs C_year = medical {medical} + accident losses {losses} = {c} yuan",
        ),
    ]
    category: str | None = None
    excluded = f["exc"] != 0
    if excluded:
        names = ",".join(str(e) for i, e in enumerate(v.EXCLUSIONS) if f["exc"] >> i & 1)
        steps.append(
            _step(
                RuleId.CATEGORY_EXCLUSIONS,
                False,
                names,
                f"存在排除情形（{names}），不认定困难类别",
                f"excluded ({names}): no category",
            )
        )
    else:
        steps.append(_step(RuleId.CATEGORY_EXCLUSIONS, True, None, "无排除情形", "no exclusion"))
        s = fen_to_yuan_text(S)
        if fl & v.F_DEEP:
            category = "DEEP"
            steps.append(
                _step(
                    RuleId.CATEGORY_DEEP,
                    True,
                    "DEEP",
                    f"q = {q} 元低于标准 {s} 元：深度困难",
                    f"q = {q} < S = {s}: DEEP",
                )
            )
        else:
            steps.append(
                _step(
                    RuleId.CATEGORY_DEEP,
                    False,
                    None,
                    f"q = {q} 元不低于标准 {s} 元",
                    f"q = {q} is not below S = {s}",
                )
            )
            m, ceil = f["rm"], _ceiling(f["rm"], S)
            if fl & v.F_RELATIVE:
                category = "RELATIVE"
                steps.append(
                    _step(
                        RuleId.CATEGORY_RELATIVE,
                        True,
                        "RELATIVE",
                        f"q = {q} 元低于 {m} 倍标准 {ceil} 元：相对困难",
                        f"q = {q} < {m} × S = {ceil}: RELATIVE",
                    )
                )
            else:
                steps.append(
                    _step(
                        RuleId.CATEGORY_RELATIVE,
                        False,
                        None,
                        f"q = {q} 元不低于 {m} 倍标准 {ceil} 元",
                        f"q = {q} is not below {m} × S = {ceil}",
                    )
                )
                category = _accident(f, steps, c)
    if category is not None:
        zh = f"建议困难类别：{_CATEGORY_ZH[category]}（q = {q} 元）"
        en = f"suggested category: {category} (q = {q})"
    elif excluded:
        zh, en = f"因排除情形不建议困难类别（q = {q} 元）", f"no category: excluded (q = {q})"
    else:
        zh, en = f"不建议困难类别（q = {q} 元）", f"no category (q = {q})"
    steps.append(_step(RuleId.SUGGESTED_CATEGORY, None, category, zh, en))
    return steps


def _accident(f: dict[str, Any], steps: list[TraceStep], c: str) -> str | None:
    fl, m, lim = f["fl"], f["as"], _y(f["alim"])
    if fl & v.F_CASUALTY:
        steps.append(
            _step(
                RuleId.CATEGORY_ACCIDENT,
                True,
                "ACCIDENT",
                "家庭成员在重大事件中伤亡：意外致困",
                "a member is a casualty of a major event: ACCIDENT",
            )
        )
        return "ACCIDENT"
    if fl & v.F_COSTS:
        steps.append(
            _step(
                RuleId.CATEGORY_ACCIDENT,
                True,
                "ACCIDENT",
                f"年致困费用 {c} 元超过年收入的 {m}（{lim} 元）：意外致困",
                f"C_year = {c} > {m} × Y = {lim}: ACCIDENT",
            )
        )
        return "ACCIDENT"
    steps.append(
        _step(
            RuleId.CATEGORY_ACCIDENT,
            False,
            None,
            f"无重大事件伤亡，年致困费用 {c} 元不超过年收入的 {m}（{lim} 元）",
            f"no major-event casualty and C_year = {c} does not exceed {m} × Y = {lim}",
        )
    )
    return None
