"""Issue 12: a page whose members are selected by plain fields only (name, relation, sex, employment)
makes each member's GraphQL object straight from its row (`rows.attribute_builder`,
`prefetch.member_view_for`), no Member model first; any other selection (ids, birth dates, ID numbers,
incomes naming their member) reads models as before. Both ways answer the same JSON, for every role."""

from __future__ import annotations

from enum import Enum
from typing import Any

import httpx
import pytest
from test_executor_columns import _tokens, world

from lianxin.access.fields import FULL_RULE
from lianxin.access.kinds import field_rule
from lianxin.core.rows import attribute_builder, by_value
from lianxin.household.models import Member
from lianxin_api.graphql.household import prefetch
from lianxin_api.graphql.household.types import MEMBER_VIEW_FIELDS, MemberType, member_view_builder

__all__ = ["world"]  # the fixture, imported for these tests


class Colour(Enum):
    RED = "RED"
    BLUE = "BLUE"


class View:
    pass


def test_attribute_builder_sets_exactly_its_attributes_converted() -> None:
    build = attribute_builder(
        View, ("id", "colour", "name"), ("name", "colour", "shade"), (("colour", by_value(Colour)),)
    )
    made = build((7, "BLUE", "蓝"))
    assert type(made) is View
    assert made.__dict__ == {"name": "蓝", "colour": Colour.BLUE, "shade": None}  # not read: None
    assert type(made.colour) is Colour
    assert build((7, None, "x")).colour is None
    with pytest.raises(ValueError, match="is not a valid Colour"):
        build((7, "GREEN", "x"))  # as the model's own conversion fails
    # one compiled function per (class, columns, attributes, conversions)
    assert (
        attribute_builder(
            View, ("id", "colour", "name"), ("name", "colour", "shade"), (("colour", by_value(Colour)),)
        )
        is not build
    )
    for bad in (("id", "x y"), ("_hidden",)):
        with pytest.raises(ValueError, match="not names"):
            attribute_builder(View, bad, ("id",), ())


def test_member_view_builder_copies_what_from_model_copies() -> None:
    columns = ("household_id", "id", "name", "position", "relation", "sex")
    row = (3, 11, "张三", 0, "HEAD", "MALE")
    view = member_view_builder(columns)(row)
    model = Member.from_columns(columns)(row)
    assert type(view) is MemberType
    copied = MemberType.from_model(model).__dict__
    assert view.__dict__ == {k: v for k, v in copied.items() if k != "model"}
    assert view.__dict__ == {"name": "张三", "relation": model.relation, "sex": model.sex, "employment": None}
    with pytest.raises(AttributeError):
        _ = view.model  # never made: a field that needs it is never selected this way
    with pytest.raises(ValueError, match="not fields of Member"):
        Member.view_builder(MemberType, columns, ("name", "nickname"))


def test_only_fields_without_resolver_or_rule_are_view_fields() -> None:
    assert {"__typename", "name", "relation", "sex", "employment"} == MEMBER_VIEW_FIELDS
    # none has a field rule in the access registry (one that had would never be served from rows)
    assert all(field_rule("Member", name) is FULL_RULE for name in MEMBER_VIEW_FIELDS - {"__typename"})
    assert field_rule("Member", "idNumber") is not FULL_RULE
    base = "edges.node.members."
    assert prefetch.member_view_for(frozenset({base + "name", base + "relation", base + "__typename"}), base)
    for other in ("id", "birthDate", "birthYear", "health", "idNumber", "name.deeper"):
        assert prefetch.member_view_for(frozenset({base + "name", base + other}), base) is None, other
    plain = frozenset({"edges.node.id", "edges.node.members", base + "name"})
    recipe = prefetch.household_parts(plain, "edges.node.")
    assert recipe.kinds == ("member_views",)
    # what the rows are grouped by and the selection reads, nothing else (the order is the statement's)
    assert recipe.parts[0][0].startswith("SELECT household_id, name FROM member")
    assert recipe.member_view_household == 0
    with_id = plain | {base + "id"}
    assert prefetch.household_parts(with_id, "edges.node.").kinds == ("members",)
    # incomes name their member: models
    with_incomes = plain | {"edges.node.incomes", "edges.node.incomes.kind"}
    assert "member_views" not in prefetch.household_parts(with_incomes, "edges.node.").kinds


SELECTIONS = (
    "name relation",
    "__typename name relation sex employment",
    "relation sex",
    "name id",
    "name birthDate birthYear health idNumber",
)
PAGE = """query($first: Int!) { households(first: $first) { edges { node { id
  members { %s } } } } }"""
SCREEN = """query($id: ID!) { node(id: $id) { ... on Household { id members { %s } } } }"""
TWO = """query($first: Int!) { households(first: $first) { edges { node { id
  a: members { name } b: members { ... on Member { relation } } incomes { kind memberId } } } } }"""


async def _answers(client: httpx.AsyncClient, world: dict[str, Any]) -> list[Any]:
    out = []
    for role, token in _tokens(world).items():
        auth = {"Authorization": f"Bearer {token}"}
        for selection in SELECTIONS:
            for query, variables in ((PAGE, {"first": 3}), (SCREEN, {"id": world["ids"][1]})):
                response = await client.post(
                    "/graphql", json={"query": query % selection, "variables": variables}, headers=auth
                )
                out.append((role, selection, response.json()))
        response = await client.post("/graphql", json={"query": TWO, "variables": {"first": 3}}, headers=auth)
        out.append((role, "two", response.json()))
    return out


async def test_views_answer_what_models_answer_for_every_role(
    client: httpx.AsyncClient, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    viewed = await _answers(client, world)
    page = next(body for role, s, body in viewed if role == "ADMIN" and s == "name relation")
    members = page["data"]["households"]["edges"][0]["node"]["members"]
    assert members == [
        {"name": members[0]["name"], "relation": "HEAD"},
        {"name": members[1]["name"], "relation": "CHILD"},
    ]
    monkeypatch.setattr(prefetch, "member_view_for", lambda paths, base: None)
    monkeypatch.setattr(prefetch, "_RECIPES", {})
    assert await _answers(client, world) == viewed
