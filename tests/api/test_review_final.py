"""Final review of issue 12: an `Int` leaf answered in the compiled code without its coercion must be
exactly what graphql-core's `serialize_int` answers, whatever Python value stands for it (int
subclasses, IntEnum members, bools, floats and strings, the bounds, None for a non-null), as an
attribute, a resolver's answer or an item of a list, in the planned and then the compiled plan."""

from __future__ import annotations

import enum

import pytest
import strawberry
from graphql_core_reference import graphql_core_answer

from lianxin_api.executor import PlannedExecutor

pytestmark = pytest.mark.no_db


class Level(enum.IntEnum):
    LOW = 3


class Count(int):
    pass


@strawberry.type
class Box:
    member: int = Level.LOW  # type: ignore[assignment]
    sub: int = Count(5)
    flag: int = False  # type: ignore[assignment]
    whole_float: int = 2.0  # type: ignore[assignment]
    text: int = "12"  # type: ignore[assignment]
    edge_low: int = -(2**31)
    edge_high: int = 2**31 - 1
    zero: int = 0
    missing: int = None  # type: ignore[assignment]

    @strawberry.field
    def resolved(self) -> int:
        return Count(2**31 - 1)

    @strawberry.field
    def items(self) -> list[int]:
        return [Level.LOW, Count(1), True, 4, -(2**31)]


@strawberry.type
class Query:
    @strawberry.field
    def boxes(self) -> list[Box]:
        return [Box(), Box()]


schema = strawberry.Schema(query=Query, execution_context_class=PlannedExecutor)

QUERIES = [
    "{ boxes { member sub flag wholeFloat text edgeLow edgeHigh zero resolved items } }",
    "{ boxes { member sub flag resolved } }",
    "{ boxes { zero missing resolved } }",  # a null for a non-null Int: the item nulls out
]


@pytest.mark.parametrize("query", QUERIES)
async def test_int_leaves_answer_as_graphql_core(query: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIANXIN_EXECUTOR_DIFF", "0")  # compared here, after compiling too
    reference = await graphql_core_answer(schema, query)
    for _ in range(3):  # planned, then compiled
        planned = await schema.execute(query)
        assert repr(planned.data) == repr(reference.data)
        key = lambda e: str(e.formatted)  # noqa: E731
        assert sorted(map(key, planned.errors or [])) == sorted(map(key, reference.errors or []))
