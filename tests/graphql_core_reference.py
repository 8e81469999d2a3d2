"""What graphql-core answers for a strawberry schema, executed field by field with strawberry's own
execution context: the reference the planned executor's tests compare with."""

from __future__ import annotations

import inspect
from typing import Any

import strawberry
from graphql import ExecutionResult, execute, parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


async def graphql_core_answer(
    schema: strawberry.Schema,
    query: str,
    *,
    variables: dict[str, Any] | None = None,
    context: Any = None,
) -> ExecutionResult:
    result = execute(
        schema._schema,
        parse(query),
        variable_values=variables,
        context_value=context,
        executor_class=StrawberryGraphQLCoreExecutionContext,
    )
    if inspect.isawaitable(result):
        result = await result
    assert isinstance(result, ExecutionResult)
    return result


async def same_as_graphql_core(
    schema: strawberry.Schema, query: str, times: int = 3
) -> tuple[ExecutionResult, ExecutionResult]:
    """Executes `query` `times` times through the schema (planned, then compiled, then as cached) and
    asserts each answer is graphql-core's: the same data, the same errors in any order. The last
    answer and the reference. (Set LIANXIN_EXECUTOR_DIFF=0 first: compared here, after compiling too.)"""
    reference = await graphql_core_answer(schema, query)
    planned: Any = None
    for _ in range(times):
        planned = await schema.execute(query)
        assert repr(planned.data) == repr(reference.data)
        key = lambda e: str(e.formatted)  # noqa: E731
        assert sorted(map(key, planned.errors or [])) == sorted(map(key, reference.errors or []))
    return planned, reference
