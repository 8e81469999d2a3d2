"""Policy parameters of the minimum-living-allowance rules (RULES.md "Policy parameters").

A policy publishes them as JSON with decimals as strings; `parse_parameters` is the only way in and
rejects anything unknown or malformed, listing every problem at once.

The v2 keys (`V2_DEFAULTS`: accident_cost_share, marginal_income_multiple,
local_disposable_income_monthly, rigid_expenditure_share) may be left out: a policy published without
them, and every stored v1 policy version, reads their documented default. When present they are
validated like every other key: `accident_cost_share`, `rigid_expenditure_share` and
`marginal_income_multiple` are decimal strings between 0 and 100 (a share above 1 asks for costs above
the income), `local_disposable_income_monthly` is money like `standard_monthly` (yuan, at most two
decimal places, 0 to 100 000 000). `parameters_to_json` always writes them, so a policy published
after v2 stores the values it is decided with.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class SupplementCategory(StrEnum):
    ELDERLY = "ELDERLY"
    MINOR = "MINOR"
    DISABILITY_SEVERE = "DISABILITY_SEVERE"
    CRITICAL_ILLNESS = "CRITICAL_ILLNESS"


class IssueCode(StrEnum):
    MISSING = "MISSING"
    UNKNOWN_KEY = "UNKNOWN_KEY"
    INVALID_TYPE = "INVALID_TYPE"
    INVALID_DECIMAL = "INVALID_DECIMAL"
    INVALID_INTEGER = "INVALID_INTEGER"
    OUT_OF_RANGE = "OUT_OF_RANGE"


@dataclass(frozen=True, slots=True)
class ParameterIssue:
    field: list[str]
    code: IssueCode
    message: str


class ParameterError(ValueError):
    def __init__(self, errors: list[ParameterIssue]) -> None:
        super().__init__("; ".join(f"{'.'.join(e.field)}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class DibaoParameters:
    """One policy's parameters: money in integer fen, rates and multiples as exact decimals."""

    standard_monthly_fen: int
    wage_deduction_rate: Decimal
    wage_deduction_cap_monthly_fen: int
    deposit_limit_months: int
    vehicle_exempt_value_fen: int
    max_houses: int
    business_value_limit_fen: int
    expenditure_income_multiple: Decimal
    single_person_income_multiple: Decimal
    relative_hardship_multiple: Decimal
    elderly_age: int
    # A category a policy leaves out has no supplement; read-only, and left out of the hash.
    supplements: Mapping[SupplementCategory, Decimal] = dataclasses.field(hash=False)
    # RULES.md v2 keys; the defaults are the documented ones (`V2_DEFAULTS`).
    accident_cost_share: Decimal = Decimal("0.80")
    marginal_income_multiple: Decimal = Decimal("1.5")
    local_disposable_income_monthly_fen: int = 400_000  # L, fen per person per month
    rigid_expenditure_share: Decimal = Decimal("1.0")

    def supplement(self, category: SupplementCategory) -> Decimal:
        return self.supplements.get(category, Decimal(0))


DEMO_PARAMETERS: Final[Mapping[str, object]] = {
    "standard_monthly": "850.00",
    "wage_deduction_rate": "0.20",
    "wage_deduction_cap_monthly": "200.00",
    "deposit_limit_months": 24,
    "vehicle_exempt_value": "30000.00",
    "max_houses": 1,
    "business_value_limit": "50000.00",
    "expenditure_income_multiple": "2.0",
    "single_person_income_multiple": "1.5",
    "relative_hardship_multiple": "2.0",
    "elderly_age": 60,
    "supplements": {
        "ELDERLY": "0.10",
        "MINOR": "0.10",
        "DISABILITY_SEVERE": "0.30",
        "CRITICAL_ILLNESS": "0.30",
    },
    "accident_cost_share": "0.80",
    "marginal_income_multiple": "1.5",
    "local_disposable_income_monthly": "4000.00",
    "rigid_expenditure_share": "1.0",
}

