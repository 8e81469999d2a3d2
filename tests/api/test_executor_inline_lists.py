"""Lists of objects completed inline by the compiled selection sets (`_FieldsCode.object_list`) and
slots whose paths are made only when asked for (`Slot`, `PlannedInfo`): every case answers exactly as
graphql-core does (data, errors and their paths), including the paths resolvers read from `info`."""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import pytest
import strawberry
from graphql_core_reference import graphql_core_answer

from lianxin_api.executor import PlannedExecutor

pytestmark = pytest.mark.no_db


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Tag:  # no interface: no is_type_of
    name: str
    weight: int | None

    @strawberry.field
    def where(self, info: strawberry.Info) -> str:
        return repr(info.path)

    @strawberry.field
    def must(self) -> str:
        if self.name == "boom":
            raise ValueError("must failed")
        return self.name


@strawberry.type
class Thing(Named):  # an interface: strawberry's is_type_of
    weight: int | None
    tags: list[Tag]

    @strawberry.field
    def where(self, info: strawberry.Info) -> str:
        return repr(info.path)

    @strawberry.field
    async def later(self, info: strawberry.Info) -> str:
        await asyncio.sleep(0)
        if self.name == "late":
            raise ValueError("later failed")
        return repr(info.path)


@strawberry.type
class Other(Named):
    legs: int


def _tags(*names: str) -> list[Tag]:
    return [Tag(name=n, weight=len(n)) for n in names]


def _thing(name: str, tags: list[Any] | None = None, weight: Any = 1) -> Thing:
    return Thing(name=name, weight=weight, tags=_tags("a", "b") if tags is None else tags)


@strawberry.type
class Box:
    @strawberry.field
    def tags(self) -> list[Tag]:
        return _tags("x", "boom", "y")

    @strawberry.field
    def maybe_tags(self) -> list[Tag | None] | None:
        return [*_tags("x"), None, *_tags("boom", "y")]

    @strawberry.field
    def odd_tags(self) -> list[Tag | None] | None:
        return [Tag(name="x", weight="heavy"), Tag(name=None, weight=1), *_tags("y")]  # type: ignore[arg-type]

    @strawberry.field
    def things(self) -> list[Thing]:
        return [_thing("a"), _thing("boom", _tags("c", "boom")), _thing("b", [])]

    @strawberry.field
    def maybe_things(self) -> list[Thing | None] | None:
        return [_thing("a"), None, _thing("late"), _thing("w", weight="x")]

    @strawberry.field
    def wrong_things(self) -> list[Thing | None] | None:
        return [_thing("a"), Other(name="rex", legs=4)]  # type: ignore[list-item]

    @strawberry.field
    def colours(self) -> list[Colour]:
        return [Colour.RED, Colour.BLUE, Colour.RED]

    @strawberry.field
    def odd_colours(self) -> list[Colour | None] | None:
        return [Colour.RED, None, "green"]  # type: ignore[list-item]

    @strawberry.field
    def wrong_colours(self) -> list[Colour]:
        return [Colour.RED, "RED"]  # type: ignore[list-item]

    @strawberry.field
    def labels(self) -> list[str]:
        return ["a", "b"]

    @strawberry.field
    def tuple_colours(self) -> list[Colour]:
        return (Colour.BLUE, Colour.RED)  # type: ignore[return-value]

    @strawberry.field
    def maybe_labels(self) -> list[str | None]:
        return ["a", None, 3]  # type: ignore[list-item]

    @strawberry.field
    def numbers(self) -> list[int] | None:
        return [1, True, 2.0, "x"]  # type: ignore[list-item]

    @strawberry.field
    def no_things(self) -> list[Thing]:
        return []

    @strawberry.field
    def tuple_tags(self) -> list[Tag]:
        return tuple(_tags("t", "u"))  # type: ignore[return-value]


@strawberry.type
class Query:
    @strawberry.field
    def box(self) -> Box:
        return Box()

    @strawberry.field
    def maybe_box(self) -> Box | None:
        return Box()

    @strawberry.field
    def boxes(self) -> list[Box | None]:
        return [Box(), Box()]


schema = strawberry.Schema(query=Query, execution_context_class=PlannedExecutor, types=[Other])


async def both(query: str) -> None:
    reference = await graphql_core_answer(schema, query)
    for _ in range(3):  # planned, then compiled (whichever use compiles it)
        planned = await schema.execute(query)
        assert planned.data == reference.data
        assert repr(planned.data) == repr(reference.data)  # key order too
        key = lambda e: str(e.formatted)  # noqa: E731
        assert sorted(map(key, planned.errors or [])) == sorted(map(key, reference.errors or []))


QUERIES = [
    "{ box { tags { name weight } } }",
    "{ box { tags { name weight where } } }",
    "{ maybeBox { tags { name must } } }",
    "{ maybeBox { maybeTags { name weight } } }",
    "{ maybeBox { maybeTags { name must where } } }",
    "{ maybeBox { oddTags { name weight } } }",
    "{ maybeBox { oddTags { __typename } } }",
    "{ box { maybeTags { __typename } } }",
    "{ box { tupleTags { name where } } }",
    "{ box { noThings { name where } things { tags { name } } } }",
    "{ box { colours labels tupleColours } }",
    "{ maybeBox { colours oddColours maybeLabels numbers } }",
    "{ maybeBox { wrongColours } }",
    "{ maybeBox { numbers labels } }",
    "{ box { things { name weight } } }",
    "{ box { things { name where tags { name where } } } }",
    "{ maybeBox { things { name tags { name must where } } } }",
    "{ maybeBox { maybeThings { name weight where later } } }",
    "{ maybeBox { maybeThings { name weight } } }",
    "{ maybeBox { wrongThings { name } } }",
    "{ maybeBox { wrongThings { name where } } }",
    "{ boxes { things { name tags { must where } } maybeTags { must } } }",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_inline_lists_answer_like_graphql_core(query: str) -> None:
    await both(query)
