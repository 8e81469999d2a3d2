"""Relay global ids ("TradeUnion:42" in URL-safe base64) and opaque keyset cursors."""

from __future__ import annotations

import base64
import binascii

from lianxin.core.errors import DomainError


def to_global_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def _b64decode(value: str) -> str:
    padded = value + "=" * (-len(value) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")


def parse_global_id(value: str) -> tuple[str, int] | None:
    """(type name, primary key), or None when `value` is not one of our ids."""
    try:
        type_name, _, pk = _b64decode(value).partition(":")
        number = int(pk)
    except (ValueError, UnicodeError, binascii.Error):
        return None
    if not type_name or number <= 0 or str(number) != pk:
        return None
    return type_name, number


def expect_global_id(value: str, type_name: str, field: str) -> int:
    """The primary key of a `type_name` id, else a DomainError naming `field`."""
    parsed = parse_global_id(value)
    if parsed is None or parsed[0] != type_name:
        raise DomainError.single("INVALID_ID", f"{value!r} is not a {type_name} id", [field])
    return parsed[1]


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"k:{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        prefix, _, pk = _b64decode(cursor).partition(":")
        number = int(pk)
    except (ValueError, UnicodeError, binascii.Error):
        number = -1
        prefix = ""
    if prefix != "k" or number < 0:
        raise DomainError.single("INVALID_CURSOR", "the cursor is not one this API returned", ["after"])
    return number
