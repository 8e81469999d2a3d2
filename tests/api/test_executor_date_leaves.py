"""`Date` and `DateTime` leaves: the planned executor calls `isoformat()` itself for a value of exactly
`date` or `datetime` (`plan._METHOD_LEAVES`), and leaves anything else (a subclass, a string, a value
that fails) to the scalar's own output coercion; every answer, errors included, is graphql-core's."""

from __future__ import annotations

import datetime as dt

import pytest
import strawberry
from graphql_core_reference import same_as_graphql_core

from lianxin_api.executor import PlannedExecutor
from lianxin_api.executor.plan import _METHOD_LEAVES
from lianxin_api.text_input import SCALAR_OVERRIDES, isoformat_output

pytestmark = pytest.mark.no_db


class Day(dt.date):
    def isoformat(self) -> str:
        return "a day of its own"


class Broken:
    def isoformat(self) -> str:
        raise ValueError("no date here")


@strawberry.type
class Box:
    day: dt.date = dt.date(2026, 11, 30)
    moment: dt.datetime = dt.datetime(2026, 11, 30, 8, 5, 1, tzinfo=dt.UTC)
    naive: dt.datetime | None = dt.datetime(2026, 11, 30, 8, 5)  # noqa: DTZ001  # (what isoformat makes of it)
    # a datetime where a Date is declared: its own isoformat, as the coercion answers
    late: dt.date = dt.datetime(2026, 11, 30, 23, 59, tzinfo=dt.UTC)
    own: dt.date = Day(2026, 1, 2)
    text: dt.date | None = "2026-11-30"  # type: ignore[assignment]
    broken: dt.date | None = Broken()  # type: ignore[assignment]
    required_broken: dt.date = Broken()  # type: ignore[assignment]

    @strawberry.field
    def resolved(self) -> dt.date | None:
        return dt.date(2020, 2, 29)


@strawberry.type
class Query:
    @strawberry.field
    def box(self) -> Box | None:
        return Box()

    @strawberry.field
    def boxes(self) -> list[Box]:
        return [Box(), Box()]


schema = strawberry.Schema(
    query=Query, execution_context_class=PlannedExecutor, scalar_overrides=SCALAR_OVERRIDES
)

QUERIES = [
    "{ box { day moment naive late own resolved } }",
    "{ boxes { day moment resolved } }",
    "{ boxes { day broken own text } }",
    "{ box { day requiredBroken moment } }",
]


def test_only_the_coercion_that_is_isoformat_is_inlined() -> None:
    assert {isoformat_output: ((dt.date, dt.datetime), "isoformat")} == _METHOD_LEAVES
    assert isoformat_output(dt.date(2026, 1, 2)) == "2026-01-02"


@pytest.mark.parametrize("query", QUERIES)
async def test_dates_answer_as_in_graphql_core(query: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIANXIN_EXECUTOR_DIFF", "0")  # compared here, after compiling too
    _, reference = await same_as_graphql_core(schema, query, times=3)
    if "roken" in query:
        assert reference.errors
    else:
        assert not reference.errors, reference.errors
