"""Issue 12: `columns_for` remembers its answer for a document's (frozen) selected paths; the answer is
the one it computes afresh, for sets that are not frozen and maps of other fields too."""

from __future__ import annotations

from lianxin_api.graphql.household import prefetch
from lianxin_api.graphql.household.prefetch import (
    HOUSEHOLD_FIELD_COLUMNS,
    MEMBER_FIELD_COLUMNS,
    columns_for,
    household_columns,
)


def test_remembered_columns_are_the_computed_ones() -> None:
    cases = [
        frozenset({"edges.node.id", "edges.node.archiveNo", "edges.node.members", "edges.node.members.name"}),
        frozenset({"edges.node.id", "edges.node.somethingNew"}),  # a field not in the map: every column
        frozenset({"id", "status", "members.relation", "members.idNumber"}),
        frozenset(),
    ]
    for paths in cases:
        for base, fields, always in (
            ("edges.node.", HOUSEHOLD_FIELD_COLUMNS, ("id", "union_id")),
            ("", HOUSEHOLD_FIELD_COLUMNS, ("id", "union_id")),
            ("edges.node.members.", MEMBER_FIELD_COLUMNS, ("id", "household_id", "position")),
            ("members.", MEMBER_FIELD_COLUMNS, ("id", "household_id", "position")),
        ):
            fresh = prefetch._columns_for(paths, base, fields, always)
            assert columns_for(paths, base, fields, always) == fresh
            assert columns_for(paths, base, fields, always) == fresh  # remembered
            assert columns_for(set(paths), base, fields, always) == fresh  # not frozen: not remembered
    assert household_columns(cases[0], "edges.node.") == ("archive_no", "id", "union_id")
    assert household_columns(cases[1], "edges.node.") is None
    assert columns_for(cases[2], "members.", MEMBER_FIELD_COLUMNS, ("id",)) == ("id", "id_number", "relation")
    # another map of fields is answered, never from what was remembered for these
    other = {"id": ("id",), "status": ("elsewhere",)}
    assert columns_for(cases[2], "", other, ()) == ("elsewhere", "id")
