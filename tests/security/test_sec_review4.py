"""Review 4 (issue 12's faster executor): bounds on what clients can make the server remember."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse

from lianxin_api.executor.plan import PlanCache

pytestmark = pytest.mark.no_db


def test_plans_of_one_document_are_bounded() -> None:
    """A plan is kept per document and per values of its @skip/@include variables: one document with
    n such variables has 2**n (3**n, nullable) keys a client can choose, each a compiled plan (now one
    exec'd function per selection set). The plans of one document must stay bounded."""
    names = [f"v{i}" for i in range(12)]
    document = parse(
        "query Q("
        + ", ".join(f"${n}: Boolean!" for n in names)
        + ") { "
        + " ".join(f"a{i}: __typename @skip(if: ${n})" for i, n in enumerate(names))
        + " }"
    )
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    cache = PlanCache()
    made: list[Any] = []

    def make() -> Any:
        made.append(object())
        return made[-1], None

    for combo in range(1000):
        variables = {n: bool(combo >> i & 1) for i, n in enumerate(names)}
        cache.get(object, document, operation, variables, make)  # type: ignore[arg-type]
    (entry,) = cache.documents.values()
    assert len(made) == 1000
    assert len(entry.plans) <= 64
    # a plan still kept is found again without being made anew
    last = {n: bool(999 >> i & 1) for i, n in enumerate(names)}
    assert cache.get(object, document, operation, last, make)[0] is made[-1]  # type: ignore[arg-type]


def test_plans_kept_are_bounded_in_fields_not_only_in_documents() -> None:
    """A plan weighs a few KB per field planned (twice that with the compiled functions), and a client
    picks the documents: 512 documents of thousands of fields each would be gigabytes. The cache keeps
    at most `max_fields` fields planned in all, the least recently used documents leaving first."""

    class Planned:
        def __init__(self, fields: int) -> None:
            self.planned = fields

    cache = PlanCache(size=512, max_fields=10_000)
    for i in range(100):
        document = parse(f"query Q{i} {{ __typename }}")
        operation = document.definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        cache.get(object, document, operation, {}, lambda: (object(), Planned(1_000)))  # type: ignore[arg-type,return-value]
    assert cache.weight <= 10_000
    assert sum(e.weight for e in cache.documents.values()) == cache.weight
    assert len(cache.documents) == 10
    assert [key[2] for key in cache.documents] == [f"Q{i}" for i in range(90, 100)]  # the newest kept


async def test_a_compiled_plan_counts_its_fields() -> None:
    from graphql import parse as gparse

    from lianxin_api.executor import PlannedExecutor, planned_or_why_not
    from lianxin_api.schema import schema

    executor = PlannedExecutor.build(
        schema._schema, gparse("{ households(first: 1) { totalCount edges { cursor node { id } } } }")
    )
    assert not isinstance(executor, list)
    planned = planned_or_why_not(executor)
    assert not isinstance(planned, str)
    assert planned[1].planned == 6  # households; totalCount, edges; cursor, node; id


def _household_plans(plan: Any) -> list[Any]:
    found, stack = [], [plan]
    while stack:
        p = stack.pop()
        found.append(p)
        for fp in p.fields:
            shape = fp.shape
            while shape is not None and shape.item is not None:
                shape = shape.item
            if shape is not None and shape.object_plan is not None:
                stack.append(shape.object_plan)
    return found


async def test_a_document_used_once_is_not_compiled() -> None:
    """Compiling a plan's selection sets (an exec each) made planning a new 30-alias document ~7x
    slower than before (measured 250-320 ms against 37 ms): a CPU cost per request that any
    authenticated client can ask for with documents that differ in a name. A plan is compiled from its
    second use; the first runs through `PlanRun.fields`, as before."""
    from graphql import parse as gparse

    from lianxin_api.executor import PlannedExecutor
    from lianxin_api.executor.plan import Compiler
    from lianxin_api.schema import schema

    text = "query Once { households(first: 1) { edges { node { id archiveNo members { id name } } } } }"
    document = gparse(text)
    executor = PlannedExecutor.build(schema._schema, document)
    assert not isinstance(executor, list)
    operation = executor.operation
    cache = PlanCache()

    def make() -> Any:
        compiler = Compiler(
            executor.schema,
            executor.fragments,
            executor.variable_values,
            operation,
            executor.field_resolver,
            hot=False,
        )
        return compiler.root(executor.schema.query_type), compiler

    plan, compiler = cache.get(schema._schema, document, operation, {}, make)
    plans = _household_plans(plan)
    assert len(plans) >= 4
    assert all(p.compiled is None for p in plans)  # no exec for a document seen once
    assert cache.get(schema._schema, document, operation, {}, make)[0] is plan
    assert compiler.hot
    assert all(p.compiled is not None for p in plans if p.simple is None)


@pytest.mark.parametrize("raiser", ["a", "b", "c"])
async def test_a_hook_raising_on_enter_leaves_as_strawberrys(raiser: str) -> None:
    """The gates (AuthenticationGate, AllowListGate, the limits) refuse by raising before they yield:
    the lean stages must then do what strawberry's do (the hooks after it not entered, none left, the
    error out of the stage), for sync and async hooks."""
    import asyncio
    import gc
    from collections.abc import AsyncIterator, Iterator

    from strawberry.extensions import SchemaExtension
    from strawberry.extensions.runner import SchemaExtensionsRunner

    from lianxin_api.executor.extensions import LeanExtensionsRunner

    def extensions(log: list[str]) -> list[Any]:
        def sync_hook(name: str) -> Any:
            def on_operation(self: Any) -> Iterator[None]:
                log.append(f"{name}:enter")
                if name == raiser:
                    raise PermissionError(name)
                try:
                    yield
                finally:
                    log.append(f"{name}:leave")

            return on_operation

        def async_hook(name: str) -> Any:
            async def on_operation(self: Any) -> AsyncIterator[None]:
                log.append(f"{name}:enter")
                if name == raiser:
                    raise PermissionError(name)
                try:
                    yield
                finally:
                    log.append(f"{name}:leave")

            return on_operation

        kinds = {"a": sync_hook, "b": async_hook, "c": sync_hook}
        return [type(n, (SchemaExtension,), {"on_operation": kinds[n](n)})() for n in "abc"]

    async def run(runner_class: Any) -> tuple[list[str], str]:
        log: list[str] = []
        outcome = "ok"
        try:
            async with runner_class(None, extensions(log)).operation():
                log.append("body")
        except Exception as exc:
            outcome = repr(exc)
        for _ in range(3):  # (hooks entered before the failing one are left only by the collector)
            gc.collect()
            await asyncio.sleep(0)
        return log, outcome

    assert await run(LeanExtensionsRunner) == await run(SchemaExtensionsRunner)
