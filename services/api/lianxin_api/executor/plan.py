"""Plans: an operation compiled once into what to read, call and serialise per selection set.

A plan is made by graphql-core's own field collection (`collect_fields` / `collect_subfields`), so
fragments, inline fragments and `@skip`/`@include` mean exactly what they mean to graphql-core; the
plan only remembers the outcome. `@skip`/`@include` depend on variables, so a plan is cached under the
document's text, the operation name and the values of the variables those directives read.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections import OrderedDict
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    VariableNode,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import (
    FieldDetailsList,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues
from graphql.pyutils import Undefined
from strawberry.relay import GlobalID
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
from strawberry.types.arguments import _is_leaf_type
from strawberry.types.base import StrawberryList, StrawberryMaybe, StrawberryOptional
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE
from strawberry.types.info import Info as StrawberryInfo
from strawberry.types.lazy_type import LazyType

from lianxin_api.text_input import isoformat_output

LEAF, LIST, OBJECT, ABSTRACT = 0, 1, 2, 3
# built-in scalars whose output coercion returns a value of this exact Python type unchanged (not
# Int: its coercion refuses an int outside 32 bits, a field error, `tests/api/test_executor_int_range.py`)
_FAST_LEAVES: dict[int, type] = {id(GraphQLString): str, id(GraphQLID): str, id(GraphQLBoolean): bool}
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1  # GraphQL's Int: serialize_int answers an int in range as it is
# scalars whose output coercion is a method call of the value (`Date`, `DateTime`: `value.isoformat()`),
# by that coercion: the exact types for which the compiled code makes the call itself (it never fails
# for these), without the coercion's own Python frame
_METHOD_LEAVES: dict[Callable[[Any], Any], tuple[tuple[type, ...], str]] = {
    isoformat_output: ((dt.date, dt.datetime), "isoformat"),
}
# The texts of dates, remembered (a date's `isoformat()` costs about ten dict lookups, and a page shows
# the same few hundred days again and again). Dates only: equal dates print alike, where equal
# datetimes (one instant in two offsets) do not. Bounded: forgotten at once past the limit.
_DAYS: dict[dt.date, str] = {}
_DAYS_LIMIT = 16_384


def day_text(day: dt.date) -> str:
    """`day.isoformat()` for exactly a date, remembered in `_DAYS` (the compiled code reads it first)."""
    text = _DAYS.get(day)
    if text is None:
        if len(_DAYS) >= _DAYS_LIMIT:
            _DAYS.clear()
        text = _DAYS[day] = day.isoformat()
    return text


# Enum lists already completed, by the identity of the tuple completed (`rows.tuple_of` gives one tuple
# per distinct list, kept): (the tuple, its names). Bounded as `_DAYS`.
_NAMES_LIMIT = 4_096


def remember_names(memo: dict[int, tuple[Any, tuple[str, ...]]], value: Any, names: list[str]) -> None:
    """Keeps the names an enum tuple completed to, for the next time the same tuple is read."""
    if len(memo) >= _NAMES_LIMIT:
        memo.clear()
    memo[id(value)] = (value, tuple(names))  # (the tuple itself kept: its id stays its own)


# A strawberry field's `metadata` key: a callable (request context) -> getter | None. When it gives a
# getter, the planned executor reads the field with `getter(source)` for that whole request instead of
# calling the resolver once per object, which must then answer exactly what the getter answers for that
# context (e.g. a field rule decided once for the caller's role, `lianxin_api.graphql.field_rules`).
# Asked once per execution and field; only for fields the executor would call directly anyway. Like
# the resolver's, the getter's value may be awaitable: it is then awaited with the level's others.
PLAIN_GETTER = "lianxin_api.executor.plain_getter"


class NotPlannable(Exception):
    """The operation uses something the planned executor leaves to graphql-core."""


class Shape:
    """How to complete a value of one output type at one field (nullability included)."""

    __slots__ = (
        "by_type",
        "fast",
        "field_details",
        "field_name",
        "item",
        "kind",
        "leaf",
        "method",
        "null_message",
        "nullable",
        "object_plan",
        "parent_type",
        "table",
        "table_type",
        "type",
    )

    def __init__(self) -> None:
        self.kind = LEAF
        self.nullable = True
        self.type: Any = None  # the named type (leaf, object, abstract) or the list type
        self.leaf: Callable[[Any], Any] | None = None
        self.fast: type | None = None
        self.item: Shape | None = None
        self.object_plan: ObjectPlan | None = None
        self.by_type: dict[str, ObjectPlan] = {}  # abstract: the plan per runtime type, made on demand
        self.field_details: FieldDetailsList = []
        self.field_name = ""
        self.parent_type: GraphQLObjectType | None = None
        self.null_message = ""
        # strawberry's enum output coercion scans the values for each member; the same answer as a dict
        self.table: dict[Any, str] | None = None
        self.table_type: type | None = None
        # `_METHOD_LEAVES`: the value's exact types, and the method its output coercion calls
        self.method: tuple[tuple[type, ...], str] | None = None


class FieldPlan:
    """One response key of a selection set."""

    __slots__ = (
        "attr",
        "details",
        "direct",
        "direct_args",
        "direct_info",
        "direct_self",
        "direct_with_args",
        "field_def",
        "get",
        "has_args",
        "key",
        "name",
        "nodes",
        "nullable",
        "plain",
        "resolve",
        "return_type",
        "shape",
        "strawberry_field",
        "typename",
    )

    def __init__(self, key: str, details: FieldDetailsList, field_def: GraphQLField | None) -> None:
        self.key = key
        self.details = details
        self.nodes: list[FieldNode] = [d.node for d in details]
        self.name = self.nodes[0].name.value
        self.field_def = field_def
        self.typename = self.name == "__typename"
        self.attr: str | None = None  # read the attribute directly: strawberry's default resolver
        self.get: Callable[[Any], Any] | None = None  # attrgetter(attr)
        self.resolve: Callable[..., Any] | None = None
        # a strawberry resolver without arguments, extensions or permission classes, called directly
        # with what strawberry's wrapper would pass it (self, info): `_resolver` minus its bookkeeping
        self.direct: Callable[..., Any] | None = None
        self.direct_self = False
        self.direct_info: str | None = None
        # the same for a resolver with arguments that strawberry passes on as graphql-core coerced them
        # (scalars, enums, optional or not): `PlanRun.passed_arguments` makes {python name: value} of
        # the (GraphQL name, python name, `_argument_kind`) in `direct_args`; an argument strawberry
        # would convert (an input object, a list, a global id, Maybe) sends the call through its
        # wrapper when given a value other than None
        self.direct_with_args: Callable[..., Any] | None = None
        self.direct_args: tuple[tuple[str, str, int], ...] = ()
        self.strawberry_field: Any = None
        # (context) -> getter | None, asked once per execution (see PLAIN_GETTER)
        self.plain: Callable[[Any], Callable[[Any], Any] | None] | None = None
        self.has_args = False
        self.return_type: GraphQLOutputType | None = field_def.type if field_def else None
        self.nullable = not is_non_null_type(self.return_type)
        self.shape: Shape | None = None


# one field of a simple selection set (`ObjectPlan.simple`): response key, attribute (None for
# __typename), the exact type passed through as it is, the enum names by member and the enum's class,
# the leaf's output coercion, whether null is allowed
SimpleField = tuple[
    str, str | None, type | None, dict[Any, str] | None, type | None, Callable[[Any], Any] | None, bool
]


class ObjectPlan:
    """The fields of one selection set on one object type, in response order."""

    __slots__ = (
        "cls",
        "compiled",
        "fields",
        "is_type_of",
        "origin",
        "simple",
        "simple_object",
        "strawberry_is_type_of",
        "type",
        "type_name",
    )

    def __init__(self, object_type: GraphQLObjectType) -> None:
        self.type = object_type
        self.type_name = object_type.name
        self.fields: list[FieldPlan] = []
        self.is_type_of = object_type.is_type_of
        # strawberry's own is_type_of ignores `info`; anything else gets a real one
        self.strawberry_is_type_of = self.is_type_of is not None and (
            getattr(self.is_type_of, "__qualname__", "").endswith("_get_is_type_of.<locals>.is_type_of")
        )
        # strawberry's is_type_of is `isinstance(value, (origin, *interfaces))` for a value that is not
        # cast (`strawberry.cast`): true without the call for a value of exactly this class
        definition = (object_type.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        self.origin: type | None = getattr(definition, "origin", None) if self.strawberry_is_type_of else None
        # the strawberry class of the type: a value of exactly this class (not cast) needs no is_type_of
        # call where is_type_of is strawberry's own or none, so `compiled` may be called for it directly
        self.cls: type | None = getattr(definition, "origin", None)
        if self.is_type_of is not None and not self.strawberry_is_type_of:
            self.cls = None
        # every field a leaf read from an attribute: the whole object is then one loop
        # (`PlanRun.simple_object`), or the general path when a value does not serialise plainly
        self.simple: tuple[SimpleField, ...] | None = None
        # `simple` as one function: the object's response, or None for the general path
        self.simple_object: Callable[[Any], dict[str, Any] | None] | None = None
        # for a selection set that is not simple: `PlanRun.fields` unrolled for this plan into one
        # function (run, source, slot, out), see `compiled_fields`
        self.compiled: Callable[[Any, Any, Any, dict[str, Any]], None] | None = None

    def settle(self, lazy_info: bool = False, compile_now: bool = True) -> None:
        """`simple` (and `simple_object`), or else `compiled` (unless not `compile_now`: then
        `Compiler.heat` compiles it, once the plan is used again)."""
        simple: list[SimpleField] = []
        for fp in self.fields:
            if fp.typename:
                simple.append((fp.key, None, None, None, None, None, False))
                continue
            shape = fp.shape
            if fp.attr is None or shape is None or shape.kind != LEAF:
                if compile_now:
                    self.compiled = compiled_fields(self, lazy_info)
                return
            simple.append(
                (fp.key, fp.attr, shape.fast, shape.table, shape.table_type, shape.leaf, shape.nullable)
            )
        self.simple = tuple(simple)
        self.simple_object = _simple_function(self.type_name, self.simple)


def _simple_function(
    type_name: str, fields: tuple[SimpleField, ...]
) -> Callable[[Any], dict[str, Any] | None] | None:
    """`PlanRun.simple_object` for one plan, unrolled into a function of its own (as dataclasses make
    their __init__): the same reads, tests and coercions in the same order, the values passed in as
    names. None (the loop is used) when an attribute is not a plain identifier."""
    if not all(attr is None or (attr.isidentifier() and not attr.startswith("__")) for _, attr, *_ in fields):
        return None
    scope: dict[str, Any] = {"Undefined": Undefined, "type_name": type_name}
    lines = ["def simple_object(source):", "    try:", "        pass"]
    values = []
    for k, (key, attr, fast, table, table_type, coerce, nullable) in enumerate(fields):
        v = f"v{k}"
        values.append(f"{key!r}: {v}")
        if attr is None:
            lines.append(f"        {v} = type_name")
            continue
        lines.append(f"        {v} = source.{attr}")
        lines.append(f"        if {v} is None:")
        lines.append("            pass" if nullable else "            return None")
        if fast is not None:
            scope[f"fast{k}"] = fast
            lines.append(f"        elif type({v}) is fast{k}:")
            lines.append("            pass")
        if table is not None:
            scope[f"table{k}"], scope[f"table_type{k}"] = table, table_type
            lines.append(f"        elif type({v}) is table_type{k} and {v} in table{k}:")
            lines.append(f"            {v} = table{k}[{v}]")
        scope[f"coerce{k}"] = coerce
        lines.append("        else:")
        lines.append(f"            {v} = coerce{k}({v})")
        lines.append(f"            if {v} is None or {v} is Undefined:")
        lines.append("                return None")
    lines.append("    except Exception:")
    lines.append("        return None")
    lines.append("    return {" + ", ".join(values) + "}")
    exec("\n".join(lines), scope)  # code made of checked identifiers and literals, as dataclasses do
    made: Callable[[Any], dict[str, Any] | None] = scope["simple_object"]
    return made


def compiled_fields(plan: ObjectPlan, lazy_info: bool) -> Callable[[Any, Any, Any, dict[str, Any]], None]:
    """`PlanRun.fields` for one (non-root) plan, unrolled into a function of its own as `_simple_function`
    is: per field the same read or call, and the common outcomes (a leaf of its exact type, an enum
    member, null where allowed, a list, an object of its strawberry class) completed inline; anything
    else (errors, awaitables, coercions, abstract types) goes to the same `PlanRun` methods `fields`
    calls, with the value already read (`PlanRun.finish`). `slot.dead` is checked after every call that
    may kill the slot (a non-null error bubbling), as `fields` checks it before each field."""
    return _FieldsCode(plan, lazy_info).make()


_PENDING = object()  # a value left to a later wave (`compiled_fields`)

_DEAD = ("if slot.dead:", "    return")


class _FieldsCode:
    """The source of one `compiled_fields` function: response keys as literals (repr), attributes only
    as checked identifiers, every other value passed in by name."""

    def __init__(self, plan: ObjectPlan, lazy_info: bool) -> None:
        from graphql.pyutils import Path

        from lianxin_api.executor.run import (
            LAZY,
            NOT_AWAITABLE,
            PLAIN_CLASSES,
            PlannedInfo,
            Slot,
            plain_class,
        )

        self.plan = plan
        self.lazy_info = lazy_info
        self.scope: dict[str, Any] = {
            "plan": plan,
            "ptype": plan.type,
            "type_name": plan.type_name,
            "Path": Path,
            "Slot": Slot,
            "LAZY": LAZY,
            "PlannedInfo": PlannedInfo,
            "NA": NOT_AWAITABLE,
            "CAST": TYPE_CAST_ATTRIBUTE,
            "PENDING": _PENDING,
            "Undefined": Undefined,
            "PLAIN_CLASSES": PLAIN_CLASSES,
            "plain_class": plain_class,
        }
        self.lines = ["def compiled(run, source, slot, out):", "    plains = run.plains"]

    def make(self) -> Callable[[Any, Any, Any, dict[str, Any]], None]:
        for k, fp in enumerate(self.plan.fields):
            self.scope[f"fp{k}"] = fp
            if fp.typename:
                self.add("    ", f"out[{fp.key!r}] = type_name")
                continue
            self.read(k, fp)
            self.complete(k, fp, "        ")
        exec("\n".join(self.lines), self.scope)  # checked identifiers and literals, as dataclasses do
        made: Callable[[Any, Any, Any, dict[str, Any]], None] = self.scope["compiled"]
        return made

    def add(self, ind: str, *lines: str) -> None:
        self.lines.extend(ind + line for line in lines)

    def read(self, k: int, fp: FieldPlan) -> None:
        """`v` (and `info`) of field k: the attribute, the request's getter or the resolver's answer;
        an awaitable is left for later as `fields` leaves it (then `v` is PENDING)."""
        self.add("    ", "info = None", "try:")
        if fp.attr is not None:
            if fp.attr.isidentifier() and not fp.attr.startswith("__"):
                self.add("        ", f"v = source.{fp.attr}")
            else:
                self.scope[f"G{k}"] = fp.get
                self.add("        ", f"v = G{k}(source)")
        else:
            self.add("        ", f"g = plains[fp{k}]", "if g is not None:", "    v = g(source)", "else:")
            if fp.direct is not None and self.lazy_info and fp.direct_self:
                self.scope[f"D{k}"] = fp.direct
                call = (
                    f"D{k}(source)"
                    if fp.direct_info is None
                    else f"D{k}(source, PlannedInfo(run, fp{k}, ptype, slot))"
                )
                self.add("            ", f"v = {call}")
            else:
                self.add("            ", f"v, info = run.call(fp{k}, plan, source, slot)")
            self.add(
                "        ",
                # (a strawberry object of a class known not to be awaitable: no need to ask; a
                # getter's value may be awaitable as a resolver's: see PLAIN_GETTER)
                "if type(v) not in NA and type(v) not in PLAIN_CLASSES and run.is_awaitable(v):",
                f"    out[{fp.key!r}] = None  # keeps the key's place in the response",
                f"    run.pending.append((v, run._later(fp{k}, plan, slot, out, info)))",
                "    v = PENDING",
            )
        self.add("    ", "except Exception as exc:", f"    run.field_error(exc, fp{k}, plan, slot, out)")
        self.add("        ", *_DEAD)
        self.add("    ", "else:")
        if fp.attr is None:
            self.add("        ", "if v is PENDING:", "    pass")

    def complete(self, k: int, fp: FieldPlan, ind: str) -> None:
        """The `elif` branches completing `v` of field k into out[key]; the rest to `PlanRun.finish`."""
        shape = fp.shape
        assert shape is not None
        key = repr(fp.key)
        finish = (f"    run.finish(fp{k}, plan, v, slot, out, info)", *("    " + line for line in _DEAD))
        first = "elif" if fp.attr is None else "if"  # (after `if v is PENDING` for a resolver's value)
        self.add(ind, f"{first} v is None:", *((f"    out[{key}] = None",) if shape.nullable else finish))
        if shape.kind == LEAF:
            if shape.fast is not None:
                self.scope[f"F{k}"] = shape.fast
                self.add(ind, f"elif type(v) is F{k}:", f"    out[{key}] = v")
            elif shape.type is GraphQLInt:  # what its output coercion answers for an int within 32 bits
                in_range = f"elif type(v) is int and {_INT_MIN} <= v <= {_INT_MAX}:"
                self.add(ind, in_range, f"    out[{key}] = v")
            if shape.method is not None:  # (names from `_METHOD_LEAVES` only)
                types, method = shape.method
                if method == "isoformat" and dt.date in types:  # a date's text, remembered
                    self.scope.update({"DAY": dt.date, "DAYS": _DAYS, "day_text": day_text})
                    self.add(ind, "elif type(v) is DAY:", f"    out[{key}] = DAYS.get(v) or day_text(v)")
                    types = tuple(t for t in types if t is not dt.date)
                self.scope.update({f"M{k}_{n}": t for n, t in enumerate(types)})
                if types:
                    test = " or ".join(f"type(v) is M{k}_{n}" for n in range(len(types)))
                    self.add(ind, f"elif {test}:", f"    out[{key}] = v.{method}()")
            if shape.table is not None:
                self.scope[f"T{k}"], self.scope[f"TT{k}"] = shape.table, shape.table_type
                self.add(ind, f"elif type(v) is TT{k} and v in T{k}:", f"    out[{key}] = T{k}[v]")
            else:
                # the scalar's output coercion called here (what `PlanRun.leaf` does after the table);
                # a failure or no value: `finish` coerces again (pure) and reports it
                self.scope[f"L{k}"] = shape.leaf
                self.add(ind, "else:", "    try:", f"        c = L{k}(v)", "    except Exception:")
                self.add(ind, "        c = None", "    if c is None or c is Undefined:")
                self.add(ind, *("    " + line for line in finish), "    else:", f"        out[{key}] = c")
                return
        elif shape.kind == LIST:
            self.scope[f"S{k}"] = shape
            self.leaf_list(k, shape, key, ind)
            self.object_list(k, fp, shape, key, ind)
            path = f"Path(slot.path, {key}, type_name)"
            self.add(
                ind,
                "elif type(v) is list or type(v) is tuple:",
                "    try:",
                f"        run.complete_list(S{k}, v, out, {key}, slot, {path}, info, plan, fp{k})",
                "    except Exception as exc:",
                f"        run.field_error(exc, fp{k}, plan, slot, out)",
                *("    " + line for line in _DEAD),
            )
        elif shape.kind == OBJECT:
            self.object(k, shape, key, ind, finish)
        self.add(ind, "else:", *finish)

    def leaf_list(self, k: int, shape: Shape, key: str, ind: str) -> None:
        """The `elif` branch completing a list of leaves in one comprehension: items of the leaf's
        exact type as they are, enum members by name (what `_leaf_items` does first); when one is
        neither (null, or to be coerced), the general branch after this one completes the list."""
        item = shape.item
        if item is None or item.kind != LEAF:
            return
        if item.table is not None:
            self.scope[f"IT{k}"], self.scope[f"ITT{k}"] = item.table, item.table_type
            made = f"IT{k}[e] if type(e) is ITT{k} and e in IT{k} else None"
            # the same tuple completed before (every item a member, named): a new list of its names
            self.scope[f"LM{k}"], self.scope["remember_names"] = {}, remember_names
            self.add(
                ind,
                f"elif type(v) is tuple and (m := LM{k}.get(id(v))) is not None and m[0] is v:",
                f"    out[{key}] = list(m[1])",
            )
            self.add(
                ind,
                f"elif (type(v) is list or type(v) is tuple) and None not in (o := [{made} for e in v]):",
                f"    out[{key}] = o",
                "    if type(v) is tuple:",
                f"        remember_names(LM{k}, v, o)",
            )
            return
        if item.fast is not None:
            self.scope[f"IF{k}"] = item.fast
            made = f"e if type(e) is IF{k} else None"
        else:
            return
        self.add(
            ind,
            f"elif (type(v) is list or type(v) is tuple) and None not in (o := [{made} for e in v]):",
            f"    out[{key}] = o",
        )

    def object_list(self, k: int, fp: FieldPlan, shape: Shape, key: str, ind: str) -> None:
        """The `elif` branch completing a list of objects in place: `PlanRun.complete_list` and
        `_object_items` unrolled (no call, no path made unless asked for), for a list (not a tuple)
        whose items are objects of a simple or compiled plan. Items of a simple plan are made first
        (pure reads, as `_object_items` makes them): if one does not serialise plainly, none is kept
        and the general branch after this one completes the list all over, reporting what failed."""
        item = shape.item
        if item is None or item.kind != OBJECT or item.object_plan is None:
            return
        sub = item.object_plan
        if sub.simple_object is None and sub.compiled is None:
            return
        self.add(ind, "elif type(v) is list and not v:", f"    out[{key}] = []")  # (nothing to complete)
        if sub.is_type_of is None:  # (what `_object_items` passes to `compiled` or `simple_object`)
            test = None
        elif sub.cls is not None:
            self.scope[f"IC{k}"] = sub.cls
            test = f"type(e) is IC{k} and getattr(e, CAST, None) is None"
        else:
            return
        if sub.simple is not None:
            if sub.simple_object is None:
                return
            self.scope[f"ISO{k}"] = sub.simple_object
            # (not any item but None: an awaitable or an exception is not completed before it is
            # awaited or raised, even by a plan that reads no attribute, e.g. `{ __typename }`)
            test = test or "(type(e) in PLAIN_CLASSES or plain_class(type(e)))"
            self.add(
                ind,
                f"elif type(v) is list and None not in (o := [ISO{k}(e) if {test} else None for e in v]):",
                f"    out[{key}] = o",
            )
            return
        if sub.compiled is None:
            return
        if test is None:  # any strawberry object, or one of the plan's class (`_object_items`)
            test = "type(e) in PLAIN_CLASSES or plain_class(type(e))"
            if sub.cls is not None:
                self.scope[f"IC{k}"] = sub.cls
                test = f"type(e) is IC{k} or {test}"
        self.scope[f"IS{k}"], self.scope[f"ISUB{k}"] = item, sub.compiled
        self.add(
            ind,
            "elif type(v) is list:",
            "    try:",
            "        v = list(v)",  # (as `complete_list` iterates over a copy)
            f"        o = out[{key}] = [None] * len(v)",
            f"        ls = Slot(out, {key}, {shape.nullable}, slot, LAZY, type_name)",
            "        for i, e in enumerate(v):",
            f"            if {test}:",
            "                d = o[i] = {}",
            f"                ISUB{k}(run, e, Slot(o, i, {item.nullable}, ls, LAZY), d)",
            "            else:",
            f"                run._item(IS{k}, e, o, i, ls, ls.path, info, plan, fp{k})",
            "            if ls.dead:",
            "                break",
            "    except Exception as exc:",
            f"        run.field_error(exc, fp{k}, plan, slot, out)",
            *("    " + line for line in _DEAD),
        )

    def object(self, k: int, shape: Shape, key: str, ind: str, finish: tuple[str, ...]) -> None:
        sub = shape.object_plan
        assert sub is not None
        if sub.cls is not None:
            self.scope["plain_class"](sub.cls)  # (known not awaitable: see `read`)
        if sub.simple_object is None and sub.compiled is None:
            return
        if sub.is_type_of is None:  # any strawberry object (`run.plain_class`)
            test = "(type(v) in PLAIN_CLASSES or plain_class(type(v)))"
        elif sub.cls is not None:
            self.scope[f"C{k}"] = sub.cls
            test = f"type(v) is C{k} and getattr(v, CAST, None) is None"
        else:
            return
        if sub.simple_object is not None:
            self.scope[f"SO{k}"] = sub.simple_object
            self.add(ind, f"elif {test} and (o := SO{k}(v)) is not None:", f"    out[{key}] = o")
        else:
            self.scope[f"SUB{k}"] = sub.compiled
            slot = f"Slot(out, {key}, {shape.nullable}, slot, LAZY, type_name)"
            self.add(ind, f"elif {test}:", f"    o = out[{key}] = {{}}", f"    SUB{k}(run, v, {slot}, o)")
            self.add(ind, *("    " + line for line in _DEAD))


def _enum_names(gtype: CustomGraphQLEnumType) -> dict[Any, str]:
    """What `CustomGraphQLEnumType.coerce_output_value` answers for each member of the Python enum:
    the first GraphQL value name whose value equals the member's value."""
    names: dict[Any, str] = {}
    members: list[Any] = list(gtype.wrapped_cls)
    for member in members:
        for name, value in gtype.values.items():
            if member.value == value.value:
                names[member] = name
                break
    return names


