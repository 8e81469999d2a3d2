"""Review of the planned executor's PLAIN_GETTER awaitables: a getter's awaitable value (what a list
field of Household gives for a household no prefetch serves) answers, fails and propagates nulls
exactly as graphql-core's call of the resolver does."""

from __future__ import annotations

import json
from typing import Any

import pytest
import strawberry
from graphql import ExecutionResult, execute, parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from test_executor_columns import world

from lianxin_api.executor import PlannedExecutor
from lianxin_api.executor.plan import PLAIN_GETTER

__all__ = ["world"]  # the fixture, imported for these tests


async def _later(name: str) -> Any:
    if name.startswith("boom"):
        raise ValueError(f"no items for {name}")
    if name.startswith("none"):
        return None
    return [f"{name}-1", f"{name}-2"]


def _getter(_context: Any) -> Any:
    return lambda source: _later(source.name)


def _sync_getter(_context: Any) -> Any:
    def get(source: Any) -> Any:
        if source.name.startswith("boom"):
            raise ValueError(f"sync failure for {source.name}")
        return _later(source.name)

    return get


@strawberry.type
class Row:
    name: str

    @strawberry.field(metadata={PLAIN_GETTER: _getter})
    def items(self, info: strawberry.Info) -> list[str]:
        return _getter(info.context)(self)  # type: ignore[no-any-return]

    @strawberry.field(metadata={PLAIN_GETTER: _getter})
    def maybe(self, info: strawberry.Info) -> list[str] | None:
        return _getter(info.context)(self)  # type: ignore[no-any-return]

    @strawberry.field(metadata={PLAIN_GETTER: _sync_getter})
    def sync(self, info: strawberry.Info) -> list[str] | None:
        return _sync_getter(info.context)(self)  # type: ignore[no-any-return]


@strawberry.type
class Query:
    @strawberry.field
    def rows(self) -> list[Row]:
        return [Row(name=n) for n in ("a", "boom1", "none1", "b")]

    @strawberry.field
    def nullable_rows(self) -> list[Row | None]:
        return [Row(name=n) for n in ("a", "boom2", "none2")]


schema = strawberry.Schema(query=Query, execution_context_class=PlannedExecutor)


def _canonical(result: ExecutionResult) -> tuple[str, list[str]]:
    return (
        json.dumps(result.data),
        sorted(json.dumps(e.formatted, default=str) for e in result.errors or ()),
    )


@pytest.mark.parametrize(
    "query",
    [
        "{ nullableRows { name items } }",
        "{ nullableRows { name maybe sync } }",
        "{ rows { name maybe } }",
        "{ rows { name items } }",
        "{ a: nullableRows { items } b: nullableRows { maybe } c: rows { sync } }",
    ],
)
@pytest.mark.no_db
async def test_a_plain_getters_awaitable_answers_like_the_resolver(
    query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIANXIN_EXECUTOR_DIFF", "0")
    planned = await schema.execute(query, context_value={})
    reference = execute(
        schema._schema, parse(query), context_value={}, executor_class=StrawberryGraphQLCoreExecutionContext
    )
    if not isinstance(reference, ExecutionResult):
        reference = await reference
    assert _canonical(planned) == _canonical(reference)


async def _rows_of(conn: Any, sql: str, build: Any, ids: list[int]) -> list[Any]:
    from lianxin.core.plan_shapes import combined

    row = await conn.fetchrow(combined((sql,), len(ids) == 1), ids[0] if len(ids) == 1 else ids)
    return build(row[0])  # type: ignore[no-any-return]


@pytest.mark.usefixtures("world")
async def test_the_household_and_union_parts_build_what_their_loaders_do(pool: Any) -> None:
    """`households_part` primes `household_by_id` for `node(id:)` and `unions_of_households_part`
    `union_by_id`: the differential check cannot see a difference there (both executors read the same
    primed row), so each is compared with its loader's own statement here, every column."""
    import dataclasses

    from lianxin.household import repository as household_repo
    from lianxin.trade_union import repository as union_repo

    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE household SET status = 'CLOSED', status_changed_on = '2024-01-02', status_reason = $1, "
            "contact_name = NULL, exclusions = ARRAY['HIGH_FEE_PRIVATE_SCHOOL'], major_event_casualty = true "
            "WHERE id = (SELECT min(id) FROM household)",
            '原因, "引号" (括号) \\ 反斜杠',
        )
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM household ORDER BY id")]
        for some in ([ids[0]], [ids[1]], ids):
            sql, build = household_repo.households_part()
            got = await _rows_of(conn, sql, build, some)
            expected = await household_repo.list_households_by_ids(conn, some)
            one = [await household_repo.get_household(conn, i) for i in some]
            as_dicts = sorted((dataclasses.asdict(h) for h in got), key=lambda h: h["id"])
            assert as_dicts == sorted((dataclasses.asdict(h) for h in expected), key=lambda h: h["id"])
            assert as_dicts == [dataclasses.asdict(h) for h in one if h is not None]
            sql, build = union_repo.unions_of_households_part()
            unions = await _rows_of(conn, sql, build, some)
            union_ids = sorted({h.union_id for h in expected})
            assert sorted(unions, key=lambda u: u.id) == await union_repo.list_unions_by_ids(conn, union_ids)


