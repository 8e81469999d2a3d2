"""Prepared queries: strawberry's `Schema.execute` for a query whose document was accepted before,
without re-running the stages whose outcome is already known (issue 12).

strawberry runs an operation in four stages of extension hooks: operation (around everything),
parsing, validation, execution. For a document the schema has parsed and validated once (the same
text and operation name), the parsing and validation stages would only say the same again: each hook
there depends on the document text, the operation name and the schema alone (`DOCUMENT_HOOKS` says
why, class by class), and the parse and the validation are cached by text anyway. The execution
stage's hooks are gates: each lets the operation run or refuses it, and its `passes()` (the method
its own `on_execute` decides with) says which before anything runs.

So for a prepared query `execute` here:

1. asks every gate; if one would refuse, it declines (returns None, having run nothing) and the
   operation goes through strawberry's whole `execute`, which refuses it exactly as always;
2. executes, and runs the operation stage's hooks when the result has errors (error codes, masking):
   every such hook does nothing before its yield that the execution reads, and nothing after it
   for a result without errors (`QUIET_UNLESS_ERRORS`), so running the stage around the execution
   or after it, or not at all for a clean result, answers the same;
3. executes with the same graphql-core `execute` and the same arguments as strawberry's
   `_execute_operation`, and finishes the result as strawberry does (`_process_errors`,
   `_handle_execution_result`).

Queries only: after a mutation a gate has work to do (RefusedInputGuard audits a refused one).
Anything this module does not know (an extension class, a hook it overrides, a `resolve`) closes the
lane for that schema: a new extension is never skipped by mistake (`lane_open`).
"""

from __future__ import annotations

import inspect
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import MiddlewareManager
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)
from strawberry.schema._graphql_core import execution_context_class_kwargs
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES, _coerce_error
from strawberry.types.execution import ExecutionContext, PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.utils.await_maybe import await_maybe

from lianxin_api.auth import AuthenticationGate
from lianxin_api.cost import CostLimit
from lianxin_api.error_codes import ErrorCodes
from lianxin_api.limits import CACHE_SIZE, BoundedValidation, NoNulInVariables, QueryLength
from lianxin_api.persisted import AllowListGate
from lianxin_api.text_input import RefusedInputGuard

# Extension classes whose parsing and validation hooks depend on the document text, the operation
# name and the schema only, and accept again what they accepted once.
DOCUMENT_HOOKS: dict[type[SchemaExtension], str] = {
    ErrorCodes: "adds codes to parse and validation errors; an accepted document had none",
    RefusedInputGuard: "refuses an operation name with a lone surrogate, and an unnamed operation in "
    "a document of several; audits a refused validation (an accepted document had none)",
    QueryLength: "the length of the text",
    ParserCache: "parses the text (cached by text)",
    BoundedValidation: "the limits and graphql-core's validation of the text (cached by text)",
}
# The execution stage's gates: `passes()` is what their `on_execute` decides by, and after a query
# they do nothing (RefusedInputGuard's audit is for mutations).
GATES: frozenset[type[SchemaExtension]] = frozenset(
    {AuthenticationGate, AllowListGate, RefusedInputGuard, NoNulInVariables, CostLimit}
)
# Extension classes with operation-stage hooks only (they run as always).
OPERATION_ONLY: frozenset[type[SchemaExtension]] = frozenset(
    {MaxTokensLimiter, AddValidationRules, DisableIntrospection, MaskErrors}
)
# Extension classes whose `on_operation` sets before its yield only what parsing and validation read
# (MaxTokensLimiter: parse options; AddValidationRules, DisableIntrospection: validation rules; MaskErrors:
# its own flag) and after it acts on the result's errors only (ErrorCodes: codes; MaskErrors: masks).
QUIET_UNLESS_ERRORS: frozenset[type[SchemaExtension]] = frozenset(
    {ErrorCodes, MaxTokensLimiter, AddValidationRules, DisableIntrospection, MaskErrors}
)
_STAGE_HOOKS = ("on_parse", "on_validate", "on_execute")


def _overrides(cls: type[SchemaExtension], hook: str) -> bool:
    return getattr(cls, hook) is not getattr(SchemaExtension, hook)


def why_closed(cls: type[SchemaExtension]) -> str | None:
    """Why an operation with this extension cannot take the lane, or None when it can."""
    if cls not in DOCUMENT_HOOKS and cls not in GATES and cls not in OPERATION_ONLY:
        return f"{cls.__name__} is not known to the prepared path"
    if cls._implements_resolve():
        return f"{cls.__name__} hooks every field (resolve)"
    for hook in _STAGE_HOOKS:
        if not _overrides(cls, hook):
            continue
        if hook == "on_execute" and cls not in GATES:
            return f"{cls.__name__}.on_execute is not a gate"
        if hook != "on_execute" and cls not in DOCUMENT_HOOKS:
            return f"{cls.__name__}.{hook} is not known to depend on the document only"
    if _overrides(cls, "on_operation") and cls not in QUIET_UNLESS_ERRORS:
        return f"{cls.__name__}.on_operation is not known to act on errors only"
    if cls in GATES and not callable(getattr(cls, "passes", None)):
        return f"{cls.__name__} has no passes()"
    return None


