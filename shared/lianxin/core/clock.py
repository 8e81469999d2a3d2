"""The deployment's notion of "today" (LIANXIN_TZ); pure code takes dates as arguments instead."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now_utc() -> datetime:
    return datetime.now(UTC)


def today_in(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()
