"""The differential check (`LIANXIN_EXECUTOR_DIFF=1`): the planned answer against graphql-core's.

Queries run a second time through graphql-core's own `execute_operation` on a copy of the executor
(fresh errors; statements of the second run are not counted, DataLoader caches are shared). Mutations
must not run twice: graphql-core completes each root field's payload from the very object the planned
run resolved, and the two completions are compared (errors of the root resolvers themselves are the
same object on both sides and are left out).

Data is compared as JSON text, so key order counts; errors are compared as sorted JSON texts of their
`formatted` form (message, locations, path, extensions): the spec gives errors no order, and
graphql-core's order follows which awaitable finished first.
"""

from __future__ import annotations

import json
import logging
from copy import copy
from typing import Any

from graphql import ExecutionResult, GraphQLError
from graphql.execution.executor import CollectedErrors
from graphql.pyutils import Path

from lianxin.core.db import StatementCount, statement_count

log = logging.getLogger(__name__)

# root fields whose answer depends on the moment it is made (the ledger workbook carries the zip
# entries' timestamps): running them twice may differ by a second, so an operation holding one is
# not compared
NOT_REPEATABLE = frozenset({"ledgerExport"})

# every difference seen in this process: (operation text, planned, graphql-core); the tests fail on any
MISMATCHES: list[tuple[str, dict[str, Any], dict[str, Any]]] = []


def _canonical(data: Any, errors: list[GraphQLError] | None) -> dict[str, Any]:
    return {
        "data": json.dumps(data, ensure_ascii=False, default=str),
        "errors": sorted(json.dumps(e.formatted, ensure_ascii=False, default=str) for e in errors or ()),
    }


def _record(executor: Any, planned: dict[str, Any], expected: dict[str, Any]) -> None:
    if planned == expected:
        return
    source = executor.operation.loc.source.body if executor.operation.loc else "?"
    MISMATCHES.append((source, planned, expected))
    log.error("planned executor differs from graphql-core for %s: %s != %s", source, planned, expected)


def _reference(executor: Any) -> Any:
    ref = copy(executor)
    ref.collected_errors = CollectedErrors()
    ref._relevant_sub_fields = {}
    return ref


def _repeatable(executor: Any) -> bool:
    selections = executor.operation.selection_set.selections
    return not any(getattr(getattr(s, "name", None), "value", None) in NOT_REPEATABLE for s in selections)


async def compare_query(executor: Any, result: ExecutionResult) -> None:
    if not _repeatable(executor):
        return
    ref = _reference(executor)
    token = statement_count.set(StatementCount())
    try:
        expected = ref.graphql_core_execute_operation(False)
        if ref.is_awaitable(expected):
            expected = await expected
    finally:
        statement_count.reset(token)
    _record(executor, _canonical(result.data, result.errors), _canonical(expected.data, expected.errors))


async def compare_mutation(executor: Any, plan: Any, run: Any, result: ExecutionResult) -> None:
    ref = _reference(executor)
    raw = run.root_values or {}
    keys = [fp.key for fp in plan.fields if fp.key in raw and not isinstance(raw[fp.key], Exception)]
    expected: dict[str, Any] | None = {}
    token = statement_count.set(StatementCount())
    try:
        for fp in plan.fields:
            if fp.key not in keys:
                continue  # the root resolver failed or never ran: nothing to complete twice
            path = Path(None, fp.key, plan.type_name)
            info = ref.build_resolve_info(fp.field_def, fp.nodes, plan.type, path)
            try:
                value = ref.complete_value(fp.return_type, fp.details, info, path, raw[fp.key], None)
                if ref.is_awaitable(value):
                    value = await value
            except Exception as exc:
                try:
                    ref.handle_field_error(exc, fp.return_type, fp.details, path)
                except GraphQLError as error:  # non-null: graphql-core nulls the whole data
                    ref.collected_errors.add(error, None)
                    expected = None
                    break
                value = None
            expected[fp.key] = value  # type: ignore[index]  # None only after `break`
    finally:
        statement_count.reset(token)
    if result.data is None and len(keys) < len(raw):
        return  # a root resolver's own failure nulled the data: nothing comparable is left
    planned = None if result.data is None else {k: result.data.get(k) for k in keys}
    planned_errors = [e for e in result.errors or () if e.path and e.path[0] in keys]
    _record(executor, _canonical(planned, planned_errors), _canonical(expected, ref.collected_errors.errors))