class Compiler:
    """Compiles plans for one operation; sub-plans of abstract types are compiled later, on demand,
    with the same variable values (the cache key guarantees their `@skip`/`@include` agree)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDetails],
        variable_values: VariableValues,
        operation: OperationDefinitionNode,
        default_field_resolver: Any,
        hot: bool = True,
    ) -> None:
        strawberry_schema = getattr(schema, "_strawberry_schema", None)
        # only where strawberry itself would call the resolver plainly: no exception handlers anywhere
        self.direct_calls = strawberry_schema is not None and not getattr(
            strawberry_schema.schema_converter, "_exception_handler_specs", ()
        )
        self.info_class: Any = strawberry_schema.config.info_class if strawberry_schema is not None else None
        # as `PlanRun.lazy_info`: our Info stands in for strawberry's only where the schema uses its own
        self.lazy_info = self.info_class is StrawberryInfo
        self.schema = schema
        self.fragments = fragments
        self.variable_values = variable_values
        self.operation = operation
        self.default_field_resolver = default_field_resolver
        self.planned = 0  # fields planned so far (what a plan weighs in `PlanCache`)
        # whether selection sets are compiled (`compiled_fields`) as they are planned; if not, they run
        # through `PlanRun.fields` until `heat` compiles them: compiling costs several times planning
        # (an exec per selection set), worth it for a document used again, not for a one-off that a
        # client can send by the thousand
        self.hot = hot
        self.uncompiled: list[ObjectPlan] = []  # (children before their parents, whose code calls them)
        self.uses = 0  # executions of the plan (counted by `PlanCache`)

    def root(self, root_type: GraphQLObjectType) -> ObjectPlan:
        collected = collect_fields(
            self.schema, self.fragments, self.variable_values, root_type, self.operation
        )
        return self._object(root_type, collected)

    def sub(self, object_type: GraphQLObjectType, details: FieldDetailsList) -> ObjectPlan:
        collected = collect_subfields(
            self.schema, self.fragments, self.variable_values, self.operation, object_type, details
        )
        return self._object(object_type, collected)

    def _object(self, object_type: GraphQLObjectType, collected: Any) -> ObjectPlan:
        grouped, new_defer_usages, _forbidden = collected
        if new_defer_usages:
            raise NotPlannable("@defer")
        plan = ObjectPlan(object_type)
        for key, details in grouped.items():
            if any(d.fragment_variable_values is not None or d.defer_usage is not None for d in details):
                raise NotPlannable("fragment arguments or @defer")
            name = details[0].node.name.value
            if name.startswith("__") and name != "__typename":
                raise NotPlannable("introspection")
            field_def = self.schema.get_field(object_type, name)
            if field_def is None:
                continue  # graphql-core leaves it out too (validation refuses it before)
            fp = FieldPlan(key, details, field_def)
            if not fp.typename:
                self._resolver(fp, field_def)
                fp.shape = self._shape(field_def.type, details, object_type, name)
            plan.fields.append(fp)
        self.planned += len(plan.fields)
        plan.settle(self.lazy_info, self.hot)
        if plan.simple is None and plan.compiled is None:
            self.uncompiled.append(plan)
        return plan

    def heat(self) -> None:
        """Compiles every selection set planned so far, and those planned later (abstract types)."""
        self.hot = True
        plans, self.uncompiled = self.uncompiled, []
        for plan in plans:  # children first: a parent's compiled code calls theirs directly
            plan.compiled = compiled_fields(plan, self.lazy_info)

    def _resolver(self, fp: FieldPlan, field_def: GraphQLField) -> None:
        resolve = field_def.resolve
        definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if (
            resolve is not None
            and getattr(resolve, "_is_default", False)
            and definition is not None
            and definition.default_resolver is getattr
            # a field without a resolver may still have field extensions (`permission_classes` are
            # one): strawberry marks its resolver `_is_default` all the same, and runs them
            and not definition.extensions
        ):
            fp.attr = definition.python_name  # what `_get_basic_result` does, without the call
            fp.get = attrgetter(fp.attr)
        else:
            fp.resolve = resolve or self.default_field_resolver
            fp.has_args = bool(field_def.args) or bool(fp.nodes[0].arguments)
            if definition is not None and self.direct_calls:
                self._direct(fp, definition)

    def _direct(self, fp: FieldPlan, definition: Any) -> None:
        """What strawberry's `from_resolver` wrapper does for a field without arguments, extensions or
        exception handlers, minus converting no arguments through an empty extension chain."""
        resolver = definition.base_resolver
        if resolver is None or definition.extensions or definition.is_subscription:
            return
        if resolver.parent_parameter is not None or resolver.root_parameter is not None:
            return  # rare spellings: left to the wrapper
        arguments: list[tuple[str, str, int]] = []
        if fp.has_args:
            if not definition.arguments or not self.lazy_info:
                return
            strawberry_schema = self.schema._strawberry_schema  # type: ignore[attr-defined]
            config, registry = strawberry_schema.config, strawberry_schema.schema_converter.scalar_registry
            for argument in definition.arguments:
                name = config.name_converter.from_argument(argument)
                arguments.append((name, argument.python_name, _argument_kind(argument.type, registry)))
            if {a[0] for a in arguments} != set(fp.field_def.args if fp.field_def else ()):
                return  # (arguments strawberry does not know of: left to the wrapper)
        if resolver.self_parameter is not None and resolver.info_parameter is not None:
            # called as direct(source, info): info must be the parameter right after self
            names = list(inspect.signature(resolver.wrapped_func).parameters)
            info = inspect.signature(resolver.wrapped_func).parameters[resolver.info_parameter.name]
            if names[1:2] != [resolver.info_parameter.name] or info.kind is not info.POSITIONAL_OR_KEYWORD:
                return  # (self, *, info) and the like: left to the wrapper
        if fp.has_args:
            fp.direct_with_args = resolver.wrapped_func
            fp.direct_args = tuple(arguments)
        else:
            fp.direct = resolver.wrapped_func
        fp.direct_self = resolver.self_parameter is not None
        fp.direct_info = resolver.info_parameter.name if resolver.info_parameter is not None else None
        fp.strawberry_field = definition
        # (a getter reads the field without its arguments: not for a field that has some)
        fp.plain = None if fp.has_args else (definition.metadata or {}).get(PLAIN_GETTER)

    def _shape(
        self, gtype: GraphQLOutputType, details: FieldDetailsList, parent: GraphQLObjectType, name: str
    ) -> Shape:
        shape = Shape()
        shape.field_details = details
        shape.field_name = name
        shape.parent_type = parent
        shape.null_message = f"Cannot return null for non-nullable field {parent}.{name}."
        if isinstance(gtype, GraphQLNonNull):
            shape.nullable = False
            gtype = gtype.of_type
        shape.type = gtype
        if is_list_type(gtype):
            assert isinstance(gtype, GraphQLList)
            shape.kind = LIST
            shape.item = self._shape(gtype.of_type, details, parent, name)
        elif is_leaf_type(gtype):
            shape.kind = LEAF
            shape.leaf = gtype.coerce_output_value
            shape.fast = _FAST_LEAVES.get(id(gtype))
            shape.method = _METHOD_LEAVES.get(shape.leaf)
            if isinstance(gtype, CustomGraphQLEnumType):
                shape.table = _enum_names(gtype)
                shape.table_type = gtype.wrapped_cls
        elif is_abstract_type(gtype):
            shape.kind = ABSTRACT
        elif is_object_type(gtype):
            assert isinstance(gtype, GraphQLObjectType)
            shape.kind = OBJECT
            shape.object_plan = self.sub(gtype, details)
        else:  # pragma: no cover - every output type is one of the above
            raise NotPlannable(f"unexpected output type {gtype}")
        return shape

    def abstract_plan(self, shape: Shape, runtime_type: GraphQLObjectType) -> ObjectPlan:
        plan = shape.by_type.get(runtime_type.name)
        if plan is None:
            plan = shape.by_type[runtime_type.name] = self.sub(runtime_type, shape.field_details)
        return plan


# --- the cache --------------------------------------------------------------------------------------


class _Document:
    __slots__ = ("directive_variables", "plans", "weight", "weights")

    def __init__(self, directive_variables: tuple[str, ...]) -> None:
        self.directive_variables = directive_variables
        self.plans: dict[tuple[Any, ...], tuple[ObjectPlan, Compiler]] = {}
        self.weights: dict[tuple[Any, ...], int] = {}
        self.weight = 0


def _directive_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables that `@skip`/`@include` read anywhere in the document."""
    names: set[str] = set()
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        for directive in getattr(node, "directives", None) or ():
            if isinstance(directive, DirectiveNode) and directive.name.value in ("skip", "include"):
                for arg in directive.arguments or ():
                    if isinstance(arg.value, VariableNode):
                        names.add(arg.value.name.value)
                    elif not isinstance(arg.value, BooleanValueNode):  # pragma: no cover - validated
                        raise NotPlannable("@skip/@include with a non-boolean literal")
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections)
    return tuple(sorted(names))


