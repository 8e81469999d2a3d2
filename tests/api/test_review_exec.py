"""Review of the issue-12 speed commits: members made straight from rows (`prefetch.member_view_for`)
answer what the Member models answer for selections the first tests did not try: fragments nested in
fragments, aliases, @include/@skip toggled on one document (the prefetch's paths ignore them), the same
household reached by a page and by `node` (twice) with other member fields, a union's households
inside a page, pairings with their sponsors alongside. Every role; no errors; the suite's differential
check compares each answer with graphql-core's as well."""

from __future__ import annotations

from typing import Any

import pytest
from test_executor_columns import _tokens, world

from lianxin_api.graphql.household import prefetch

__all__ = ["world"]  # the fixture, imported for these tests

TRICKY: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        """query($f: Boolean!) { households(first: 5) { edges { node { id ...H members { ...M } } } } }
        fragment H on Household { m2: members { name @include(if: $f) relation } }
        fragment M on Member { ... on Member { name sex } employment }""",
        {"f": True},
    ),
    (
        """query($f: Boolean!) { households(first: 5) { edges { node { id
        members { name birthDate @include(if: $f) idNumber @skip(if: $f) } } } } }""",
        {"f": False},
    ),
    (
        """query($f: Boolean!) { households(first: 5) { edges { node { id
        members { name birthDate @include(if: $f) idNumber @skip(if: $f) } } } } }""",
        {"f": True},
    ),
    (
        """query($id: ID!) { households(first: 5) { edges { node { id members { name } } } }
        node(id: $id) { ... on Household { members { id name birthYear } } } }""",
        {},
    ),
    (
        """query($id: ID!) { a: node(id: $id) { ... on Household { members { name } } }
        b: node(id: $id) { ... on Household { members { id health } } } }""",
        {},
    ),
    (
        """query($id: ID!) { node(id: $id) { ... on Household { members { __typename }
        sponsorships { startedOn sponsor { name kind } } } } }""",
        {},
    ),
    (
        """{ households(first: 5) { edges { node { members { __typename } sponsorships { id active
        endReason sponsor { id name creditCode } household { id members { id name } } } } } } }""",
        {},
    ),
    (
        """query($u: ID!) { node(id: $u) { ... on TradeUnion { households(first: 5) { edges { node {
        members { name } sponsorships { sponsor { name } }
        union { households(first: 2) { edges { node { members { idNumber name } } } } } } } } } } }""",
        {},
    ),
    (
        """query($id: ID!) { node(id: $id) { ... on Household { members { name } incomes { kind memberId } } } }""",
        {},
    ),
)


async def _answers(gql: Any, world: dict[str, Any]) -> list[Any]:
    out = []
    for role, token in _tokens(world).items():
        for query, variables in TRICKY:
            given = {**variables, "id": world["ids"][1], "u": world["union"]}
            given = {k: v for k, v in given.items() if f"${k}" in query}
            body = await gql.raw(query, given, token=token)
            # (sponsors list no households: that refusal is the only error expected)
            errors = [e for e in body.get("errors", []) if e.get("path") != ["households"]]
            assert not errors, (role, query, body)
            out.append((role, query, body))
    return out


async def test_member_views_answer_as_models_for_tricky_selections(
    gql: Any, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prefetch, "_RECIPES", {})
    viewed = await _answers(gql, world)
    # (the rows' way was taken: a page's, a union's page's and a screen's members)
    kinds = {(base, kind) for (_, base, _, _), r in prefetch._RECIPES.items() for kind in r.kinds}
    assert {("edges.node.", "member_views"), ("", "member_views")} <= kinds
    monkeypatch.setattr(prefetch, "member_view_for", lambda paths, base: None)
    monkeypatch.setattr(prefetch, "_RECIPES", {})
    assert await _answers(gql, world) == viewed
