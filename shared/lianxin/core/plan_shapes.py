"""Statements shaped so PostgreSQL can plan them once (pure text rewriting, no I/O).

asyncpg prepares every statement; PostgreSQL then plans each execution anew (a "custom plan", ~0.1–0.4
ms of the backend's CPU for our reads) until, after five, a generic plan looks no dearer than the
custom ones. Two of our statement forms never get there:

- `… = ANY($1::bigint[])` read for one id (a household's screen): the generic plan is costed for an
  array of unknown length, always dearer than the custom plan for one element. `for_ids` writes it
  `… = $1::bigint` for a single id (the same rows), which PostgreSQL plans once like any key lookup.
- optional filters written `($n IS NULL OR …)` (a list's filters and the caller's scope): the generic
  plan must keep every branch. `without_null_arguments` writes each such argument that is None as the
  literal `NULL::type` instead, so the planner folds its branch away, and renumbers the rest: one
  statement per combination of present filters (a handful in practice), each planned once.

Both keep the statement's meaning exactly; only constants the caller passed as None, or a one-element
array, change how it is written. No caller value is ever written into the text."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

_ANY_IDS = "= ANY($1::bigint[])"
_PARAM = re.compile(r"\$(\d+)(?!\d)")
_ONE: dict[str, str] = {}
_FOLDED: dict[tuple[str, int, tuple[tuple[int, str], ...]], tuple[str, tuple[int, ...]]] = {}
_TYPES = frozenset({"bigint", "integer", "text", "boolean", "date"})


def single_id_form(sql: str) -> str:
    """`sql` (reading `= ANY($1::bigint[])` once, and `$1` nowhere else) for one id as `= $1::bigint`."""
    found = _ONE.get(sql)
    if found is None:
        rest = sql.replace(_ANY_IDS, "")
        if sql.count(_ANY_IDS) != 1 or any(m.group(1) == "1" for m in _PARAM.finditer(rest)):
            raise ValueError("for_ids needs a statement reading $1 once, in `= ANY($1::bigint[])`")
        found = _ONE[sql] = sql.replace(_ANY_IDS, "= $1::bigint")
    return found


def for_ids(sql: str, ids: Sequence[int]) -> tuple[str, object]:
    """The statement and its first argument for reading `ids`: as written for any number of ids but
    one, `single_id_form` for exactly one (the same rows, planned once)."""
    if len(ids) == 1:
        return single_id_form(sql), ids[0]
    return sql, ids


def without_null_arguments(
    sql: str, args: Sequence[object], nullable: Mapping[int, str]
) -> tuple[str, list[object]]:
    """`sql` and `args` with every parameter n of `nullable` (1-based number → its SQL type) whose
    argument is None written as `NULL::type`, and the remaining parameters renumbered in order."""
    mask = 0
    for n in nullable:
        if 1 <= n <= len(args) and args[n - 1] is None:
            mask |= 1 << n
    key = (sql, mask, tuple(nullable.items()))
    found = _FOLDED.get(key)
    if found is None:
        found = _FOLDED[key] = _fold(sql, len(args), nullable, mask)
        if len(_FOLDED) > 4096:  # statements are ours and few; kept bounded anyway
            _FOLDED.clear()
            _FOLDED[key] = found
    text, kept = found
    return text, [args[n - 1] for n in kept]


def _fold(sql: str, count: int, nullable: Mapping[int, str], mask: int) -> tuple[str, tuple[int, ...]]:
    for n, type_ in nullable.items():
        if type_ not in _TYPES or not 1 <= n <= count:
            raise ValueError(f"parameter ${n} of type {type_!r} cannot be folded")
    kept = tuple(n for n in range(1, count + 1) if not mask >> n & 1)
    number = {n: k for k, n in enumerate(kept, 1)}

    def replace(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n > count:
            raise ValueError(f"the statement reads ${n} but {count} arguments were given")
        if mask >> n & 1:
            return f"NULL::{nullable[n]}"
        return f"${number[n]}"

    return _PARAM.sub(replace, sql), kept


_STAR = re.compile(r"^SELECT\s+(?:(\w+)\.)?\*\s+FROM\s+(\w+)\s", re.S)
_LIST = re.compile(r"^SELECT\s+(.+?)\s+FROM\s", re.S)
_COLUMN = re.compile(r"^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?(?:::text)?$")
_ARRAYS: dict[tuple[tuple[str, ...], bool], str] = {}


def rows_array(sql: str) -> str:
    """`sql`, a repository's list statement `SELECT <columns> FROM … [ORDER BY …]` (one SELECT, no
    `;` inside), as an expression: the array of its rows, in its order. `SELECT *` / `SELECT a.*`
    give the table's own row type (whose fields asyncpg decodes by name, as a row's columns: the
    table must have no column named as itself, nor one of a type decoded as text, e.g. json); a list
    of plain column references (perhaps cast `::text`) gives an anonymous ROW of them (fields by
    position)."""
    text = sql.strip().removesuffix(";").strip()
    star = _STAR.match(text)
    if star is not None:
        whole = star.group(1) or star.group(2)
        select = f"SELECT {whole} "
        return "ARRAY(" + select + text[len(star.group(0)) - len(f"FROM {star.group(2)} ") :] + ")"
    listed = _LIST.match(text)
    if listed is None:
        raise ValueError("rows_array needs one `SELECT <columns> FROM …` statement")
    columns = [c.strip() for c in listed.group(1).split(",")]
    if not all(_COLUMN.match(c) for c in columns):
        raise ValueError(f"rows_array reads plain column references only: {columns}")
    return f"ARRAY(SELECT ROW({', '.join(columns)}) " + text[len(listed.group(0)) - len("FROM ") :] + ")"


def _without_comments(sql: str) -> str:
    """`sql` without its whole-line `--` comments (a statement's leading explanation)."""
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


def combined(statements: tuple[str, ...], single: bool) -> str:
    """One statement reading the rows of every list statement of `statements` (each reading the
    same ids as `$1`, in `= ANY($1::bigint[])`), one array column each (`rows_array`), in one round
    trip instead of one each; `single`: written for one id (`single_id_form`)."""
    key = (statements, single)
    found = _ARRAYS.get(key)
    if found is None:
        texts = [_without_comments(s) for s in statements]
        parts = [rows_array(single_id_form(s) if single else s) for s in texts]
        found = "SELECT " + ", ".join(f"{part} AS r{k}" for k, part in enumerate(parts))
        if len(_ARRAYS) >= 512:  # statements are ours; their combinations few: kept bounded anyway
            _ARRAYS.clear()
        _ARRAYS[key] = found
    return found
