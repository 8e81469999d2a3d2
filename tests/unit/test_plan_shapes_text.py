"""Issue 12: statements rewritten so PostgreSQL plans them once (`lianxin.core.plan_shapes`) — the text
side: what is written, what is refused, and that no argument ever reaches the text."""

from __future__ import annotations

import pytest

from lianxin.core.plan_shapes import for_ids, single_id_form, without_null_arguments

pytestmark = pytest.mark.no_db

BY_IDS = "SELECT * FROM member WHERE household_id = ANY($1::bigint[]) ORDER BY household_id, position"
FILTERED = (
    "SELECT * FROM t WHERE ($1::bigint IS NULL OR a = $1) AND ($2::text IS NULL OR b LIKE $2 || '%') "
    "AND id > $3 ORDER BY id LIMIT $4"
)
NULLABLE = {1: "bigint", 2: "text"}


def test_one_id_is_read_by_key_and_any_other_number_as_written() -> None:
    assert for_ids(BY_IDS, [7]) == (
        "SELECT * FROM member WHERE household_id = $1::bigint ORDER BY household_id, position",
        7,
    )
    assert for_ids(BY_IDS, [7, 8]) == (BY_IDS, [7, 8])
    assert for_ids(BY_IDS, []) == (BY_IDS, [])


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM t WHERE id = $1",  # no array
        "SELECT * FROM t WHERE id = ANY($1::bigint[]) OR parent = ANY($1::bigint[])",  # twice
        "SELECT * FROM t WHERE id = ANY($1::bigint[]) AND $1 IS NOT NULL",  # $1 elsewhere
    ],
)
def test_a_statement_that_reads_its_ids_otherwise_is_refused(sql: str) -> None:
    with pytest.raises(ValueError, match="for_ids needs"):
        single_id_form(sql)


def test_other_parameters_are_left_alone_in_the_single_id_form() -> None:
    sql = "SELECT * FROM t WHERE id = ANY($1::bigint[]) AND kind = $2 AND n > $10"
    assert single_id_form(sql) == "SELECT * FROM t WHERE id = $1::bigint AND kind = $2 AND n > $10"


def test_absent_filters_become_typed_nulls_and_the_rest_is_renumbered() -> None:
    text, args = without_null_arguments(FILTERED, (None, "37", 5, 51), NULLABLE)
    assert args == ["37", 5, 51]
    assert text == (
        "SELECT * FROM t WHERE (NULL::bigint::bigint IS NULL OR a = NULL::bigint) AND ($1::text IS NULL OR "
        "b LIKE $1 || '%') AND id > $2 ORDER BY id LIMIT $3"
    )
    text, args = without_null_arguments(FILTERED, (4, None, 5, 51), NULLABLE)
    assert args == [4, 5, 51]
    assert "$3" in text
    assert "$4" not in text
    assert "NULL::text::text" in text


def test_present_filters_keep_the_statement_as_written() -> None:
    assert without_null_arguments(FILTERED, (4, "37", 5, 51), NULLABLE) == (FILTERED, [4, "37", 5, 51])


def test_a_none_outside_the_nullable_parameters_is_passed_not_folded() -> None:
    # the after-id and limit are not optional: a None there is the caller's to answer for, as before
    text, args = without_null_arguments(FILTERED, (4, "37", None, 51), NULLABLE)
    assert text == FILTERED
    assert args == [4, "37", None, 51]


def test_no_argument_value_is_ever_written_into_the_text() -> None:
    evil = "x' OR 1=1 --"
    text, args = without_null_arguments(FILTERED, (None, evil, 5, 51), NULLABLE)
    assert evil not in text
    assert args[0] == evil


def test_ten_and_more_parameters_are_told_apart_from_one() -> None:
    sql = "SELECT $1, $10, $11, $2, $3, $4, $5, $6, $7, $8, $9"
    text, args = without_null_arguments(sql, (None, *list(range(2, 12))), {1: "bigint"})
    assert text == "SELECT NULL::bigint, $9, $10, $1, $2, $3, $4, $5, $6, $7, $8"
    assert args == list(range(2, 12))


@pytest.mark.parametrize("nullable", [{1: "bigint; DROP TABLE t"}, {9: "text"}, {0: "text"}])
def test_unknown_types_and_parameters_are_refused(nullable: dict[int, str]) -> None:
    with pytest.raises((ValueError, IndexError)):
        without_null_arguments(FILTERED, (None, None, 5, 51), nullable)