# how strawberry's `convert_argument` treats an argument's value (`_argument_kind`): passed on as
# graphql-core coerced it; converted unless None (None stays None); always converted
PASSED, CONVERTED_UNLESS_NONE, CONVERTED = 0, 1, 2


def _argument_kind(type_: Any, registry: Any) -> int:
    """A scalar or enum (not a global id), optional or not, is passed on; `Maybe` always becomes a
    `Some`; anything else (lists, input objects, global ids) is converted when not None."""
    if isinstance(type_, StrawberryMaybe):
        return CONVERTED
    while isinstance(type_, StrawberryOptional):
        if isinstance(type_, StrawberryMaybe):
            return CONVERTED
        type_ = type_.of_type
    if isinstance(type_, StrawberryList | LazyType) or type_ is GlobalID:
        return CONVERTED_UNLESS_NONE
    return PASSED if _is_leaf_type(type_, registry, skip_classes=(GlobalID,)) else CONVERTED_UNLESS_NONE


class PlanCache:
    """Plans by (schema, document text, operation name, values of the @skip/@include variables);
    least recently used documents leave first. Bounded in documents, in plans per document and in
    fields planned in all (a plan's size, compiled functions included, grows with its fields: a few
    KB each, and a client picks the documents)."""

    def __init__(self, size: int = 512, per_document: int = 64, max_fields: int = 100_000) -> None:
        self.size = size
        # plans per document (one per values of its @skip/@include variables: 2**n keys for n of them)
        self.per_document = per_document
        self.max_fields = max_fields
        self.weight = 0  # fields planned by the plans kept
        self.documents: OrderedDict[tuple[int, str, str | None], _Document] = OrderedDict()

    def get(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
        make: Callable[[], tuple[ObjectPlan, Compiler]],
        compile_after: int = 2,
    ) -> tuple[ObjectPlan, Compiler]:
        """The plan, made if need be; its selection sets compiled from its `compile_after`-th use."""
        source = document.loc.source.body if document.loc is not None else None
        if source is None:
            return make()  # a document built by hand: nothing to key it by
        name = operation.name.value if operation.name else None
        doc_key = (id(schema), source, name)
        entry = self.documents.get(doc_key)
        if entry is None:
            entry = _Document(_directive_variables(document))
            self.documents[doc_key] = entry
            if len(self.documents) > self.size:
                self.weight -= self.documents.popitem(last=False)[1].weight
        else:
            self.documents.move_to_end(doc_key)
        key = tuple(variables.get(v) for v in entry.directive_variables)
        found = entry.plans.get(key)
        if found is None:
            found = entry.plans[key] = make()
            weight = entry.weights[key] = max(1, getattr(found[1], "planned", 1))
            entry.weight += weight
            self.weight += weight
            if len(entry.plans) > self.per_document:  # the client picks the key: kept bounded
                self._drop(entry, next(iter(entry.plans)))  # the oldest
            while self.weight > self.max_fields and len(self.documents) > 1:  # (this one is the newest)
                self.weight -= self.documents.popitem(last=False)[1].weight
        compiler = found[1]
        if isinstance(compiler, Compiler) and not compiler.hot:
            compiler.uses += 1
            if compiler.uses >= compile_after:
                compiler.heat()
        return found

    def _drop(self, entry: _Document, key: tuple[Any, ...]) -> None:
        del entry.plans[key]
        weight = entry.weights.pop(key)
        entry.weight -= weight
        self.weight -= weight
