"""A list item is awaited (and an exception raised) before it is completed, as graphql-core's
`complete_list` does: items completed by a plan that reads no attribute (a selection of `__typename`
only) must not be answered `{"__typename": ...}` for an awaitable that is never awaited (its null, its
error, its side effects lost) or for an exception returned as an item."""

from __future__ import annotations

import asyncio

import pytest
import strawberry
from graphql_core_reference import graphql_core_answer

from lianxin_api.executor import PlannedExecutor

pytestmark = pytest.mark.no_db


@strawberry.type
class Tag:  # no interface: no is_type_of
    name: str


async def _later(name: str | None) -> Tag | None:
    await asyncio.sleep(0)
    if name == "boom":
        raise ValueError("later failed")
    return None if name is None else Tag(name=name)


@strawberry.type
class Box:
    @strawberry.field
    def tags(self) -> list[Tag | None]:
        return [Tag(name="a"), _later("b"), _later(None), _later("boom"), ValueError("returned")]  # type: ignore[list-item]

    @strawberry.field
    def required_tags(self) -> list[Tag] | None:
        return [Tag(name="a"), _later(None)]  # type: ignore[list-item]


@strawberry.type
class Query:
    @strawberry.field
    def box(self) -> Box:
        return Box()

    @strawberry.field
    def boxes(self) -> list[Box]:
        return [Box(), Box()]


schema = strawberry.Schema(query=Query, execution_context_class=PlannedExecutor)

QUERIES = [
    "{ box { tags { __typename } } }",
    "{ box { tags { t: __typename __typename } } }",
    "{ box { requiredTags { __typename } } }",
    "{ boxes { tags { __typename } requiredTags { __typename } } }",
    "{ box { tags { __typename name } } }",
]


@pytest.mark.filterwarnings("error::RuntimeWarning")  # ("coroutine ... was never awaited")
@pytest.mark.parametrize("query", QUERIES)
async def test_awaitable_items_are_awaited_before_their_typename(
    query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIANXIN_EXECUTOR_DIFF", "0")  # compared here, after compiling too
    reference = await graphql_core_answer(schema, query)
    for _ in range(3):  # planned, then compiled
        planned = await schema.execute(query)
        assert repr(planned.data) == repr(reference.data)
        key = lambda e: str(e.formatted)  # noqa: E731
        assert sorted(map(key, planned.errors or [])) == sorted(map(key, reference.errors or []))
