"""What the audit trail needs from a GraphQL mutation: who, which operation, its arguments and the
global ids it touched. Kept generic so `run_in_transaction` audits every mutation the same way."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from strawberry.types.nodes import SelectedField

from lianxin.audit.models import Actor
from lianxin.core.ids import parse_global_id, to_global_id
from lianxin_api.context import Context, Info

# Domain models whose GraphQL type (and so global-id prefix) has another name.
_TYPE_NAMES = {
    "Disbursement": "AidDisbursement",
    "StoredDecision": "EligibilityDecision",
    "Simulation": "DibaoSimulation",
    "Enrollment": "MutualAidEnrollment",
    "Claim": "MutualAidClaim",
}


def actor(info: Info) -> Actor:
    return actor_of(info.context)


def actor_of(context: Context) -> Actor:
    caller = context.principal
    if caller is None:  # the authentication gate stops these before any resolver runs
        return Actor(subject="anonymous", role="NONE")
    return Actor(subject=caller.subject, role=caller.role.value)


def arguments(info: Info) -> dict[str, Any]:
    """The mutation's arguments as sent (variables substituted), keyed by their GraphQL names."""
    for selected in info.selected_fields:  # the mutation's own field node
        if isinstance(selected, SelectedField):
            return dict(selected.arguments)
    return {}


def ids_in_input(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str, str, int]]:
    """(input path, global id, type name, primary key) of every one of our ids in the arguments."""
    if isinstance(value, str):
        parsed = parse_global_id(value)
        if parsed is not None:
            yield path, value, parsed[0], parsed[1]
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from ids_in_input(item, (*path, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from ids_in_input(item, (*path, str(index)))


def _ids_in_result(value: Any, depth: int = 0) -> Iterator[str]:
    if isinstance(value, list | tuple) and depth < 2:
        for item in value:
            yield from _ids_in_result(item, depth + 1)
        return
    pk = getattr(value, "id", None)
    if isinstance(pk, int) and not isinstance(pk, bool) and pk > 0:
        name = type(value).__name__
        yield to_global_id(_TYPE_NAMES.get(name, name), pk)


def entity_ids(args: Mapping[str, Any], result: Any = None) -> list[str]:
    """Global ids named in the input, then those of the objects the mutation returned."""
    return list(dict.fromkeys([*(gid for _, gid, _, _ in ids_in_input(args)), *_ids_in_result(result)]))
