"""The schema documents itself: what GraphiQL and codegen show a frontend developer is a description on
every type, field, argument, input field and enum value (the graphql-schema-linter description rules,
checked here over the schema the code builds)."""

from __future__ import annotations

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
)
from graphql.type import introspection_types, specified_scalar_types

from lianxin_api.schema import schema

from node_tools import ROOT, npm_ci, require, run

pytestmark = pytest.mark.no_db


def _blank(description: str | None) -> bool:
    return description is None or not description.strip()


def undescribed(gql: GraphQLSchema) -> list[str]:
    """Every schema coordinate (Type, Type.field, Type.field(arg:), Enum.VALUE) without a description."""
    missing: list[str] = []
    for name, t in sorted(gql.type_map.items()):
        if name in introspection_types or name in specified_scalar_types:
            continue
        if _blank(t.description):
            missing.append(name)
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
            for fname, f in t.fields.items():
                if _blank(f.description):
                    missing.append(f"{name}.{fname}")
                missing.extend(
                    f"{name}.{fname}({a}:)" for a, arg in f.args.items() if _blank(arg.description)
                )
        elif isinstance(t, GraphQLInputObjectType):
            missing.extend(f"{name}.{fname}" for fname, f in t.fields.items() if _blank(f.description))
        elif isinstance(t, GraphQLEnumType):
            missing.extend(f"{name}.{v}" for v, value in t.values.items() if _blank(value.description))
        elif isinstance(t, GraphQLUnionType):
            pass  # members are types, checked on their own
    return missing


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    missing = undescribed(schema._schema)
    assert not missing, f"{len(missing)} schema elements lack a description:\n" + "\n".join(missing)


def test_the_check_names_an_undescribed_element() -> None:
    """The check itself: a schema with one bare field, one bare argument and one bare value."""
    from graphql import build_schema

    sdl = '''
    """Root."""
    type Query {
      """Described."""
      ok: Int
      bare(x: Int): Kind
    }
    """Kinds."""
    enum Kind {
      """Described."""
      A
      B
    }
    '''
    assert undescribed(build_schema(sdl)) == ["Kind.B", "Query.bare", "Query.bare(x:)"]


@pytest.mark.timeout(600)  # npm ci on a machine without the cached node_modules
def test_graphql_schema_linter_finds_no_undescribed_element() -> None:
    """The linter itself (`npm run lint:schema` in the TypeScript example, `make schema-lint`) agrees on
    the exported schema.graphql."""
    npm = require("npm", hint="install Node.js 20+ with npm")
    example = ROOT / "examples" / "typescript-client"
    npm_ci(example)
    out = run([npm, "run", "--silent", "lint:schema"], example, 120)
    assert "0 errors detected" in out, out
