"""What the client asked for under the current field, as dotted paths ("edges.node.members").

Connection resolvers use it to skip a count nobody asked for and to prefetch nested lists for a
whole page in one statement each, so the nested resolvers can answer synchronously.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lianxin_api.context import Info


def _walk(selections: Iterable[Any], prefix: str, out: set[str]) -> None:
    for sel in selections:
        name = getattr(sel, "name", None)
        children = getattr(sel, "selections", None) or []
        if name is None or not hasattr(sel, "alias"):  # fragment spread or inline fragment: same level
            _walk(children, prefix, out)
            continue
        path = f"{prefix}{name}"
        out.add(path)
        _walk(children, path + ".", out)


def selected_paths(info: Info) -> set[str]:
    out: set[str] = set()
    for field in info.selected_fields:
        _walk(field.selections, "", out)
    return out
