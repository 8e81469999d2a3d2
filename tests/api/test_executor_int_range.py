"""An `Int` leaf outside 32 bits is a field error in graphql-core ("Int cannot represent non 32-bit
signed integer value"); the planned executor must not pass a Python int through unchecked, whether the
value is an attribute, a resolver's answer, an item of a list or a field of a plainly serialised object."""

from __future__ import annotations

import pytest
import strawberry
from graphql_core_reference import graphql_core_answer

from lianxin_api.executor import PlannedExecutor

pytestmark = pytest.mark.no_db

BIG = 2**31  # one past GraphQL's Int


@strawberry.type
class Box:
    plain: int | None = BIG
    small: int = 7
    low: int | None = -(2**31) - 1
    edge_high: int = 2**31 - 1  # the bounds themselves are in range
    edge_low: int = -(2**31)
    flag: int = True  # type: ignore[assignment]  # a bool where an Int is declared: graphql-core answers 1

    @strawberry.field
    def resolved(self) -> int | None:
        return BIG

    @strawberry.field
    def required(self) -> int:
        return BIG

    @strawberry.field
    def numbers(self) -> list[int] | None:
        return [1, BIG, 2]

    @strawberry.field
    def maybe_numbers(self) -> list[int | None]:
        return [1, BIG, -(2**31), 2**31 - 1]


@strawberry.type
class Query:
    @strawberry.field
    def box(self) -> Box | None:
        return Box()

    @strawberry.field
    def boxes(self) -> list[Box]:
        return [Box(), Box()]


schema = strawberry.Schema(query=Query, execution_context_class=PlannedExecutor)

QUERIES = [
    "{ box { plain small } }",
    "{ box { low small } }",
    "{ box { resolved } }",
    "{ box { required small } }",
    "{ box { numbers maybeNumbers } }",
    "{ boxes { plain small } }",
    "{ boxes { small low resolved } }",
    "{ boxes { plain edgeHigh edgeLow flag resolved } }",  # (compiled: `resolved` is a resolver)
]


@pytest.mark.parametrize("query", QUERIES)
async def test_ints_outside_32_bits_fail_as_in_graphql_core(
    query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIANXIN_EXECUTOR_DIFF", "0")  # compared here, after compiling too
    reference = await graphql_core_answer(schema, query)
    assert reference.errors  # (every query has a value out of range)
    for _ in range(3):  # planned, then compiled
        planned = await schema.execute(query)
        assert repr(planned.data) == repr(reference.data)
        key = lambda e: str(e.formatted)  # noqa: E731
        assert sorted(map(key, planned.errors or [])) == sorted(map(key, reference.errors or []))
