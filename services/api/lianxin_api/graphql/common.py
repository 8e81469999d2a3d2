"""Shared GraphQL pieces: the Node interface, Relay connections, typed user errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from lianxin.core.errors import DomainError
from lianxin.core.ids import encode_cursor, to_global_id
from lianxin.core.pagination import Page

T = TypeVar("T")
N = TypeVar("N")


@strawberry.interface(name="Node", description="An object with a global id (Relay).")
class Node:
    id: strawberry.ID = strawberry.field(
        description="Global id (Relay): opaque, stable; pass it to `node(id:)` or to a mutation's id input."
    )


class LazyGlobalId:
    """The `id` of a strawberry type's objects made from a model (`self.model.id`), encoded when first
    read and kept (in the object's `__dict__`, as the dataclass __init__ would have set it): pages make
    hundreds of objects whose ids the selection mostly does not show. A non-data descriptor set on the
    class after the type is made: an `id` given to the constructor still wins, and the type's fields,
    hence the schema, are unchanged (`lazy_global_id`)."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__["id"] = to_global_id(self.kind, obj.model.id)
        return value


def lazy_global_id(cls: type[T]) -> type[T]:
    """`cls` (a strawberry type implementing Node, with a `model`) whose objects made without an
    `id` encode it from `model.id` when it is read (`LazyGlobalId`), under the type's GraphQL name."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    assert "id" not in cls.__dict__, "the type's id has a default or a resolver"
    cls.id = LazyGlobalId(definition.name)  # type: ignore[attr-defined]
    return cls


class ContextOnly:
    """What a request's getters (the planned executor's PLAIN_GETTER) hand the helpers that read
    nothing of `info` but its `context` (the loaders, the caller): the resolvers' `_…_later` for an
    object no prefetch serves."""

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context


def made(cls: type[T], attributes: dict[str, Any]) -> T:
    """An instance of the strawberry type `cls` with exactly these attributes, as its dataclass
    __init__ would set them from the same keyword arguments (every field given), without the call:
    for `from_model` of types made by the hundred per page (`tests/api/test_executor_makers.py`)."""
    instance = object.__new__(cls)
    instance.__dict__ = attributes
    return instance


@strawberry.type(name="UserError", description="A problem with the input; nothing was written.")
class UserError:
    field: list[str] | None = strawberry.field(description="Path to the input field at fault.")
    code: str = strawberry.field(description="Stable machine-readable code, e.g. DUPLICATE_NAME.")
    message: str = strawberry.field(description="A sentence for people.")


ERRORS_DESCRIPTION = (
    "What was wrong with the input; empty on success. When not empty, nothing was written and the "
    "payload's object is null."
)


def errors_field() -> Any:
    """`errors` of every mutation payload, described once."""
    return strawberry.field(description=ERRORS_DESCRIPTION)


def describe_values(enum: type[Enum], descriptions: Mapping[Any, str]) -> None:
    """Descriptions of an enum's values (keyed by member or by name), for a domain enum registered
    with `strawberry.enum` (the domain enums stay free of strawberry, so `strawberry.enum_value` cannot
    be used there)."""
    definition: Any = enum.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        member = enum(value.value)
        text = descriptions.get(member, descriptions.get(member.name))
        if text is not None:
            value.description = text


# the states of every queued background run (eligibility runs, simulations, aid batches)
RUN_STATES: Mapping[str, str] = {
    "QUEUED": "Waiting for a worker.",
    "RUNNING": "A worker is at it; `done` counts progress.",
    "DONE": "Finished; results are final.",
    "FAILED": "Stopped by an error.",
}


def user_errors(exc: DomainError) -> list[UserError]:
    return [
        UserError(field=list(i.field) if i.field else None, code=i.code, message=i.message)
        for i in exc.issues
    ]


@strawberry.type(name="PageInfo", description="Where a page sits in its list (Relay cursor connections).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow this page (read them with `first` and `after: endCursor`)."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the page's last item; null for an empty page."
    )
    has_previous_page: bool = strawberry.field(
        description="Items precede this page (read them with `last` and `before: startCursor`)."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the page's first item; null for an empty page."
    )


First = Annotated[
    int | None,
    strawberry.argument(
        description="Page forward: this many items (at most 100; default 20) from the start of the list, "
        "or after `after`."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Page forward: the items just after this cursor (an `endCursor` or an edge's `cursor`)."
    ),
]
ById = Annotated[strawberry.ID, strawberry.argument(description="The object's global id.")]

# filters several queries share
InRegion = Annotated[
    str | None,
    strawberry.argument(description="Only within this region: a GB/T 2260 code and everything inside it."),
]
InUnion = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="Only within this TradeUnion and its subtree."),
]

In = TypeVar("In")
# `input: MutationInput[CreateHouseholdInput]`: every mutation's one argument, described once (its fields
# are described on the input type)
MutationInput = Annotated[
    In,
    strawberry.argument(description="What the mutation is to do; each field is described on the input type."),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description="Page backward: this many items (at most 100) from the end of the list, or before "
        "`before`; not with `first`."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(description="Page backward: the items just before this cursor (with `last`)."),
]


def _edge_cursor(self: Any) -> str:
    # encoded when asked for: pages of 50-100 edges are mostly read without their cursors
    return encode_cursor(self.key)


@strawberry.type(description="One item of a page with its cursor (Relay).")
class Edge(Generic[T]):
    key: strawberry.Private[int]
    cursor: str = strawberry.field(
        resolver=_edge_cursor,
        description="Opaque position of this item; pass it as `after` (or `before`) to page on from here.",
    )
    node: T = strawberry.field(description="The item.")


@strawberry.type(
    description="One page of a list (Relay cursor connection): the items as `edges`, where the page "
    "sits in `pageInfo`, and `totalCount`."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The page's items in the list's order.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more items follow or precede.")
    total_count: int = strawberry.field(description="Count of all items matching, across pages.")


def make_connection(page: Page[N], key: Callable[[N], int], convert: Callable[[N], T]) -> Connection[T]:
    new = object.__new__  # (`made` inlined: pages of 50-100 edges)
    edges: list[Edge[T]] = []
    for item in page.items:
        edge = new(Edge)
        edge.__dict__ = {"key": key(item), "node": convert(item)}
        edges.append(edge)
    return connection_of(page, edges)


def connection_of(page: Page[Any], edges: list[Edge[T]]) -> Connection[T]:
    """The connection of a page whose edges (one per item, in order) are made already, e.g. by a
    generated maker (`HouseholdType.edge_maker`); `make_connection` makes them one by one."""
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            end_cursor=encode_cursor(edges[-1].key) if edges else None,
            has_previous_page=page.has_previous,
            start_cursor=encode_cursor(edges[0].key) if edges else None,
        ),
        total_count=page.total,
    )
