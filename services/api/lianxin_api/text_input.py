"""Absurd input refused with a coded error before it reaches a resolver, the driver or the database.

- `Date`/`DateTime`/`Decimal` scalars that read only what the domain can store: dates in
  `EARLIEST`..`LATEST` (1900-01-01..2100-12-31: every birth, payment, visit and policy date of the
  service fits, and date arithmetic around them can neither overflow Python nor leave PostgreSQL's
  range), instants from 1900 to `LATEST_INSTANT` (also in UTC: year 0001 at +14:00 overflowed),
  amounts through `lianxin.core.money.read_api_decimal` (the one reader of amount text);
- text with a lone UTF-16 surrogate ("\\ud800" in a JSON string), which cannot be encoded as UTF-8 for
  PostgreSQL (nor for the JSON answer), refused like the NUL character (`limits.NoNulInVariables`);
- a mutation refused here still leaves an audit row (outcome: the error code), its input sanitised.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from decimal import Decimal
from typing import Any, Final

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    StringValueNode,
    value_from_ast_untyped,
)
from graphql.validation import ASTValidationRule
from strawberry.extensions import AddValidationRules, SchemaExtension
from strawberry.types.graphql import OperationType
from strawberry.types.scalar import ScalarDefinition

from lianxin.audit import service as audit
from lianxin.core.logs import EncodableMessages
from lianxin.core.money import read_api_decimal

# strawberry logs each request error with the document's text, which may quote a lone surrogate: keep
# those lines writable by any handler (ours, uvicorn's, a test runner's)
logging.getLogger("strawberry.execution").addFilter(EncodableMessages())

EARLIEST: Final = dt.date(1900, 1, 1)
LATEST: Final = dt.date(2100, 12, 31)
# DateTime inputs are only bounds of searches (the audit log's from/to), where "far in the future" is
# a fair value: any instant from 1900 whose UTC date is a year before the end of Python's calendar.
LATEST_INSTANT: Final = dt.date(9998, 12, 31)
SURROGATE_MESSAGE: Final = "text must be valid Unicode: a lone surrogate (U+D800..U+DFFF) cannot be stored"
BAD_USER_INPUT: Final = "BAD_USER_INPUT"
BAD_REQUEST: Final = "BAD_REQUEST"  # as the HTTP view answers a request that is not a GraphQL request


class RefusedInput(GraphQLError):
    """A coded refusal of an input value (an audited outcome when the operation is a mutation)."""

    def __init__(self, message: str, node: Any = None, code: str = BAD_USER_INPUT) -> None:
        super().__init__(message, node, extensions={"code": code})


# -- scalars ------------------------------------------------------------------------------------------


def _date_range_error(value: object, latest: dt.date = LATEST) -> RefusedInput:
    return RefusedInput(f"a date must be between {EARLIEST} and {latest}, got {str(value)[:40]!r}")


def _parse_date(value: object) -> dt.date:
    if not isinstance(value, str) or len(value) > 10:
        raise RefusedInput(f"a Date is written YYYY-MM-DD, got {str(value)[:40]!r}")
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        raise RefusedInput(f"a Date is written YYYY-MM-DD, got {value!r}") from None
    if not EARLIEST <= parsed <= LATEST:
        raise _date_range_error(value)
    return parsed


def _parse_datetime(value: object) -> dt.datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise RefusedInput(f"a DateTime is written in ISO 8601, got {str(value)[:40]!r}")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        raise RefusedInput(f"a DateTime is written in ISO 8601, got {value!r}") from None
    # the calendar date, in its own offset and in UTC, must both be in range (a timestamptz is UTC)
    try:
        utc_day = parsed.astimezone(dt.UTC).date() if parsed.tzinfo else parsed.date()
    except OverflowError:
        raise _date_range_error(value, LATEST_INSTANT) from None
    if not (EARLIEST <= parsed.date() <= LATEST_INSTANT and EARLIEST <= utc_day <= LATEST_INSTANT):
        raise _date_range_error(value, LATEST_INSTANT)
    return parsed


def isoformat_output(value: Any) -> str:
    """The output coercion of `Date` and `DateTime` (the planned executor makes the same call inline
    for a date or a datetime: `executor.plan._METHOD_LEAVES`)."""
    text: str = value.isoformat()
    return text


SCALAR_OVERRIDES: Final[dict[object, ScalarDefinition]] = {
    dt.date: ScalarDefinition(
        name="Date",
        description='A calendar date, ISO 8601 `YYYY-MM-DD` (e.g. "2026-11-30"); 1900-01-01..2100-12-31.',
        specified_by_url=None,
        serialize=isoformat_output,
        parse_value=_parse_date,
        parse_literal=None,
        origin=dt.date,
    ),
    dt.datetime: ScalarDefinition(
        name="DateTime",
        description='An instant, ISO 8601 with its offset (e.g. "2026-11-30T09:52:36+00:00"); output in UTC.',
        specified_by_url=None,
        serialize=isoformat_output,
        parse_value=_parse_datetime,
        parse_literal=None,
        origin=dt.datetime,
    ),
    # amount text is read by `money.read_api_decimal` only; what it cannot read reaches the mutation as
    # a `RefusedAmount` and is refused there, as a typed user error with its field path
    Decimal: ScalarDefinition(
        name="Decimal",
        description='An exact decimal as a string, never a float: money in yuan to the fen ("850.00"; '
        "input also a whole number), land in mu (亩).",
        specified_by_url=None,
        serialize=str,
        parse_value=read_api_decimal,
        parse_literal=None,
        origin=Decimal,
    ),
}
"""Given to `strawberry.Schema(scalar_overrides=…)`; the printed schema does not change."""


# -- lone surrogates ---------------------------------------------------------------------------------


def _bad_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def holds_lone_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return _bad_text(value)
    if isinstance(value, Mapping):
        return any(holds_lone_surrogate(k) or holds_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_lone_surrogate(v) for v in value)
    return False


class NoLoneSurrogatesInStrings(ASTValidationRule):
    """String literals of the document (the lexer already refuses them elsewhere in it)."""

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if _bad_text(node.value):
            self.report_error(RefusedInput(SURROGATE_MESSAGE, node))


# -- the extension -------------------------------------------------------------------------------------


def _refusal_codes(errors: list[GraphQLError] | None) -> list[str]:
    codes = []
    for error in errors or ():
        refused = error if isinstance(error, RefusedInput) else error.original_error
        if isinstance(refused, RefusedInput):
            codes.append(str((refused.extensions or {}).get("code", BAD_USER_INPUT)))
    return codes


class RefusedInputGuard(SchemaExtension):
    """Refuses variables with lone surrogates (and an operation name with one) before execution, and
    writes the audit row of a mutation refused for its input by a scalar, this guard or the rule."""

    def on_parse(self) -> Iterator[None]:
        name = self.execution_context.operation_name
        if name is not None and _bad_text(name):  # else echoed in an error the answer cannot encode
            raise RefusedInput(SURROGATE_MESSAGE)
        yield
        _require_operation_name(self.execution_context)

    async def on_validate(self) -> AsyncIterator[None]:
        yield
        await self._audit(_refusal_codes(self.execution_context.pre_execution_errors))

    def passes(self) -> bool:
        """Whether `on_execute` lets the operation run (the prepared path asks this; executor/prepared.py).
        What it does after the operation (the audit of a refused mutation) never applies to a query."""
        return not holds_lone_surrogate(self.execution_context.variables)

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.result is None and not self.passes():
            context.result = ExecutionResult(data=None, errors=[RefusedInput(SURROGATE_MESSAGE)])
        yield
        result = context.result
        if isinstance(result, ExecutionResult) and result.data is None:
            await self._audit(_refusal_codes(result.errors))

    async def _audit(self, codes: list[str]) -> None:
        context = self.execution_context
        ctx = context.context
        if not codes or getattr(ctx, "principal", None) is None or getattr(ctx, "pool", None) is None:
            return
        try:
            if context.operation_type is not OperationType.MUTATION:
                return
        except RuntimeError:
            return
        from lianxin_api.graphql.audit.recording import actor_of, entity_ids

        variables = context.variables or {}
        for name, arguments in _mutation_fields(context.graphql_document, context.operation_name, variables):
            await audit.record_refused_mutation(
                ctx.pool, actor_of(ctx), name, entity_ids(arguments), arguments, codes
            )


MULTIPLE_OPERATIONS: Final = "Must provide operation name if query contains multiple operations."


def _require_operation_name(context: Any) -> None:
    """The GraphQL spec's GetOperation: with no `operationName`, a document must hold exactly one
    operation. strawberry would run the first one (its `ExecutionContext.operation_name` falls back to
    it), so a client sending two operations without choosing would get one it did not name."""
    document = context.graphql_document
    if document is None or getattr(context, "_provided_operation_name", None) is not None:
        return
    operations = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
    if operations > 1:
        raise GraphQLError(MULTIPLE_OPERATIONS, extensions={"code": BAD_REQUEST})


def _mutation_fields(
    document: Any, operation_name: str | None, variables: Mapping[str, Any]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(field name, arguments as sent) of each top-level field of the mutation to run."""
    if document is None:
        return
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if operation_name is not None and (
            definition.name is None or definition.name.value != operation_name
        ):
            continue
        for selection in definition.selection_set.selections:
            if isinstance(selection, FieldNode):
                given = dict(variables)
                args = {
                    a.name.value: value_from_ast_untyped(a.value, given) for a in selection.arguments or ()
                }
                yield selection.name.value, args
        return


_RULES: Final[list[type[ASTValidationRule]]] = [NoLoneSurrogatesInStrings]  # one class: cache-friendly


def input_extensions() -> list[Any]:
    """For `strawberry.Schema(extensions=…)`, before the validation cache."""
    return [lambda: AddValidationRules(_RULES), RefusedInputGuard]
