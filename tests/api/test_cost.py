"""The cost limit: an estimate of resolved fields from the document and variables, refused over the limit
before any resolver runs."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from lianxin.core.pagination import DEFAULT_PAGE_SIZE
from lianxin_api.cost import LIST_ESTIMATE, MAX_COST, estimate_cost
from lianxin_api.schema import schema

from conftest import make_token


def _cost(document: str, variables: dict[str, Any] | None = None) -> int:
    parsed = parse(document)
    [operation] = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)}
    return estimate_cost(schema._schema, operation, fragments, variables)


@pytest.mark.no_db
def test_a_scalar_costs_one_per_field() -> None:
    assert _cost('{ node(id: "x") { id } }') == 2


@pytest.mark.no_db
def test_pages_multiply_by_first_given_literally_by_variable_or_by_default() -> None:
    # households (1) + first × (edges (1) + 1 × (node (1) + archiveNo (1)))
    assert _cost("{ households(first: 50) { edges { node { archiveNo } } } }") == 1 + 50 * 3
    assert (
        _cost("query($n: Int) { households(first: $n) { edges { node { archiveNo } } } }", {"n": 7})
        == 1 + 7 * 3
    )
    assert _cost("{ households { edges { node { archiveNo } } } }") == 1 + DEFAULT_PAGE_SIZE * 3


@pytest.mark.no_db
def test_plain_lists_multiply_by_the_list_estimate_and_fragments_count_where_spread() -> None:
    inline = _cost("{ households(first: 10) { edges { node { members { sex birthDate } } } } }")
    assert inline == 1 + 10 * (1 + 1 + 1 + LIST_ESTIMATE * 2)
    spread = _cost(
        "query { households(first: 10) { edges { node { ...H } } } } fragment H on Household { members { sex birthDate } }"
    )
    assert spread == inline


@pytest.mark.no_db
def test_a_full_page_of_households_with_members_fits_the_limit() -> None:
    member = "members { id relation sex birthDate health employment idNumber }"
    assert (
        _cost(
            f"{{ households(first: 100) {{ totalCount edges {{ cursor node {{ id archiveNo level {member} }} }} }} }}"
        )
        < MAX_COST
    )


NESTED = """{ unions(first: 100) { edges { node { households(first: 100) { edges { node {
  sponsorships { household { members { id sex birthDate relation } } } } } } } } } }"""


async def test_a_costly_query_is_refused_before_execution_with_its_estimate(gql: Any) -> None:
    body = await gql.raw(NESTED)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] > MAX_COST
    assert error["extensions"]["limit"] == MAX_COST


async def test_the_same_shape_with_small_pages_runs(gql: Any) -> None:
    small = NESTED.replace("first: 100", "first: 2")
    body = await gql.raw(small)
    assert "errors" not in body, body
    assert body["data"]["unions"]["edges"] == []


async def test_an_unauthenticated_caller_is_told_that_first(gql: Any) -> None:
    body = await gql.raw(NESTED, token="")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert make_token()  # the fixture's tokens are otherwise valid
