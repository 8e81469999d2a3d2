"""Keyset pages: fetch one row more than asked for, after (or before) a cursor, to know whether another
page follows.

Forward (`first`/`after`) reads a list in its order; backward (`last`/`before`) reads the same list from
the other end: the page statement runs with its keyset comparison and ordering flipped
(`lianxin.core.sql.reading_backward`) and the rows come back in list order again, so paging backward
over a list gives the same items as paging forward.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from lianxin.core.errors import DomainError
from lianxin.core.ids import decode_cursor
from lianxin.core.sql import reading_backward

T = TypeVar("T")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
KEY_MAX = 2**63 - 1  # above every id: where a backward read of an ascending list starts


@dataclass(frozen=True)
class PageRequest:
    first: int  # the page size, whichever the direction
    cursor_id: int | None = None  # the `after` (forward) or `before` (backward) item's id
    backward: bool = False

    @classmethod
    def parse(
        cls, first: int | None, after: str | None, last: int | None = None, before: str | None = None
    ) -> PageRequest:
        if first is not None and last is not None:
            raise DomainError.single(
                "INVALID_PAGINATION",
                "pass either first (with after) or last (with before), not both",
                ["last"],
            )
        if (last is not None or before is not None) and after is not None:
            raise DomainError.single(
                "INVALID_PAGINATION", "after goes with first; page backward with last and before", ["after"]
            )
        if before is not None and first is not None:
            raise DomainError.single(
                "INVALID_PAGINATION", "before goes with last; page forward with first and after", ["before"]
            )
        backward = last is not None or before is not None
        name, size = ("last", last) if backward else ("first", first)
        size = DEFAULT_PAGE_SIZE if size is None else size
        if size < 0 or size > MAX_PAGE_SIZE:
            raise DomainError.single(
                "INVALID_PAGE_SIZE", f"{name} must be between 0 and {MAX_PAGE_SIZE}, got {size}", [name]
            )
        cursor = before if backward else after
        return cls(first=size, cursor_id=decode_cursor(cursor) if cursor else None, backward=backward)

    @property
    def limit(self) -> int:
        """Rows to fetch: one more than the page, to learn whether the list goes on."""
        return self.first + 1

    def key(self, *, ascending: bool = True) -> int:
        """The keyset bound for the page statement (`id > $n` for an ascending list): the cursor, or
        the end the read starts from."""
        if self.cursor_id is not None:
            return self.cursor_id
        return 0 if ascending != self.backward else KEY_MAX

    @property
    def after_id(self) -> int:
        """`key()` of an ascending list (the name page statements were written with)."""
        return self.key()

    def reading(self) -> _Reading:
        """Run the page statement inside this block (`with` or `async with`, e.g. beside the
        connection's `async with`): it reads backward for `last`/`before`."""
        return _Reading(self.backward)


class _Reading:
    def __init__(self, backward: bool) -> None:
        self._block = reading_backward(backward)

    def __enter__(self) -> None:
        self._block.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._block.__exit__(None, None, None)

    async def __aenter__(self) -> None:
        self._block.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self._block.__exit__(None, None, None)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool
    total: int
    has_previous: bool = False


def page_from_rows(rows: list[T], request: PageRequest, total: int) -> Page[T]:
    """The page in list order. The far side of a cursor holds at least the cursor's own item, so a page
    read after (before) a cursor has a previous (next) page."""
    more = len(rows) > request.first
    items = rows[: request.first]
    if request.backward:
        return Page(items=items[::-1], has_next=request.cursor_id is not None, total=total, has_previous=more)
    return Page(items=items, has_next=more, total=total, has_previous=request.cursor_id is not None)
