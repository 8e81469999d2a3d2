"""`@skip(if: $b)` with `$b: Boolean = true` passes validation (a variable with a default may stand in a
non-null position) but an explicit `null` for it fails to coerce at execution: graphql-core reports it
where it collects that selection set (a field error on each object, null propagating), not for the
whole operation. The planned executor, which collects every selection set up front, leaves such an
execution to graphql-core instead of failing the whole operation."""

from __future__ import annotations

import pytest
import strawberry
from graphql_core_reference import graphql_core_answer

from lianxin_api.executor import PlannedExecutor

pytestmark = pytest.mark.no_db


@strawberry.type
class Tag:
    name: str


@strawberry.type
class Box:
    label: str = "box"

    @strawberry.field
    def tags(self) -> list[Tag | None]:
        return [Tag(name="a"), Tag(name="b")]

    @strawberry.field
    def tag(self) -> Tag:
        return Tag(name="c")


@strawberry.type
class Query:
    @strawberry.field
    def box(self) -> Box | None:
        return Box()

    @strawberry.field
    def other(self) -> str:
        return "other"


schema = strawberry.Schema(query=Query, execution_context_class=PlannedExecutor)

QUERIES = [
    "query($b: Boolean = true) { other box { label tags { name @skip(if: $b) } } }",
    "query($b: Boolean = true) { other box { label tag { name @include(if: $b) } } }",
    "query($b: Boolean = true) { other box { ... @skip(if: $b) { label } } }",
    "query($b: Boolean = true) { other box @skip(if: $b) { label } }",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_a_null_skip_or_include_fails_where_graphql_core_fails_it(
    query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIANXIN_EXECUTOR_DIFF", "0")  # compared here
    variables = {"b": None}
    reference = await graphql_core_answer(schema, query, variables=variables)
    assert reference.errors
    for _ in range(3):
        planned = await schema.execute(query, variable_values=variables)
        assert repr(planned.data) == repr(reference.data)
        key = lambda e: str(e.formatted)  # noqa: E731
        assert sorted(map(key, planned.errors or [])) == sorted(map(key, reference.errors or []))
    # and the same document with a value is planned as before
    for b in (True, False):
        planned = await schema.execute(query, variable_values={"b": b})
        assert planned.errors is None