# RULES.md "v2 keys": the value a policy published without the key uses (demo value = default).
V2_DEFAULTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "accident_cost_share": "0.80",
        "marginal_income_multiple": "1.5",
        "local_disposable_income_monthly": "4000.00",
        "rigid_expenditure_share": "1.0",
    }
)

_KEYS: Final = (
    "standard_monthly",
    "wage_deduction_rate",
    "wage_deduction_cap_monthly",
    "deposit_limit_months",
    "vehicle_exempt_value",
    "max_houses",
    "business_value_limit",
    "expenditure_income_multiple",
    "single_person_income_multiple",
    "relative_hardship_multiple",
    "elderly_age",
    "supplements",
    *V2_DEFAULTS,
)
_DECIMAL_TEXT: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_MAX_TEXT: Final = 32
_MAX_MONEY: Final = Decimal("100000000.00")  # yuan; far above any real figure, far below bigint fen
_MAX_MULTIPLE: Final = Decimal(100)
_ABSENT: Final = object()  # a missing key, unlike JSON null, which is a malformed value


class _Reader:
    """Reads one field at a time, recording issues and returning a placeholder for a bad value."""

    def __init__(self, raw: Mapping[str, object]) -> None:
        self.raw = raw
        self.issues: list[ParameterIssue] = []

    def _fail(self, path: list[str], code: IssueCode, message: str) -> None:
        self.issues.append(ParameterIssue(field=["parameters", *path], code=code, message=message))

    def _get(self, key: str) -> object:
        if key not in self.raw:
            if key in V2_DEFAULTS:  # RULES.md: a policy published without a v2 key uses its default
                return V2_DEFAULTS[key]
            self._fail([key], IssueCode.MISSING, "is required")
            return _ABSENT
        return self.raw[key]

    def _decimal(self, path: list[str], value: object, low: Decimal, high: Decimal) -> Decimal | None:
        if not isinstance(value, str) or len(value) > _MAX_TEXT or not _DECIMAL_TEXT.fullmatch(value):
            self._fail(
                path, IssueCode.INVALID_DECIMAL, 'must be a decimal written as a string, such as "850.00"'
            )
            return None
        number = Decimal(value)
        if not low <= number <= high:
            self._fail(path, IssueCode.OUT_OF_RANGE, f"must be between {low} and {high}")
            return None
        return number

    def money(self, key: str, *, positive: bool = False) -> int:
        """Yuan with at most two decimal places, returned in fen."""
        value = self._get(key)
        if value is _ABSENT:
            return 0
        low = Decimal("0.01") if positive else Decimal(0)
        number = self._decimal([key], value, low, _MAX_MONEY)
        if number is None:
            return 0
        if -int(number.as_tuple().exponent) > 2:
            self._fail([key], IssueCode.INVALID_DECIMAL, "must have at most 2 decimal places (fen)")
            return 0
        return int(number * 100)

    def share(self, path: list[str], value: object, high: Decimal = Decimal(1)) -> Decimal:
        return self._decimal(path, value, Decimal(0), high) or Decimal(0)

    def rate(self, key: str) -> Decimal:
        value = self._get(key)
        return Decimal(0) if value is _ABSENT else self.share([key], value)

    def multiple(self, key: str) -> Decimal:
        value = self._get(key)
        return Decimal(0) if value is _ABSENT else self.share([key], value, _MAX_MULTIPLE)

    def integer(self, key: str, high: int) -> int:
        value = self._get(key)
        if value is _ABSENT:
            return 0
        # bool is an int subclass; JSON true is not a number of months.
        if not isinstance(value, int) or isinstance(value, bool):
            self._fail([key], IssueCode.INVALID_INTEGER, "must be a whole number, such as 24")
            return 0
        if not 0 <= value <= high:
            self._fail([key], IssueCode.OUT_OF_RANGE, f"must be between 0 and {high}")
            return 0
        return value

    def supplements(self, key: str) -> Mapping[SupplementCategory, Decimal]:
        value = self._get(key)
        if value is _ABSENT:
            return MappingProxyType({})
        if not isinstance(value, Mapping):
            self._fail(
                [key], IssueCode.INVALID_TYPE, "must be an object of category to share of the standard"
            )
            return MappingProxyType({})
        shares: dict[SupplementCategory, Decimal] = {}
        for name, share in value.items():
            if name not in SupplementCategory.__members__:
                known = ", ".join(SupplementCategory)
                self._fail([key, str(name)], IssueCode.UNKNOWN_KEY, f"is not a supplement category ({known})")
                continue
            shares[SupplementCategory(name)] = self.share([key, name], share)
        return MappingProxyType(shares)

    def reject_unknown_keys(self) -> None:
        for key in sorted(str(k) for k in self.raw if k not in _KEYS):
            self._fail([key], IssueCode.UNKNOWN_KEY, "is not a policy parameter")


