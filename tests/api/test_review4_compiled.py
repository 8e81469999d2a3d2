"""Review of the compiled selection sets (`plan.compiled_fields`) and the new list completion: cases the
differential tests of `test_executor_semantics` do not reach, each run planned and through plain
graphql-core; the answers must be identical."""

from __future__ import annotations

import asyncio
import datetime
import enum
from decimal import Decimal
from typing import Any, Generic, TypeVar

import pytest
import strawberry
from graphql import ExecutionResult, execute, parse
from strawberry.permission import BasePermission
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from lianxin_api.executor import PlannedExecutor

pytestmark = pytest.mark.no_db

T = TypeVar("T")


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Never(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Person(Named):
    colour: Colour
    colours: list[Colour]
    born: datetime.date | None
    money: Decimal | None
    secret: str | None = strawberry.field(default=None, permission_classes=[Never])

    @strawberry.field
    def must(self) -> str:
        if self.name == "boom":
            raise ValueError("must failed")
        return self.name

    @strawberry.field
    async def later(self) -> str:
        await asyncio.sleep(0)
        if self.name == "late":
            raise ValueError("later failed")
        return self.name


@strawberry.type
class Pet(Named):
    legs: int


@strawberry.type
class Edge(Generic[T]):
    node: T

    @strawberry.field
    def cursor(self) -> str:
        return "c"


@strawberry.type
class Page(Generic[T]):
    edges: list[Edge[T]]

    @strawberry.field
    def count(self) -> int:
        return len(self.edges)


def _person(name: str, **kw: Any) -> Person:
    values: dict[str, Any] = {
        "name": name,
        "colour": Colour.RED,
        "colours": [Colour.RED, Colour.BLUE],
        "born": datetime.date(2000, 1, 2),
        "money": Decimal("1.50"),
        "secret": "s3cret",
    }
    values.update(kw)
    return Person(**values)


@strawberry.type
class Box:
    @strawberry.field
    def people(self) -> list[Person]:
        return [_person("a"), _person("boom"), _person("b")]

    @strawberry.field
    def maybe_people(self) -> list[Person | None] | None:
        return [_person("a"), _person("boom"), None, _person("late")]

    @strawberry.field
    def odd(self) -> list[Person]:
        # wrong values of every kind: an enum not of the enum, a date that is a string, a list item
        # of the wrong enum value, a decimal that is not a number
        return [
            _person("x", colour="RED"),
            _person("y", born="2000-01-02"),
            _person("z", colours=[Colour.RED, "green"]),
            _person("w", money="lots"),
        ]

    @strawberry.field
    def page(self) -> Page[Person]:
        return Page(edges=[Edge(node=_person("a")), Edge(node=_person("boom"))])

    @strawberry.field
    def wrong_page(self) -> Page[Person]:
        return Page(edges=[Edge(node=Pet(name="rex", legs=4))])  # type: ignore[arg-type]

    @strawberry.field
    def wrong_person(self) -> Person | None:
        return Pet(name="rex", legs=4)  # type: ignore[return-value]

    @strawberry.field
    def wrong_people(self) -> list[Person | None]:
        return [_person("a"), Pet(name="rex", legs=4)]  # type: ignore[list-item]

    @strawberry.field
    def must_person(self) -> Person:
        return None  # type: ignore[return-value]


@strawberry.type
class Query:
    @strawberry.field
    def box(self) -> Box:
        return Box()

    @strawberry.field
    def maybe_box(self) -> Box | None:
        return Box()

    @strawberry.field
    def named(self) -> list[Named]:
        return [_person("a"), Pet(name="rex", legs=4)]

    @strawberry.field
    def person(self) -> Person:
        return _person("p")


schema = strawberry.Schema(query=Query, execution_context_class=PlannedExecutor, types=[Pet])


async def both(query: str, variables: dict[str, Any] | None = None) -> ExecutionResult:
    planned = await schema.execute(query, variable_values=variables)
    reference = execute(
        schema._schema,
        parse(query),
        variable_values=variables,
        executor_class=StrawberryGraphQLCoreExecutionContext,
    )
    if asyncio.iscoroutine(reference) or isinstance(reference, asyncio.Future):
        reference = await reference
    assert isinstance(reference, ExecutionResult)
    assert planned.data == reference.data
    assert list((planned.data or {}).keys()) == list((reference.data or {}).keys())
    key = lambda e: str(e.formatted)  # noqa: E731
    assert sorted(map(key, planned.errors or [])) == sorted(map(key, reference.errors or []))
    return planned


PERSON = "name must colour colours born money __typename"
QUERIES = [
    f"{{ box {{ people {{ {PERSON} }} }} }}",
    f"{{ maybeBox {{ people {{ {PERSON} }} }} }}",
    "{ maybeBox {  maybePeople { name must later } } }",
    "{ maybeBox {  maybePeople { later } } }",
    f"{{ box {{ odd {{ {PERSON} }} }} }}",
    f"{{ maybeBox {{ odd {{ {PERSON} }} }} }}",
    f"{{ box {{ page {{ count edges {{ cursor node {{ {PERSON} }} }} }} }} }}",
    f"{{ maybeBox {{ page {{ count edges {{ cursor node {{ {PERSON} }} }} }} }} }}",
    "{ maybeBox { wrongPage { count edges { cursor node { name must } } } } }",
    "{ maybeBox { wrongPerson { name must } wrongPeople { name must } } }",
    "{ maybeBox { mustPerson { name must } } }",
    "{ named { __typename name ... on Person { must colour } ... on Pet { legs } } }",
    "{ box { people { ... on Named { name } ... on Person { must } a: name b: must } } }",
    "query ($s: Boolean!) { box { people { name must @skip(if: $s) later @include(if: $s) } } }",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_compiled_selection_sets_answer_like_graphql_core(query: str) -> None:
    variables = {"s": True} if "$s" in query else None
    await both(query, variables)
    if variables is not None:
        await both(query, {"s": False})


async def test_a_field_with_a_permission_class_and_no_resolver_is_refused() -> None:
    """strawberry marks such a field's resolver `_is_default` (no base resolver) although it runs the
    permission extension; the plan must not read the attribute past it."""
    result = await both("{ person { name secret } }")
    assert result.data == {"person": {"name": "p", "secret": None}}
    assert result.errors is not None
    assert result.errors[0].message == "not for you"
    nested = await both("{ box { people { name secret } } }")
    assert "s3cret" not in repr(nested.data)