H = """fragment H on Household { id archiveNo hardshipReasons exclusions contactPhone
  members { id name idNumber relation birthDate } m2: members { health }
  incomes { kind monthlyAmount memberId } expenditures { kind annualAmount } assets { kind value count }
  sponsorships { id active startedOn sponsor { id name } }
  latestDecision { id outcome monthlyBenefit categoryIncome suggestedCategory trace { rule passed value } }
  d2: latestDecision { outcome evaluatedAt } union { id name } }"""
ONE = "query($a: ID!) { node(id: $a) { __typename ...H } }\n" + H
PAGE = "query($n: Int!) { households(first: $n) { edges { node { __typename ...H } } } }\n" + H


@pytest.mark.parametrize("role", ["ADMIN", "UNION_STAFF", "CIVIL_AFFAIRS", "SPONSOR"])
async def test_a_household_reads_the_same_by_node_a_page_of_one_and_a_page(
    gql: Any, world: dict[str, Any], role: str
) -> None:
    """The same lists read three ways (one combined statement for one id; a statement per long list
    and a combined one for the short ones on a page; the node's own statement): the differential check
    compares two executors over one reading, this compares the readings, decisions and incomes too."""
    from test_executor_columns import _tokens

    token = _tokens(world)[role]
    screens = [await gql.raw(ONE, {"a": i}, token=token) for i in world["ids"]]
    assert all("errors" not in s for s in screens), screens
    if role == "SPONSOR":  # (lists no households: its screens only)
        assert all(s["data"]["node"]["latestDecision"] is None for s in screens)
        assert all(s["data"]["node"]["incomes"] == [] for s in screens)
        return
    one = await gql.raw(PAGE, {"n": 1}, token=token)
    many = await gql.raw(PAGE, {"n": 3}, token=token)
    assert "errors" not in one, one
    assert "errors" not in many, many
    edges = many["data"]["households"]["edges"]
    assert len(edges) == 3
    assert one["data"]["households"]["edges"] == edges[:1]
    assert [s["data"]["node"] for s in screens] == [e["node"] for e in edges]
    assert edges[0]["node"]["latestDecision"]["trace"]
    assert edges[0]["node"]["incomes"][0]["memberId"]


DIRECTED = """query($a: ID!, $m: Boolean!, $t: Boolean!) { node(id: $a) { ... on Household {
  members @include(if: $m) { name idNumber } incomes @skip(if: $m) { memberId }
  latestDecision { outcome trace @include(if: $t) { rule } }
  ... @include(if: $t) { m: members { relation } } } } }"""


async def test_one_documents_recipe_serves_every_variables_answer(gql: Any, world: dict[str, Any]) -> None:
    """The prefetch recipe is remembered per document (its paths, directives not applied): each
    combination of `@skip`/`@include` answers as the document written without them would."""
    for m in (True, False):
        for t in (False, True, False):
            got = await gql(DIRECTED, {"a": world["ids"][1], "m": m, "t": t})
            parts = [
                "members { name idNumber }" if m else "incomes { memberId }",
                "latestDecision { outcome" + (" trace { rule }" if t else "") + " }",
                "m: members { relation }" if t else "",
            ]
            plain = "query($a: ID!) { node(id: $a) { ... on Household { " + " ".join(parts) + " } } }"
            assert got == await gql(plain, {"a": world["ids"][1]}), (m, t)
