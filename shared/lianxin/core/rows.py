"""Models built from database rows with few Python calls: enum columns converted by a dict lookup,
each model made by one compiled function per column list (the assignments a frozen slotted
dataclass's __init__ makes, through each slot's own setter)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, TypeVar, cast

import asyncpg

E = TypeVar("E", bound=Enum)
M = TypeVar("M")

# the table of each `by_value` converter: the compiled builders look values up inline
_ENUM_TABLES: dict[Callable[[Any], Any], dict[Any, Any]] = {}


def by_value(cls: type[E]) -> Callable[[Any], E]:
    """`cls(value)` as a dict lookup: a page builds hundreds of members, each with four enums, and
    `EnumType.__call__` costs several times a lookup. Anything not found (a wrong value) still goes
    through `cls(value)`, so it fails the same way."""
    table = {member.value: member for member in cls}

    def convert(value: Any) -> E:
        return table.get(value) or cls(value)

    _ENUM_TABLES[convert] = table
    return convert


def tuple_of(cls: type[E], limit: int = 4096) -> Callable[[Sequence[Any]], tuple[E, ...]]:
    """A text[] column as a tuple of `cls` members, answered from a table of the lists already seen
    (a page of households has a few distinct reason lists): converted once per distinct list. A wrong
    value fails as `cls(value)` does and is never kept; at most `limit` lists are kept."""
    one = by_value(cls)
    seen: dict[tuple[Any, ...], tuple[E, ...]] = {(): ()}

    def convert(values: Sequence[Any]) -> tuple[E, ...]:
        key = tuple(values)
        found = seen.get(key)
        if found is None:
            found = tuple(map(one, key))
            if len(seen) < limit:
                seen[key] = found
        return found

    return convert


Convert = tuple[tuple[str, Callable[[Any], Any]], ...]
# by (model, columns, positions, conversions): everything the compiled code is made of (a builder made
# without a column's conversion must never serve a read that converts it, nor the other way round)
_BUILDERS: dict[
    tuple[type, tuple[str, ...], tuple[int, ...] | None, Convert], Callable[[asyncpg.Record], Any]
] = {}


def partial_builder(
    cls: type[M], columns: tuple[str, ...], convert: Convert, positions: tuple[int, ...] | None = None
) -> Callable[[asyncpg.Record], M]:
    """Builds a model of only `columns` from a row of exactly those columns in that order (a read of
    some columns, `repository.*_COLUMNS`), or with `positions`, column `columns[k]` from the row's
    `positions[k]`: every other attribute is left unset, so reading one raises AttributeError instead
    of answering a default. One compiled function per column list, the same assignments a frozen
    dataclass's __init__ makes (names only ever from the repositories' tuples or the model's fields)."""
    key = (cls, columns, positions, convert)
    found = _BUILDERS.get(key)
    if found is not None:
        return cast(Callable[[asyncpg.Record], M], found)
    fields = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    if not set(columns) <= fields or not all(c.isidentifier() for c in columns):
        raise ValueError(f"not attributes of {cls.__name__}: {columns}")
    if positions is not None and len(positions) != len(columns):
        raise ValueError("one position per column")
    converters = dict(convert)
    slots = getattr(cls, "__slots__", ())
    twin = _twin(cls) if set(columns) <= set(slots) else None
    # with a twin: made as the twin, each slot set by plain assignment, then made a `cls`; else each
    # slot through its own setter (what object.__setattr__ finds after looking the name up in the type)
    lines = ["def build(row):", "    obj = new(twin)" if twin is not None else "    obj = new(cls)"]
    scope: dict[str, Any] = {"new": object.__new__, "set": object.__setattr__, "cls": cls, "twin": twin}
    for k, name in enumerate(columns):
        at = k if positions is None else int(positions[k])
        if twin is not None:
            assign = f"obj.{name} = {{}}"
        elif name in slots:
            scope[f"set_{name}"] = cls.__dict__[name].__set__
            assign = f"set_{name}(obj, {{}})"
        else:
            assign = f"set(obj, {name!r}, {{}})"
        to = converters.get(name)
        if to is None:
            lines.append("    " + assign.format(f"row[{at}]"))
            continue
        scope[f"to_{name}"] = to
        lines.append(f"    v = row[{at}]")
        table = _ENUM_TABLES.get(to)
        if table is not None:  # the enum's table looked up inline, cls(value) when not found
            scope[f"table_{name}"] = table
            lines.append("    " + assign.format(f"v if v is None else (table_{name}.get(v) or to_{name}(v))"))
        else:
            lines.append("    " + assign.format(f"v if v is None else to_{name}(v)"))
    if twin is not None:
        lines.append("    obj.__class__ = cls")
    return cast(Callable[[asyncpg.Record], M], _compiled(lines, scope, _BUILDERS, key))


