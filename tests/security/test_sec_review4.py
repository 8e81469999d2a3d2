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