_OPEN: dict[tuple[type[SchemaExtension], ...], bool] = {}


def lane_open(classes: tuple[type[SchemaExtension], ...]) -> bool:
    """Whether operations with these extensions (in this order) may take the lane."""
    found = _OPEN.get(classes)
    if found is None:
        found = _OPEN[classes] = all(why_closed(cls) is None for cls in classes)
    return found


class PreparedDocuments:
    """One schema's query documents accepted lately: (text, operation name) -> the parsed document."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.enabled = True  # tests compare the two paths
        self.taken = 0  # operations that took the lane (tests count them)
        self._documents: OrderedDict[tuple[str, str | None], Any] = OrderedDict()

    def remember(self, context: ExecutionContext) -> None:
        """Called once the parsing and validation stages accepted `context`'s document."""
        name = context._provided_operation_name  # (an InitVar: kept private)
        if type(context.query) is not str or context.graphql_document is None:
            return
        if not (name is None or type(name) is str):  # (as `get`: only text is a key)
            return
        try:
            if context.operation_type is not OperationType.QUERY:
                return
        except RuntimeError:
            return
        key = (context.query, name)
        self._documents[key] = context.graphql_document
        self._documents.move_to_end(key)
        while len(self._documents) > self.size:
            self._documents.popitem(last=False)

    def get(self, query: str | None, operation_name: str | None) -> Any:
        # a request's `operationName` is whatever JSON it sent (a list is no key): only text can have
        # been remembered, anything else is the whole way's to answer
        if (
            not self.enabled
            or type(query) is not str
            or not (operation_name is None or type(operation_name) is str)
        ):
            return None
        key = (query, operation_name)
        document = self._documents.get(key)
        if document is not None:
            self._documents.move_to_end(key)
        return document


async def _gates_pass(extensions: list[SchemaExtension]) -> bool:
    """Whether every gate lets the operation run. A gate that fails to answer (the allow-list cannot
    be read, variables too deep to walk) counts as a refusal: the whole way meets the same failure
    inside its own handling and answers it as always."""
    for extension in extensions:
        if type(extension) in GATES:
            try:
                passes = extension.passes()  # type: ignore[attr-defined]
                if inspect.isawaitable(passes):
                    passes = await passes
            except Exception:
                return False
            if not passes:
                return False
    return True


async def execute(
    schema: Any,
    query: str | None,
    variable_values: dict[str, Any] | None,
    context_value: Any,
    root_value: Any,
    operation_name: str | None,
    allowed_operation_types: Iterable[OperationType] | None,
    operation_extensions: dict[str, Any] | None,
) -> Any:
    """The result of a prepared query, or None to have strawberry's `execute` run the operation
    (nothing has run then). See the module."""
    prepared: PreparedDocuments = schema.prepared
    document = prepared.get(query, operation_name)
    if document is None:
        return None
    allowed = DEFAULT_ALLOWED_OPERATION_TYPES if allowed_operation_types is None else allowed_operation_types
    if OperationType.QUERY not in allowed:
        return None
    extensions: list[SchemaExtension] = schema.get_extensions()
    if not lane_open(tuple(map(type, extensions))):
        return None
    execution_context = schema._create_execution_context(
        query=query,
        allowed_operation_types=allowed,
        variable_values=variable_values,
        context_value=context_value,
        root_value=root_value,
        operation_name=operation_name,
        operation_extensions=operation_extensions,
    )
    execution_context.graphql_document = document
    for extension in extensions:
        extension.execution_context = execution_context
    if not await _gates_pass(extensions):
        return None
    prepared.taken += 1
    runner = schema.create_extensions_runner(execution_context, extensions)
    # strawberry's `execute` from here, with `_execute_operation` inlined without the execution
    # stage's hooks (the gates, which all passed), and the operation stage's run after it, on errors
    try:
        result = await await_maybe(
            schema._get_execute_function()(
                schema._schema,
                document,
                root_value=execution_context.root_value,
                middleware=MiddlewareManager(),  # no extension hooks `resolve` (see `why_closed`)
                variable_values=execution_context.variables,
                operation_name=execution_context.operation_name,
                context_value=execution_context.context,
                is_awaitable=optimized_is_awaitable,
                **execution_context_class_kwargs(schema.execution_context_class),
                **schema._get_custom_context_kwargs(operation_extensions),
            )
        )
        execution_context.result = result
        if isinstance(result, GraphQLExecutionResult) and result.errors:
            execution_context.pre_execution_errors = result.errors
            schema._process_errors(result.errors, execution_context)
        if getattr(result, "errors", None):
            async with runner.operation():
                pass  # (see QUIET_UNLESS_ERRORS)
    except (CannotGetOperationTypeError, InvalidOperationTypeError):
        raise
    except Exception as exc:
        return await schema._handle_execution_result(
            execution_context, PreExecutionError(data=None, errors=[_coerce_error(exc)]), runner
        )
    return await schema._handle_execution_result(execution_context, result, runner, skip_process_errors=True)
