"""A `PLAIN_GETTER` reads a field for every object of a request without its arguments: the planned
executor must not use it for a field that has arguments (since resolvers with arguments may be called
directly, `Compiler._direct` sees such fields too), or an argument would be silently ignored where
graphql-core passes it to the resolver."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

import pytest
import strawberry
from graphql_core_reference import graphql_core_answer

from lianxin_api.executor import PlannedExecutor
from lianxin_api.executor.plan import PLAIN_GETTER


def _plan(_context: Any) -> Any:
    return attrgetter("secret_value")  # (a rule that shows the whole value to every caller)


@strawberry.type
class Row:
    secret_value: strawberry.Private[str]

    @strawberry.field(metadata={PLAIN_GETTER: _plan})
    def secret(self, info: strawberry.Info, length: int | None = None) -> str:
        return self.secret_value if length is None else self.secret_value[:length]


@strawberry.type
class Query:
    @strawberry.field
    def rows(self) -> list[Row]:
        return [Row(secret_value=f"secret{i}") for i in range(3)]


schema = strawberry.Schema(query=Query, execution_context_class=PlannedExecutor)

pytestmark = pytest.mark.no_db


@pytest.mark.parametrize(
    "query", ["{ rows { secret(length: 2) } }", "{ rows { secret short: secret(length: 1) } }"]
)
async def test_a_plain_getter_is_not_used_for_a_field_with_arguments(
    query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIANXIN_EXECUTOR_DIFF", "0")  # compared here, after compiling too
    context = {"mode": "full"}
    reference = await graphql_core_answer(schema, query, context=context)
    assert reference.errors is None
    for _ in range(3):  # planned, then compiled
        planned = await schema.execute(query, context_value=context)
        assert planned.errors is None
        assert planned.data == reference.data
