"""The access registry is complete: every root field of the schema has an entry in the operation table,
every record kind the API serves one in the kinds registry (and the adapter a loader for it), every event
type the services write belongs to a kind, and every field rule names a real field. A new kind,
operation or event cannot be forgotten: it fails here until `lianxin.access` says who may see it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from graphql import GraphQLInterfaceType, GraphQLObjectType, get_named_type

from lianxin.access.events import kind_of_event
from lianxin.access.kinds import KINDS
from lianxin.access.operations import MUTATIONS, OPERATIONS, QUERIES, SUBSCRIPTIONS
from lianxin_api.graphql.node import RESOLVERS
from lianxin_api.graphql.visibility import LOADER_OF_KIND, REFERENCE_LOADERS
from lianxin_api.loaders import Loaders
from lianxin_api.schema import schema

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[2]
GRAPHQL = ROOT / "services/api/lianxin_api/graphql"
TYPES = schema._schema.type_map
# root fields whose operation is named by `info.field_name` in a shared helper, not by a literal
BY_FIELD_NAME = {"householdStatistics", "yearlyHouseholdFigures", "yearlyHouseholdChart"}


def _root_fields(name: str) -> set[str]:
    root = TYPES[name]
    assert isinstance(root, GraphQLObjectType)
    return set(root.fields)


def test_every_query_mutation_and_subscription_has_an_entry_in_the_operation_table() -> None:
    assert _root_fields("Query") == set(QUERIES)
    assert _root_fields("Mutation") == set(MUTATIONS)
    assert _root_fields("Subscription") == set(SUBSCRIPTIONS)


def test_no_mutation_is_open_to_the_auditor() -> None:
    assert [name for name, roles in MUTATIONS.items() if "AUDITOR" in roles] == []


def test_every_resolver_checks_an_operation_the_table_knows_and_every_operation_is_checked() -> None:
    called = set()
    for path in GRAPHQL.rglob("*.py"):
        called |= set(re.findall(r'require_operation\(info, "(\w+)"\)', path.read_text()))
    assert called - set(OPERATIONS) == set()
    assert set(OPERATIONS) - called == BY_FIELD_NAME
    assert "require_operation(info, info.field_name)" in (GRAPHQL / "statistics/schema.py").read_text()


def test_every_node_type_is_a_registered_kind_with_a_loader() -> None:
    node = TYPES["Node"]
    assert isinstance(node, GraphQLInterfaceType)
    node_types = {
        name for name, t in TYPES.items() if isinstance(t, GraphQLObjectType) and node in t.interfaces
    }
    assert node_types == set(RESOLVERS) == set(LOADER_OF_KIND)
    assert node_types <= set(KINDS)
    # a kind that is no Node (a household member) is still loadable where mutation input names it
    assert set(KINDS) == set(REFERENCE_LOADERS)
    loaders = Loaders(None)  # type: ignore[arg-type]  # built only to list its DataLoaders
    assert [name for name in REFERENCE_LOADERS.values() if not hasattr(loaders, name)] == []


def _event_types() -> set[str]:
    """Every string literal shaped like an event type (`household.updated`) in a domain's service or
    models (where a constant may name it)."""
    found = set()
    domain = ROOT / "shared/lianxin"
    for path in [*domain.glob("*/service.py"), *domain.glob("*/models.py")]:
        tree = ast.parse(path.read_text())
        # the literal parts of an f-string (`f"rules.v{N}"`, a run's reason) name no event type
        in_fstrings = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            if id(node) in in_fstrings:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
                if re.fullmatch(r"[a-z_]+\.[a-z_]+", value) and not value.startswith("lianxin."):
                    found.add(value)
    return found


def test_every_event_type_the_services_write_belongs_to_a_kind() -> None:
    types = _event_types()
    assert {"household.updated", "aid.paid", "reminder.due", "referral.created"} <= types  # the scan works
    assert sorted(t for t in types if kind_of_event(t) is None) == []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_field_rule_names_a_field_of_the_kind(kind: str) -> None:
    for dotted in KINDS[kind].fields:
        graphql_type = TYPES[kind]
        for part in dotted.split("."):
            assert isinstance(graphql_type, GraphQLObjectType), (kind, dotted)
            assert part in graphql_type.fields, (kind, dotted)
            graphql_type = get_named_type(graphql_type.fields[part].type)


def test_no_module_outside_access_compares_roles() -> None:
    """Who may see or do what is decided in `lianxin.access` only: elsewhere a role is carried, logged
    or printed, never compared (no `.role is`, `.role in`, `.role ==`, no role tuples)."""
    comparing = re.compile(r"\.role\s*(is|in|not in|==|!=)\s|\bRole\.\w+\s*,\s*Role\.")
    offenders = []
    for folder in (ROOT / "services", ROOT / "shared/lianxin"):
        for path in folder.rglob("*.py"):
            if "access" in path.relative_to(ROOT).parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if comparing.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
