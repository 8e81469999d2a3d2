"""A tiny loader for named SQL: `-- name: get_thing` blocks in a package's `queries.sql`.

Keyset pages read backward without a second hand-written statement: a page query marks its keyset
comparison and its ordering with `/*keyset*/` (`AND h.id > $4 /*keyset*/ ORDER BY h.id /*keyset*/
LIMIT $5`); inside `reading_backward()` the statement is handed out with both flipped (`h.id < $4 …
ORDER BY h.id DESC`), the caller reverses the rows it gets (`lianxin.core.pagination`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import resources

_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)
MARKER = "/*keyset*/"
_COMPARISON = re.compile(r"([<>])(\s*\$\d+\s*)/\*keyset\*/")
_ORDER = re.compile(r"(ORDER BY\s+[\w.]+)(\s+(?:ASC|DESC))?(\s*)/\*keyset\*/", re.IGNORECASE)
_backward: ContextVar[bool] = ContextVar("lianxin_keyset_backward", default=False)


def backward_statement(sql: str) -> str:
    """`sql` with its marked keyset comparison and ordering reversed; refuses a statement whose
    markers are not exactly one comparison (`col > $n /*keyset*/`) and one ordering."""
    comparisons, orders = _COMPARISON.findall(sql), _ORDER.findall(sql)
    if len(comparisons) != 1 or len(orders) != 1 or sql.count(MARKER) != 2:
        raise ValueError(f"keyset statement needs one marked comparison and one marked ORDER BY: {sql[:80]}")
    flipped = _COMPARISON.sub(lambda m: ("<" if m[1] == ">" else ">") + m[2].rstrip() + " ", sql)
    descending = (orders[0][1] or "").strip().upper() == "DESC"
    return _ORDER.sub(lambda m: m[1] + (" ASC" if descending else " DESC") + m[3], flipped)


def keyset(sql: str) -> str:
    """The statement to run: `sql`, or its backward form inside `reading_backward()`."""
    return backward_statement(sql) if _backward.get() and MARKER in sql else sql


@contextmanager
def reading_backward(backward: bool = True) -> Iterator[None]:
    """Marked keyset statements read inside this block run backward (`last`/`before` pages)."""
    token = _backward.set(backward)
    try:
        yield
    finally:
        _backward.reset(token)


class Queries:
    """Attribute access to the named statements of one file; unknown names fail loudly."""

    def __init__(self, source: str, origin: str) -> None:
        self.origin = origin
        self.statements: dict[str, str] = {}
        self.backward: dict[str, str] = {}
        parts = _NAME.split(source)
        for name, body in zip(parts[1::2], parts[2::2], strict=True):
            if name in self.statements:
                raise ValueError(f"{origin}: query {name!r} defined twice")
            statement = body.strip().rstrip(";")
            self.statements[name] = statement
            if MARKER in statement:  # checked when loaded, not on the first backward page
                self.backward[name] = backward_statement(statement)

    def __getattr__(self, name: str) -> str:
        try:
            if _backward.get() and name in self.backward:
                return self.backward[name]
            return self.statements[name]
        except KeyError:
            raise AttributeError(f"{self.origin} has no query named {name!r}") from None


def load_queries(package: str, filename: str = "queries.sql") -> Queries:
    text = resources.files(package).joinpath(filename).read_text(encoding="utf-8")
    return Queries(text, f"{package}/{filename}")
