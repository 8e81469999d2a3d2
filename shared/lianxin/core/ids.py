"""Relay global ids ("TradeUnion:42" in URL-safe base64) and opaque keyset cursors."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final

from lianxin.core.errors import DomainError

MAX_PK: Final = 2**63 - 1
"""The largest primary key there can be (PostgreSQL bigint); identity columns start at 1."""
NO_SUCH_PK: Final = -1
"""What a well-formed id with a number outside 1..MAX_PK decodes to: a key no row has (and, unlike 0,
not falsy, so no `if pk:` takes it for "absent"), so every lookup answers exactly as for a missing
record, never with an overflow in the driver or the database."""

_NUMBER: Final = re.compile(r"-?(0|[1-9][0-9]*)", re.ASCII)  # as `str(int)` writes it, nothing else


# what `base64.urlsafe_b64encode` does (standard alphabet, then "+/" as "-_"), without its two
# Python-level calls: ids are made by the hundred per page (`tests/unit/test_ids_fast.py`)
_URLSAFE: Final = bytes.maketrans(b"+/", b"-_")
_b2a = binascii.b2a_base64


# ids made already, by type name and key (an int's): the same pages are read again and again, and an
# id costs several calls to encode. Bounded: a type's ids forgotten at once past the limit, and only
# the first few type names (ours are a handful of literals) ever remembered.
_MADE: dict[str, dict[int, str]] = {}
_MADE_PER_TYPE: Final = 16_384  # about 2.6 MB of ids and their text
_MADE_TYPES: Final = 32


def to_global_id(type_name: str, pk: int) -> str:
    made = _MADE.get(type_name)
    if made is not None and type(pk) is int:  # (not a bool, equal to 0 or 1 as a key)
        found = made.get(pk)
        if found is not None:
            return found
    text = _b2a(f"{type_name}:{pk}".encode(), newline=False).translate(_URLSAFE).decode().rstrip("=")
    if type(pk) is int:
        if made is None:
            if len(_MADE) >= _MADE_TYPES:
                return text
            made = _MADE[type_name] = {}
        elif len(made) >= _MADE_PER_TYPE:
            made.clear()
        made[pk] = text
    return text


def _b64decode(value: str) -> str:
    padded = value + "=" * (-len(value) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")


def parse_global_id(value: str) -> tuple[str, int] | None:
    """(type name, primary key), or None when `value` is not one of our ids.

    A number that no row can have (0, negative, beyond 64 bits) decodes to `NO_SUCH_PK`: such an id
    reads exactly like the id of a missing record, and no lookup ever sees a number it cannot bind."""
    try:
        type_name, _, pk = _b64decode(value).partition(":")
    except (ValueError, UnicodeError, binascii.Error):
        return None
    if not type_name or not _NUMBER.fullmatch(pk):
        return None
    if len(pk) > len(str(MAX_PK)):  # no int() of thousands of digits
        return type_name, NO_SUCH_PK
    number = int(pk)
    return type_name, number if 0 < number <= MAX_PK else NO_SUCH_PK


def expect_global_id(value: str, type_name: str, field: str) -> int:
    """The primary key of a `type_name` id, else a DomainError naming `field`."""
    parsed = parse_global_id(value)
    if parsed is None or parsed[0] != type_name:
        raise DomainError.single("INVALID_ID", f"{value!r} is not a {type_name} id", [field])
    return parsed[1]


def encode_cursor(pk: int) -> str:
    return _b2a(f"k:{pk}".encode(), newline=False).translate(_URLSAFE).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        prefix, _, pk = _b64decode(cursor).partition(":")
        number = int(pk)
    except (ValueError, UnicodeError, binascii.Error):
        number = -1
        prefix = ""
    if prefix != "k" or not 0 <= number <= MAX_PK:
        raise DomainError.single("INVALID_CURSOR", "the cursor is not one this API returned", ["after"])
    return number
