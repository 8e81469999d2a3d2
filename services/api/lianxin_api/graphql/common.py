"""Shared GraphQL pieces: the Node interface, Relay connections, typed user errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from lianxin.core.errors import DomainError
from lianxin.core.ids import encode_cursor
from lianxin.core.pagination import Page

T = TypeVar("T")
N = TypeVar("N")


@strawberry.interface(name="Node", description="An object with a global id (Relay).")
class Node:
    id: strawberry.ID


@strawberry.type(name="UserError", description="A problem with the input; nothing was written.")
class UserError:
    field: list[str] | None = strawberry.field(description="Path to the input field at fault.")
    code: str = strawberry.field(description="Stable machine-readable code, e.g. DUPLICATE_NAME.")
    message: str = strawberry.field(description="A sentence for people.")


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


@strawberry.type
class Edge(Generic[T]):
    key: strawberry.Private[int]
    cursor: str = strawberry.field(resolver=_edge_cursor)
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="Count of all items matching, across pages.")


def make_connection(page: Page[N], key: Callable[[N], int], convert: Callable[[N], T]) -> Connection[T]:
    edges = [Edge(key=key(item), node=convert(item)) for item in page.items]
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
