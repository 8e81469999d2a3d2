"""The access registry's field rules, decided once per request where the planned executor runs.

A resolver that applies a field rule (`lianxin.access.fields`) asks the registry for every object it is
called on, although the caller's role, and so the answer, is fixed for the request. `plain_unless_restricted`
gives such a field the planned executor's `PLAIN_GETTER`: the registry is asked once per request and
field, and when the role sees the field in full (or not at all) the field is read as an attribute (or is
the hidden value) for every object; only the cases in between (masked, filtered) still call the resolver.
The resolver stays the definition (graphql-core, the differential check) and must answer the same.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from lianxin.access.fields import Shown
from lianxin.access.kinds import shown
from lianxin_api.executor.plan import PLAIN_GETTER


def plain_unless_restricted(kind: str, field: str, attribute: str, hidden: Any = None) -> dict[str, Any]:
    """`metadata` for a strawberry field whose resolver answers `source.<attribute>` (a dotted path)
    when the caller sees the field `kind.field` in full and `hidden` when it sees it not at all."""
    read = attrgetter(attribute)

    def hide(_source: Any) -> Any:
        return hidden

    def plan(context: Any) -> Callable[[Any], Any] | None:
        match shown(context.principal, kind, field):
            case Shown.FULL:
                return read
            case Shown.HIDDEN:
                return hide
        return None

    return {PLAIN_GETTER: plan}
