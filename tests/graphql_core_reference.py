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
