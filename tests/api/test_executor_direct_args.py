"""Issue 12: a resolver with arguments is called directly by the planned executor (without strawberry's
per-call wrapper: argument conversion, info, field-extension chain) where strawberry would pass the
arguments on as graphql-core coerced them — scalars and enums, optional or not — and through the
wrapper when an argument strawberry converts is given (an input object, a list, a global id, `Maybe`).
Either way the answer is graphql-core's, errors and paths included."""

from __future__ import annotations

import enum
from typing import Any

import pytest
import strawberry
from graphql_core_reference import graphql_core_answer
from strawberry.relay import GlobalID
from strawberry.schema import schema_converter

from lianxin_api.executor import PlannedExecutor

pytestmark = pytest.mark.no_db


@strawberry.enum
class Kind(enum.Enum):
    A = "a"
    B = "b"


@strawberry.input
class Narrow:
    prefix: str = ""
    limit: int | None = None


@strawberry.type
class Item:
    name: str

    @strawberry.field
    def shout(self, times: int = 1, sep: str | None = None) -> str:
        return (sep or "").join([self.name.upper()] * times)


@strawberry.type
class Query:
    @strawberry.field
    def items(
        self, info: strawberry.Info, first: int = 2, after: str | None = None, kind: Kind | None = None
    ) -> list[Item]:
        start = int(after or 0)
        tag = kind.value if kind is not None else "-"
        return [Item(name=f"{tag}{info.path.key}{i}") for i in range(start, start + first)]

    @strawberry.field
    async def later(self, n: int, kinds: list[Kind] | None = None) -> str:
        return f"{n}:{[k.value for k in kinds] if kinds is not None else None}"

    @strawberry.field
    def narrowed(self, narrow: Narrow | None = None, first: int = 1) -> str:
        return f"{narrow.prefix if narrow else None}/{narrow.limit if narrow else None}/{first}"

    @strawberry.field
    def by_id(self, id: strawberry.ID, gid: GlobalID | None = None) -> str:
        return f"{id}|{gid.node_id if gid else None}"

    @strawberry.field
    def refuse(self, n: int) -> int:
        if n < 0:
            raise ValueError(f"negative: {n}")
        return n

    @strawberry.field
    def seen(self, info: strawberry.Info, n: int | None = None) -> str:
        return f"{n}@{info.path.key}:{sorted(info.variable_values)}"


schema = strawberry.Schema(query=Query, execution_context_class=PlannedExecutor)

QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("{ items { name shout } }", {}),
    (
        "query($f: Int!, $a: String) { items(first: $f, after: $a) { name shout(times: 2, sep: $a) } }",
        {"f": 3, "a": "1"},
    ),
    ("query($f: Int!) { items(first: $f, after: null) { name } }", {"f": 1}),
    ("{ items(kind: B) { name } other: items(kind: A, first: 1) { name } }", {}),
    ("query($k: Kind) { items(kind: $k) { name } }", {"k": "A"}),
    ("query($k: Kind) { items(kind: $k) { name } }", {}),
    ("{ later(n: 3) }", {}),
    ("{ later(n: 3, kinds: [A, B]) }", {}),
    ("{ narrowed }", {}),
    ("{ narrowed(narrow: null) }", {}),
    ("query($n: Narrow) { narrowed(narrow: $n) }", {"n": {"limit": 3}}),
    ("{ narrowed(first: 4) }", {}),
    ('{ narrowed(narrow: {prefix: "x", limit: 2}) }', {}),
    ('{ byId(id: "7") }', {}),
    ('{ byId(id: "7", gid: "SXRlbTo1") }', {}),
    ("{ a: refuse(n: 1) b: refuse(n: -2) c: refuse(n: 3) }", {}),
    ("query($n: Int) { seen(n: $n) again: seen }", {"n": 5}),
]


def _errors(result: Any) -> list[tuple[str, Any, Any]]:
    return [(e.message, e.path, e.locations) for e in result.errors or []]


@pytest.mark.parametrize(("query", "variables"), QUERIES)
async def test_direct_calls_with_arguments_answer_like_graphql_core(
    query: str, variables: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIANXIN_EXECUTOR_DIFF", "0")  # compared here, after compiling too
    reference = await graphql_core_answer(schema, query, variables=variables)
    for _ in range(3):  # planned, then compiled
        planned = await schema.execute(query, variable_values=variables)
        assert planned.data == reference.data
        assert _errors(planned) == _errors(reference)


@pytest.mark.parametrize(
    ("query", "wrapped"),
    [
        ("{ items(first: 1, kind: A) { name shout(times: 2) } }", 0),  # scalars and an enum: direct
        ("{ narrowed(first: 2) }", 0),  # an input object's argument not given (its default null): direct
        ("{ narrowed(narrow: null) }", 0),  # given as null: stays None, direct
        ('{ narrowed(narrow: {prefix: "p"}) }', 1),  # given: strawberry converts it
        ("{ later(n: 1, kinds: [A]) }", 1),  # a list: strawberry copies it
        ('{ byId(id: "1", gid: "SXRlbTox") }', 1),  # a global id: strawberry decodes it
    ],
)
async def test_strawberrys_wrapper_runs_only_for_arguments_it_converts(
    query: str, wrapped: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIANXIN_EXECUTOR_DIFF", "0")
    calls: list[str] = []
    original = schema_converter.get_arguments

    def counting(**kwargs: Any) -> Any:
        calls.append(kwargs["field"].name)
        return original(**kwargs)

    monkeypatch.setattr(schema_converter, "get_arguments", counting)
    for _ in range(2):
        calls.clear()
        result = await schema.execute(query)
        assert result.errors is None
        assert len(calls) == wrapped, calls