def parse_parameters(raw: Mapping[str, object]) -> DibaoParameters:
    """Validate a policy's published parameters; raise `ParameterError` listing every issue."""
    if not isinstance(raw, Mapping):
        issue = ParameterIssue(["parameters"], IssueCode.INVALID_TYPE, "must be an object")
        raise ParameterError([issue])
    read = _Reader(raw)
    parameters = DibaoParameters(
        standard_monthly_fen=read.money("standard_monthly", positive=True),
        wage_deduction_rate=read.rate("wage_deduction_rate"),
        wage_deduction_cap_monthly_fen=read.money("wage_deduction_cap_monthly"),
        deposit_limit_months=read.integer("deposit_limit_months", high=1200),
        vehicle_exempt_value_fen=read.money("vehicle_exempt_value"),
        max_houses=read.integer("max_houses", high=1000),
        business_value_limit_fen=read.money("business_value_limit"),
        expenditure_income_multiple=read.multiple("expenditure_income_multiple"),
        single_person_income_multiple=read.multiple("single_person_income_multiple"),
        relative_hardship_multiple=read.multiple("relative_hardship_multiple"),
        elderly_age=read.integer("elderly_age", high=150),
        supplements=read.supplements("supplements"),
        accident_cost_share=read.multiple("accident_cost_share"),
        marginal_income_multiple=read.multiple("marginal_income_multiple"),
        local_disposable_income_monthly_fen=read.money("local_disposable_income_monthly"),
        rigid_expenditure_share=read.multiple("rigid_expenditure_share"),
    )
    read.reject_unknown_keys()
    if read.issues:
        raise ParameterError(read.issues)
    return parameters


def fen_to_yuan_text(fen: int) -> str:
    """1260 fen → "12.60"; the published form of money."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def parameters_to_json(p: DibaoParameters) -> dict[str, object]:
    """The JSON a policy stores: money with two decimal places, rates and multiples as published."""
    return {
        "standard_monthly": fen_to_yuan_text(p.standard_monthly_fen),
        "wage_deduction_rate": format(p.wage_deduction_rate, "f"),
        "wage_deduction_cap_monthly": fen_to_yuan_text(p.wage_deduction_cap_monthly_fen),
        "deposit_limit_months": p.deposit_limit_months,
        "vehicle_exempt_value": fen_to_yuan_text(p.vehicle_exempt_value_fen),
        "max_houses": p.max_houses,
        "business_value_limit": fen_to_yuan_text(p.business_value_limit_fen),
        "expenditure_income_multiple": format(p.expenditure_income_multiple, "f"),
        "single_person_income_multiple": format(p.single_person_income_multiple, "f"),
        "relative_hardship_multiple": format(p.relative_hardship_multiple, "f"),
        "elderly_age": p.elderly_age,
        "supplements": {
            str(c): format(p.supplements[c], "f") for c in SupplementCategory if c in p.supplements
        },
        "accident_cost_share": format(p.accident_cost_share, "f"),
        "marginal_income_multiple": format(p.marginal_income_multiple, "f"),
        "local_disposable_income_monthly": fen_to_yuan_text(p.local_disposable_income_monthly_fen),
        "rigid_expenditure_share": format(p.rigid_expenditure_share, "f"),
    }
