"""Keyset pages: fetch `first + 1` rows after a cursor to know whether another page follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from lianxin.core.errors import DomainError
from lianxin.core.ids import decode_cursor

T = TypeVar("T")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True)
class PageRequest:
    first: int
    after_id: int  # 0 = from the start

    @classmethod
    def parse(cls, first: int | None, after: str | None) -> PageRequest:
        size = DEFAULT_PAGE_SIZE if first is None else first
        if size < 0 or size > MAX_PAGE_SIZE:
            raise DomainError.single(
                "INVALID_PAGE_SIZE", f"first must be between 0 and {MAX_PAGE_SIZE}, got {size}", ["first"]
            )
        return cls(first=size, after_id=decode_cursor(after) if after else 0)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool
    total: int


def page_from_rows(rows: list[T], request: PageRequest, total: int) -> Page[T]:
    return Page(items=rows[: request.first], has_next=len(rows) > request.first, total=total)
