"""A tiny loader for named SQL: `-- name: get_thing` blocks in a package's `queries.sql`."""

from __future__ import annotations

import re
from importlib import resources

_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


class Queries:
    """Attribute access to the named statements of one file; unknown names fail loudly."""

    def __init__(self, source: str, origin: str) -> None:
        self.origin = origin
        self.statements: dict[str, str] = {}
        parts = _NAME.split(source)
        for name, body in zip(parts[1::2], parts[2::2], strict=True):
            if name in self.statements:
                raise ValueError(f"{origin}: query {name!r} defined twice")
            self.statements[name] = body.strip().rstrip(";")

    def __getattr__(self, name: str) -> str:
        try:
            return self.statements[name]
        except KeyError:
            raise AttributeError(f"{self.origin} has no query named {name!r}") from None


def load_queries(package: str, filename: str = "queries.sql") -> Queries:
    text = resources.files(package).joinpath(filename).read_text(encoding="utf-8")
    return Queries(text, f"{package}/{filename}")
