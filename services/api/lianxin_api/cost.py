"""A cost limit on operations (strawberry has none built in): refuse before any resolver runs when the
estimated number of resolved fields is too high.

The estimate, computed from the document and the request's variables:

- every selected field costs 1;
- a field taking `first` (a connection page) multiplies the cost of its selection by `first`
  (the default page size when absent);
- a connection's `edges` cost their selection once (the page's `first` counted them);
- any other list field multiplies the cost of its selection by `LIST_ESTIMATE` (members of a household,
  sponsorships, visits: a handful each);
- fragments count once for each place they are spread; a fragment on an interface or union type counts
  its whole selection (an over-estimate, never an under-estimate). Each fragment is estimated once per
  parent type and reused, so the estimate is linear in the document (a fragment spreading another
  twice, thirty levels deep, is 2³⁰ fields: estimated in thirty steps and refused).

Depth and alias limits (see `limits.py`) bound the shape; this bounds the work: 100 households with
every field is fine, 100 × 100 × 100 nested connections is not.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from strawberry.extensions import SchemaExtension

from lianxin.core.pagination import DEFAULT_PAGE_SIZE

MAX_COST = 25_000
LIST_ESTIMATE = 10
_PAGE_LISTS = frozenset({"edges", "nodes"})
_CEILING = 2**53 - 1  # estimates saturate here (a JSON number every client reads exactly)
# estimates by (schema, document text, operation, the integer variables): only integers (`first`) change
# an estimate, so a page cursor does not; computed once per document and page size (issue 12)
_ESTIMATES: dict[tuple[Any, ...], int] = {}
_ESTIMATES_MAX = 2048


class _Estimator:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.estimated: dict[tuple[str, str], int] = {}  # (fragment, parent type) → its cost there
        self.estimating: set[tuple[str, str]] = set()  # cycles are refused by validation: cost 0

    def _multiplier(self, field: GraphQLField, node: FieldNode) -> int:
        if "first" in field.args:
            for argument in node.arguments or ():
                if argument.name.value != "first":
                    continue
                value = argument.value
                if isinstance(value, IntValueNode):
                    return max(int(value.value), 0)
                if isinstance(value, VariableNode):
                    given = self.variables.get(value.name.value)
                    return max(given, 0) if isinstance(given, int) else DEFAULT_PAGE_SIZE
            return DEFAULT_PAGE_SIZE
        if node.name.value in _PAGE_LISTS:  # a connection's edges: its `first` counted them already
            return 1
        return LIST_ESTIMATE if is_list_type(get_nullable_type(field.type)) else 1

    def _field_def(self, parent: Any, name: str) -> GraphQLField | None:
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            found: GraphQLField | None = parent.fields.get(name)
            return found
        # a union: the field of any member type that has it (they agree on shape in this schema)
        for member in getattr(parent, "types", ()):
            if name in member.fields:
                field: GraphQLField = member.fields[name]
                return field
        return None

    def _fragment(self, name: str, parent: Any) -> int:
        key = (name, getattr(parent, "name", ""))
        known = self.estimated.get(key)
        if known is not None:
            return known
        fragment = self.fragments.get(name)
        if fragment is None or key in self.estimating:
            return 0
        self.estimating.add(key)
        cost = self.cost(fragment.selection_set, parent)
        self.estimating.discard(key)
        self.estimated[key] = cost
        return cost

    def cost(self, selection_set: SelectionSetNode | None, parent: Any) -> int:
        if selection_set is None:
            return 0
        total = 0
        for node in selection_set.selections:
            if isinstance(node, InlineFragmentNode):
                total += self.cost(node.selection_set, parent)
            elif isinstance(node, FragmentSpreadNode):
                total += self._fragment(node.name.value, parent)
            elif isinstance(node, FieldNode):
                field = self._field_def(parent, node.name.value)
                if field is None:  # __typename and introspection fields: cheap
                    total += 1
                else:
                    inner = self.cost(node.selection_set, get_named_type(field.type))
                    total += 1 + self._multiplier(field, node) * inner
            total = min(total, _CEILING)
        return total


def estimate_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
) -> int:
    root = schema.get_root_type(operation.operation)
    return _Estimator(schema, fragments, variables or {}).cost(operation.selection_set, root)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            name is None or (definition.name is not None and definition.name.value == name)
        ):
            return definition
    return None


def _cached_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
) -> int:
    source = document.loc.source.body if document.loc is not None else None
    ints = tuple(sorted((k, v) for k, v in (variables or {}).items() if isinstance(v, int)))
    key = (id(schema), source, operation.name.value if operation.name else None, ints)
    cost = _ESTIMATES.get(key) if source is not None else None
    if cost is None:
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        cost = estimate_cost(schema, operation, fragments, variables)
        if source is not None:
            if len(_ESTIMATES) >= _ESTIMATES_MAX:
                _ESTIMATES.clear()
            _ESTIMATES[key] = cost
    return cost


class CostLimit(SchemaExtension):
    """Refuses an operation whose estimated cost exceeds `MAX_COST`, with the estimate in the error."""

    def cost(self) -> int | None:
        """The operation's estimated cost (None without a document or a matching operation)."""
        context = self.execution_context
        document = context.graphql_document
        operation = _operation(document, context.operation_name) if document is not None else None
        if document is None or operation is None:
            return None
        return _cached_cost(context.schema._schema, document, operation, context.variables)

    def passes(self) -> bool:
        """Whether `on_execute` lets the operation run (the prepared path asks this; executor/prepared.py)."""
        cost = self.cost()
        return cost is None or cost <= MAX_COST

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.result is None:
            cost = self.cost()
            if cost is not None and cost > MAX_COST:
                message = f"query cost {cost} exceeds the limit of {MAX_COST}: ask for smaller pages"
                extensions = {"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": MAX_COST}
                context.result = ExecutionResult(
                    data=None, errors=[GraphQLError(message, extensions=extensions)]
                )
        yield
