"""A field with a `PLAIN_GETTER` (a field rule decided once per request): the planned executor asks it
once per execution and then reads the field plainly for every object, or calls the resolver for every
object when it gives no getter; the answers stay graphql-core's (which always calls the resolver)."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

import pytest
import strawberry
from graphql import ExecutionResult, execute, parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from lianxin_api.executor import PlannedExecutor
from lianxin_api.executor.plan import PLAIN_GETTER

pytestmark = pytest.mark.no_db

CALLS: list[str] = []
ASKED: list[str] = []


def _hidden(_source: Any) -> None:
    return None


def _plan(context: dict[str, str]) -> Any:
    ASKED.append(context["mode"])
    return {"full": attrgetter("secret_value"), "hidden": _hidden}.get(context["mode"])


@strawberry.type
class Row:
    name: str
    secret_value: strawberry.Private[str]

    @strawberry.field(metadata={PLAIN_GETTER: _plan})
    def secret(self, info: strawberry.Info) -> str | None:
        CALLS.append(self.name)
        match info.context["mode"]:
            case "full":
                return self.secret_value
            case "hidden":
                return None
        return self.secret_value[:1] + "***"


@strawberry.type
class Query:
    @strawberry.field
    def rows(self) -> list[Row]:
        return [Row(name=f"r{i}", secret_value=f"s{i}") for i in range(5)]


schema = strawberry.Schema(query=Query, execution_context_class=PlannedExecutor)
QUERY = "{ rows { name secret } more: rows { secret } }"


@pytest.mark.parametrize(
    ("mode", "shown", "calls"),
    [("full", "s0", 0), ("hidden", None, 0), ("masked", "s***", 10)],
)
async def test_the_plain_getter_is_asked_once_and_answers_like_the_resolver(
    mode: str, shown: str | None, calls: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIANXIN_EXECUTOR_DIFF", "0")  # only the planned executor counted here
    CALLS.clear()
    ASKED.clear()
    planned = await schema.execute(QUERY, context_value={"mode": mode})
    assert planned.errors is None
    assert planned.data is not None
    assert planned.data["rows"][0] == {"name": "r0", "secret": shown}
    assert len(CALLS) == calls  # the resolver only where the rule is neither full nor hidden
    assert len(ASKED) == 2  # once per execution and field (the two aliases are two fields)

    reference = execute(
        schema._schema,
        parse(QUERY),
        context_value={"mode": mode},
        executor_class=StrawberryGraphQLCoreExecutionContext,
    )
    assert isinstance(reference, ExecutionResult)
    assert planned.data == reference.data
