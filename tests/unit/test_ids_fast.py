"""`to_global_id` and `encode_cursor` skip the base64 module's wrappers: byte for byte what it gives."""

import base64

from lianxin.core.ids import MAX_PK, encode_cursor, parse_global_id, to_global_id


def _reference(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_global_ids_and_cursors_are_what_base64_gives() -> None:
    names = ["Household", "Member", "TradeUnion", "Sponsorship", "Organization", "A", "AB", "ABC", "节点"]
    numbers = [*range(-5, 300), 2**31, 2**53 + 1, MAX_PK, 10**30, 16_777_215, 62, 63, 4095]
    for name in names:
        for pk in numbers:
            assert to_global_id(name, pk) == _reference(f"{name}:{pk}")
    for pk in numbers:
        assert encode_cursor(pk) == _reference(f"k:{pk}")
    # (digits never give "+" or "/": names that do, for the URL-safe letters "-" and "_")
    assert to_global_id("~~~", 1) == _reference("~~~:1") == "fn5-OjE"
    assert to_global_id("\xff\xff", 7) == _reference("\xff\xff:7")
    assert to_global_id("???", 7) == _reference("???:7") == "Pz8_Ojc"
    assert parse_global_id(to_global_id("Household", 42)) == ("Household", 42)


def test_remembered_ids_are_the_encoded_ones() -> None:
    from lianxin.core import ids

    for _ in range(2):  # made, then remembered
        assert to_global_id("Household", 42) == _reference("Household:42")
        assert to_global_id("Member", 42) == _reference("Member:42")
        # a bool is not the int it equals: encoded as it is written, never answered from the ints
        assert to_global_id("Household", True) == _reference("Household:True")  # type: ignore[arg-type]
        assert to_global_id("Household", 1) == _reference("Household:1")
    assert ids._MADE["Household"][42] == _reference("Household:42")
    # bounded: a type's ids are forgotten past the limit, and only so many type names are kept
    many = {f"T{k}": k for k in range(ids._MADE_TYPES + 5)}
    for name, k in many.items():
        assert to_global_id(name, k) == _reference(f"{name}:{k}")
    assert len(ids._MADE) <= ids._MADE_TYPES
    for pk in range(ids._MADE_PER_TYPE + 10):
        assert to_global_id("Household", pk) == _reference(f"Household:{pk}")
    assert 0 < len(ids._MADE["Household"]) <= ids._MADE_PER_TYPE
