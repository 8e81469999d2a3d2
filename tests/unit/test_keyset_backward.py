"""The query loader derives a backward page statement from a forward one marked `/*keyset*/`
(issue 15: `last`/`before` without a second hand-written statement per list)."""

from __future__ import annotations

import pytest

from lianxin.core.pagination import KEY_MAX, PageRequest, page_from_rows
from lianxin.core.sql import Queries, backward_statement, keyset, reading_backward

FORWARD = "SELECT * FROM t WHERE a = $1 AND t.id > $2 /*keyset*/\nORDER BY t.id /*keyset*/ LIMIT $3"


def test_comparison_and_ordering_are_flipped() -> None:
    assert (
        backward_statement(FORWARD)
        == "SELECT * FROM t WHERE a = $1 AND t.id < $2 \nORDER BY t.id DESC  LIMIT $3"
    )
    newest_first = "SELECT * FROM t WHERE id < $6 /*keyset*/ ORDER BY id DESC /*keyset*/ LIMIT $7"
    assert backward_statement(newest_first) == "SELECT * FROM t WHERE id > $6  ORDER BY id ASC  LIMIT $7"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1 WHERE id > $1 /*keyset*/ LIMIT $2",  # no marked ordering
        "SELECT 1 WHERE id > $1 /*keyset*/ AND x > $3 /*keyset*/ ORDER BY id /*keyset*/",  # two comparisons
    ],
)
def test_badly_marked_statements_fail_when_loaded(sql: str) -> None:
    with pytest.raises(ValueError, match="keyset statement"):
        Queries(f"-- name: page\n{sql};\n", "test")


def test_statements_read_backward_only_inside_the_block() -> None:
    q = Queries(f"-- name: page\n{FORWARD};\n-- name: count\nSELECT count(*) FROM t;\n", "test")
    assert q.page == FORWARD
    with reading_backward():
        assert "t.id < $2" in q.page
        assert q.count == "SELECT count(*) FROM t"
        assert "ORDER BY t.id DESC" in keyset(FORWARD)
    assert q.page == FORWARD


def test_backward_pages_come_back_in_list_order() -> None:
    request = PageRequest.parse(None, None, last=2, before=None)
    assert request.key() == KEY_MAX
    assert request.key(ascending=False) == 0
    page = page_from_rows([9, 8, 7], request, total=9)
    assert page.items == [8, 9]
    assert page.has_previous
    assert not page.has_next