_TWINS: dict[type, type | None] = {}


def _twin(cls: type) -> type | None:
    """A class with exactly the slots of `cls` (a frozen slotted dataclass) and none of its methods, so
    that an object made as the twin takes plain assignments to its slots, the fastest writes there are
    (a frozen class refuses them: its `__setattr__` raises), and is then made a `cls` by assigning its
    `__class__` (the same memory layout). None if the interpreter refuses the switch for this class."""
    if cls in _TWINS:
        return _TWINS[cls]
    made = type(f"_{cls.__name__}Twin", (), {"__slots__": tuple(getattr(cls, "__slots__", ()))})
    twin: type | None = made
    try:
        probe: Any = object.__new__(made)
        probe.__class__ = cls
    except TypeError:
        twin = None
    _TWINS[cls] = twin
    return twin


def _compiled(lines: list[str], scope: dict[str, Any], cache: dict[Any, Any], key: Any) -> Any:
    """The function `build` of `lines` (ending in `return obj`), remembered in `cache` under `key`."""
    lines.append("    return obj")
    exec("\n".join(lines), scope)  # code made of checked names and literals, as dataclasses do
    build = scope["build"]
    if len(cache) >= 512:  # a client picks the column lists (by its selections): kept bounded
        cache.clear()
    cache[key] = build
    return build


_WHOLE: dict[tuple[type, tuple[str, ...], Convert], Callable[[asyncpg.Record], Any]] = {}


def build_all(cls: type[M], rows: Sequence[asyncpg.Record], convert: Convert = ()) -> list[M]:
    """Whole models of `rows` (every field of `cls` read by name, as `cls(**{f: row[f]})` with the
    conversions would): one builder per model and list of column names (a statement's), taking each
    field from its position. A field the rows lack raises KeyError, as `row[name]` does."""
    if not rows:
        return []
    keys = tuple(rows[0].keys())
    build = _WHOLE.get((cls, keys, convert))
    if build is None:
        names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        # a name's last column, as `row[name]` answers it (asyncpg: the last of a repeated name)
        at = {name: k for k, name in enumerate(keys)}
        positions = tuple(at[n] if n in at else _missing(n) for n in names)
        build = partial_builder(cls, names, convert, positions)
        if len(_WHOLE) >= 512:  # statements' column lists: few, but kept bounded as the others
            _WHOLE.clear()
        _WHOLE[(cls, keys, convert)] = build
    return list(map(build, rows))


def _missing(name: str) -> int:
    raise KeyError(name)


# by (class, columns, attributes, conversions), as `_BUILDERS`
_ATTRIBUTE_BUILDERS: dict[
    tuple[type, tuple[str, ...], tuple[str, ...], Convert], Callable[[asyncpg.Record], Any]
] = {}


def attribute_builder(
    cls: type[M], columns: tuple[str, ...], attributes: tuple[str, ...], convert: Convert
) -> Callable[[asyncpg.Record], M]:
    """Builds an object of `cls` (a class whose instances keep their attributes in `__dict__`, such as
    the API's view of a model) straight from a row of exactly `columns` in that order: its `attributes`
    are the row's values converted as the model's `partial_builder` converts them, None for one not
    among `columns` (as `getattr(model, name, None)` of a partial model answers), and nothing else is
    set. One dict display per row instead of a model and then an object copying it. One compiled
    function per (class, columns, attributes); names only ever from the repositories' tuples."""
    key = (cls, columns, attributes, convert)
    found = _ATTRIBUTE_BUILDERS.get(key)
    if found is not None:
        return cast(Callable[[asyncpg.Record], M], found)
    if not all(name.isidentifier() and not name.startswith("_") for name in (*columns, *attributes)):
        raise ValueError(f"not names: {columns}, {attributes}")
    converters = dict(convert)
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls}
    lines = ["def build(row):", "    obj = new(cls)"]
    values = []
    for name in attributes:
        if name not in columns:
            values.append(f"{name!r}: None")
            continue
        at, to = columns.index(name), converters.get(name)
        if to is None:
            values.append(f"{name!r}: row[{at}]")
            continue
        scope[f"to_{name}"] = to
        v = f"v{at}"
        lines.append(f"    {v} = row[{at}]")
        table = _ENUM_TABLES.get(to)
        if table is not None:  # the enum's table looked up inline, as `partial_builder` does
            scope[f"table_{name}"] = table
            values.append(f"{name!r}: {v} if {v} is None else (table_{name}.get({v}) or to_{name}({v}))")
        else:
            values.append(f"{name!r}: {v} if {v} is None else to_{name}({v})")
    lines.append("    obj.__dict__ = {" + ", ".join(values) + "}")
    return cast(Callable[[asyncpg.Record], M], _compiled(lines, scope, _ATTRIBUTE_BUILDERS, key))
