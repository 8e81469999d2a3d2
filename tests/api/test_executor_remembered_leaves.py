"""Leaves the planned executor remembers across objects: a date's text (`plan.day_text`: dates only, as
equal datetimes in two offsets print differently) and the names an enum tuple completed to (by the
tuple's identity, the tuple kept: `plan.remember_names`). Every answer is graphql-core's, whether
remembered or not, and a list in the response is never one another position or request also holds."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import pytest
import strawberry
from graphql_core_reference import same_as_graphql_core

from lianxin_api.executor import PlannedExecutor
from lianxin_api.executor import plan as P
from lianxin_api.text_input import SCALAR_OVERRIDES

pytestmark = pytest.mark.no_db


@strawberry.enum
class Reason(Enum):
    ILLNESS = "ILLNESS"
    EDUCATION = "EDUCATION"


SHARED = (Reason.ILLNESS, Reason.EDUCATION)  # one tuple read by every box, as `rows.tuple_of` gives
UTC8 = dt.timezone(dt.timedelta(hours=8))


@strawberry.type
class Box:
    day: dt.date = dt.date(2026, 11, 30)
    when: dt.datetime = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)
    reasons: tuple[Reason, ...] = SHARED  # type: ignore[assignment]
    other: tuple[Reason, ...] = ("ILLNESS",)  # type: ignore[assignment]  # equal to a member's value, not one


@strawberry.type
class Query:
    @strawberry.field
    def boxes(self) -> list[Box]:
        # the same instant in two offsets: equal datetimes, two texts
        return [Box(), Box(when=dt.datetime(2026, 11, 30, 16, 0, tzinfo=UTC8)), Box(day=dt.date(2020, 2, 29))]


schema = strawberry.Schema(
    query=Query, execution_context_class=PlannedExecutor, scalar_overrides=SCALAR_OVERRIDES
)
QUERIES = ["{ boxes { day when reasons } }", "{ boxes { reasons other day } }"]


@pytest.mark.parametrize("query", QUERIES)
async def test_remembered_leaves_answer_as_graphql_core(query: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIANXIN_EXECUTOR_DIFF", "0")  # compared here, after compiling too
    planned, _ = await same_as_graphql_core(schema, query, times=4)
    assert planned.data is not None
    boxes = planned.data["boxes"]
    lists = [id(b["reasons"]) for b in boxes]
    assert len(set(lists)) == len(lists)  # a list of its own at each position
    if "when" in query:
        assert [b["when"] for b in boxes[:2]] == ["2026-11-30T08:00:00+00:00", "2026-11-30T16:00:00+08:00"]


def test_day_texts_are_isoformat_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(P, "_DAYS_LIMIT", 10)
    P._DAYS.clear()
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=k) for k in range(25)]
    for day in days * 2:
        assert P.day_text(day) == day.isoformat()
        assert len(P._DAYS) <= 10


def test_remembered_names_are_bounded_and_keep_their_tuple(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(P, "_NAMES_LIMIT", 3)
    memo: dict[int, tuple[object, tuple[str, ...]]] = {}
    kept = [tuple([Reason.ILLNESS] * k) for k in range(1, 6)]
    for value in kept:
        P.remember_names(memo, value, ["ILLNESS"] * len(value))
        assert len(memo) <= 3
        assert memo[id(value)] == (value, ("ILLNESS",) * len(value))
