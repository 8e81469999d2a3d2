"""The planned executor (issue 12): queries and mutations run from a cached plan, not field by field.

graphql-core still parses, validates and coerces the variables (`Executor.build`); strawberry still
defines the schema, wraps the resolvers and runs the schema extensions around execution (they hook
the operation, never a field). Only `Executor.execute_operation` is replaced, and `planned_or_why_not`
is the one place that decides what graphql-core keeps executing itself.

With `LIANXIN_EXECUTOR_DIFF=1` (the test suite) every query also runs through graphql-core and every
mutation payload is completed by graphql-core from the same resolved object; any difference in the
JSON is recorded in `MISMATCHES` and logged (see `diff.py`).
"""

from __future__ import annotations

import asyncio
import functools
import os
import weakref
from typing import Any

from graphql import ExecutionResult, GraphQLError, GraphQLResolveInfoHelpers, OperationType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from lianxin_api.executor.diff import MISMATCHES, compare_mutation, compare_query
from lianxin_api.executor.plan import Compiler, NotPlannable, ObjectPlan, PlanCache
from lianxin_api.executor.run import PlanRun

__all__ = ["MISMATCHES", "PLANS", "PlannedExecutor", "planned_or_why_not"]

PLANS = PlanCache()


def diff_enabled() -> bool:
    return os.environ.get("LIANXIN_EXECUTOR_DIFF", "") not in ("", "0")


def planned_or_why_not(executor: Any) -> tuple[ObjectPlan, Compiler] | str:
    """The plan for this execution, or why graphql-core executes it instead. The only such decision."""
    if os.environ.get("LIANXIN_EXECUTOR", "") == "graphql-core":
        return "switched off (LIANXIN_EXECUTOR=graphql-core)"  # to measure against, or to rule it out
    operation = executor.operation
    if operation.operation not in (OperationType.QUERY, OperationType.MUTATION):
        return "subscription"
    if executor.middleware_manager is not None and executor.middleware_manager.middlewares:
        return "field middleware"
    if executor.abort_signal is not None or not executor.error_propagation or executor.enable_early_execution:
        return "abort signal, error propagation disabled or early execution"
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return "synchronous execution"
    root_type = executor.schema.get_root_type(operation.operation)
    if root_type is None:
        return "no root type"
    document = getattr(executor, "document", None)

    def make() -> tuple[ObjectPlan, Compiler]:
        compiler = Compiler(
            executor.schema,
            executor.fragments,
            executor.variable_values,
            operation,
            executor.field_resolver,
            hot=document is None,
        )
        return compiler.root(root_type), compiler

    try:
        if document is None:
            return make()
        # compiled from the second use (a one-off document is not worth an exec per selection set);
        # from the first under the differential check, so that it compares the compiled functions
        compile_after = 1 if diff_enabled() else 2
        return PLANS.get(
            executor.schema, document, operation, executor.variable_values.coerced, make, compile_after
        )
    except NotPlannable as reason:
        return str(reason)
    except GraphQLError:
        # an explicit null for a @skip/@include variable with a default: graphql-core fails the
        # selection set where it collects it (a field error), not the whole operation
        return "a @skip/@include argument that does not coerce"
    except RecursionError:
        return "selections nested too deeply"


class PlannedExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor class, with `execute_operation` running a plan where there is one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.document = kwargs.pop("planned_document", None)
        super().__init__(*args, **kwargs)
        # graphql-core's resolver helpers are bound methods of the executor: the executor would hold
        # itself, and so the context and everything the request read (the loaders' caches, models,
        # lists) would live on after the request until the cycle collector's next pass, and make that
        # pass long. Bound to a weak proxy instead, all of it is freed when the request is done (the
        # executor outlives every resolver call: its execution holds it).
        me = weakref.proxy(self)
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=functools.partial(type(self).gather_async_work, me),
            track=functools.partial(type(self).track_async_work, me),
        )

    @classmethod
    def build(cls, schema: Any, document: Any, *args: Any, **kwargs: Any) -> Any:
        return super().build(schema, document, *args, planned_document=document, **kwargs)

    def execute_operation(self, serially: bool | None = None) -> Any:
        planned = planned_or_why_not(self)
        if isinstance(planned, str):
            return super().execute_operation(serially)
        plan, compiler = planned
        if serially is None:
            serially = self.operation.operation == OperationType.MUTATION
        return self._execute_planned(plan, compiler, serially)

    def graphql_core_execute_operation(self, serially: bool | None = None) -> Any:
        return super().execute_operation(serially)

    async def _execute_planned(self, plan: ObjectPlan, compiler: Compiler, serially: bool) -> ExecutionResult:
        run = PlanRun(self, compiler)
        diff = diff_enabled()
        if diff and serially:
            run.root_values = {}
        try:
            data = await run.run(plan, serially)
        except GraphQLError as error:  # pragma: no cover - field errors never escape a run
            self.collected_errors.add(error, None)
            data = None
        result = self.build_response(data)
        assert isinstance(result, ExecutionResult)
        if diff:
            if serially:
                await compare_mutation(self, plan, run, result)
            else:
                await compare_query(self, result)
        return result
