"""Record ids on the command line: the global id the API shows (`VHJhZGVVbmlvbjoy`) or the raw number.

Every CLI option that names a record takes either, so an id copied from GraphiQL works as it is and
scripts written with numbers keep working. A global id of another type is refused, as the API refuses it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from lianxin.core.ids import MAX_PK, parse_global_id, to_global_id

# the API's type names for the records the CLI takes ids of
TRADE_UNION = "TradeUnion"
AGENCY = "Agency"
SPONSOR = "Organization"
HOUSEHOLD = "Household"


def parse_id(value: str, type_name: str) -> int:
    """The primary key named by `value` (a `type_name` global id or a positive number); ValueError else."""
    text = value.strip()
    if text.isascii() and text.isdigit():
        number = int(text)
        if 0 < number <= MAX_PK:
            return number
        raise ValueError(f"{value!r} is not a {type_name} id (numbers start at 1)")
    parsed = parse_global_id(text)
    if parsed is None or parsed[0] != type_name or not 0 < parsed[1] <= MAX_PK:
        raise ValueError(
            f"{value!r} is not a {type_name} id (give the id GraphQL shows, e.g. "
            f"{to_global_id(type_name, 2)}, or the number)"
        )
    return parsed[1]


def id_of(type_name: str) -> Callable[[str], int]:
    """An argparse `type=` for ids of `type_name`: a bad one is a usage error naming the type."""

    def convert(value: str) -> int:
        try:
            return parse_id(value, type_name)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = f"{type_name} id"
    return convert
