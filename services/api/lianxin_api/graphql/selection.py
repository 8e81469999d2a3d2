"""What the client asked for under the current field, as dotted paths ("edges.node.members").

Connection resolvers use it to skip a count nobody asked for and to prefetch nested lists for a
whole page at once (a statement per long list at most, `household.prefetch.read_parts`), so the
nested resolvers can answer synchronously.

The paths depend only on the document (its field nodes and fragments; `@skip`/`@include` are not
applied: a skipped list is prefetched for nothing, never missed), and parsed documents are cached, so
they are computed once per field of a document and remembered by the identity of its field nodes.
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


# id of each field node → (the nodes, kept so that no id is reused while remembered; their paths)
_REMEMBERED: dict[tuple[int, ...], tuple[tuple[Any, ...], frozenset[str]]] = {}
_REMEMBER_AT_MOST = 2048


def selected_paths(info: Info) -> frozenset[str]:
    nodes = tuple(info._raw_info.field_nodes)
    key = tuple(map(id, nodes))
    remembered = _REMEMBERED.get(key)
    if remembered is not None:
        return remembered[1]
    out: set[str] = set()
    for field in info.selected_fields:
        _walk(field.selections, "", out)
    paths = frozenset(out)
    if len(_REMEMBERED) >= _REMEMBER_AT_MOST:
        _REMEMBERED.pop(next(iter(_REMEMBERED)))  # the oldest
    _REMEMBERED[key] = (nodes, paths)
    return paths
