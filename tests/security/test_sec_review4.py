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
