"""Administrative division codes (行政区划代码) per GB/T 2260: province XX0000, city XXYY00, county XXYYZZ.

Only the shape and the province are checked, not membership in a published list: codes are added and
retired every year, and records (resident IDs above all) keep codes of counties that no longer exist.
"""

from __future__ import annotations

import re
from typing import Final, Literal

from lianxin.core.errors import DomainError, Issue

RegionLevel = Literal["PROVINCE", "CITY", "COUNTY"]

PROVINCE_CODES: Final = frozenset(
    f"{n:02d}"
    for n in (
        *range(11, 16),  # 北京 天津 河北 山西 内蒙古
        *range(21, 24),  # 辽宁 吉林 黑龙江
        *range(31, 38),  # 上海 江苏 浙江 安徽 福建 江西 山东
        *range(41, 47),  # 河南 湖北 湖南 广东 广西 海南
        *range(50, 55),  # 重庆 四川 贵州 云南 西藏
        *range(61, 66),  # 陕西 甘肃 青海 宁夏 新疆
        71,  # 台湾
        81,  # 香港
        82,  # 澳门
    )
)
"""The two-digit province-level prefixes."""

_SIX_DIGITS: Final = re.compile(r"[0-9]{6}")


class RegionCodeError(DomainError, ValueError):
    """Not a GB/T 2260 code; `str(error)` is the message."""

    code = "INVALID_REGION_CODE"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__([Issue(code=self.code, message=message)])


def validate_region_code(code: str) -> str:
    """The code itself if it is six ASCII digits under a province-level prefix, else `RegionCodeError`."""
    if not isinstance(code, str) or not _SIX_DIGITS.fullmatch(code):
        raise RegionCodeError(f"region code must be exactly 6 digits, got {code!r}")
    if code[:2] not in PROVINCE_CODES:
        raise RegionCodeError(f"region code {code} does not start with a province-level code")
    return code


def region_level(code: str) -> RegionLevel:
    """PROVINCE for XX0000, CITY for XXYY00, COUNTY for XXYYZZ."""
    validate_region_code(code)
    if code.endswith("0000"):
        return "PROVINCE"
    if code.endswith("00"):
        return "CITY"
    return "COUNTY"


def region_prefixes(code: str) -> list[str]:
    """The code and the codes of the regions containing it, narrowest first: 371002 → 371002, 371000, 370000.

    For longest-prefix lookups (a county's policy, else its city's, else its province's).
    """
    validate_region_code(code)
    # Each distinct code among the county, city and province forms; XX00ZZ has no city part.
    return list(dict.fromkeys([code, code[:4] + "00", code[:2] + "0000"]))


def region_contains(outer: str, inner: str) -> bool:
    """Whether `inner` lies within `outer` (a region contains itself); both must be valid codes."""
    validate_region_code(outer)
    return outer in region_prefixes(inner)


def region_prefix(code: str) -> str:
    """What every code inside the region starts with: 370000 → 37, 371000 → 3710, 371002 → 371002.

    `code LIKE prefix || '%'` in SQL is `region_contains(region, code)`."""
    level = region_level(code)
    return code[:2] if level == "PROVINCE" else code[:4] if level == "CITY" else code
