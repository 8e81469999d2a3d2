"""Executing a plan: walk the objects, read attributes, call resolvers only where a field has one.

Resolvers that return awaitables are collected and awaited together, one `asyncio.gather` per wave
(a wave is everything that became ready in the previous one). Results are written into the response
in place: every composite value is put into its parent before its fields are filled, so that null
propagation is simply "set the nearest nullable position to null" (`Slot`), and errors are recorded
with graphql-core's own `CollectedErrors`, which drops errors below a position already nulled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import CoroutineType, GeneratorType
from typing import Any

from graphql import GraphQLError, GraphQLObjectType, GraphQLResolveInfo, located_error
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, inspect, is_iterable
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE
from strawberry.types.info import Info as StrawberryInfo

from lianxin_api.executor.plan import (
    ABSTRACT,
    CONVERTED,
    LEAF,
    LIST,
    OBJECT,
    Compiler,
    FieldPlan,
    ObjectPlan,
    Shape,
)


class PlannedInfo(StrawberryInfo):
    """strawberry's `Info` for a directly called resolver, with graphql-core's resolve info (and its
    path) built only if the resolver reads more than the context."""

    def __init__(self, run: PlanRun, fp: FieldPlan, parent: GraphQLObjectType, slot: Slot) -> None:
        self._run = run
        self._fp = fp
        self._parent = parent
        self._slot = slot  # the object's position: its path is made only here, if asked for
        self._field = fp.strawberry_field
        self._raw: Any = None

    @property
    def _raw_info(self) -> ResolveInfo:  # type: ignore[override]
        if self._raw is None:
            fp = self._fp
            path = Path(self._slot.path, fp.key, self._parent.name)
            self._raw = self._run.info(fp, self._parent, path)
        raw: ResolveInfo = self._raw
        return raw

    @property
    def context(self) -> Any:
        return self._run.context


# a `Slot`'s path made when first asked for (errors, resolve infos): Path(parent's path, key, type_name)
LAZY: Any = object()


class Slot:
    """A position in the response that holds an object or a list: where to write null if it fails.
    Its path is given, or LAZY: then made from its parent's path, its key and `type_name` (the parent
    object's type name for a field, None for a list item) when asked for, as graphql-core makes it."""

    __slots__ = ("_path", "container", "dead", "key", "nullable", "parent", "type_name")

    def __init__(
        self,
        container: Any,
        key: Any,
        nullable: bool,
        parent: Slot | None,
        path: Path | None,
        type_name: str | None = None,
    ) -> None:
        self.container = container
        self.key = key
        self.nullable = nullable
        self.parent = parent
        self._path = path
        self.type_name = type_name
        self.dead = False

    @property
    def path(self) -> Path | None:
        path = self._path
        if path is LAZY:
            assert self.parent is not None
            path = self._path = Path(self.parent.path, self.key, self.type_name)
        return path


class Plains(dict[FieldPlan, Callable[[Any], Any] | None]):
    """Per field with a resolver: the getter its `PLAIN_GETTER` gives for this execution's context, or
    None (the resolver is called); asked on first use, then the same for every object of the execution."""

    def __init__(self, context: Any) -> None:
        super().__init__()
        self.context = context

    def __missing__(self, fp: FieldPlan) -> Callable[[Any], Any] | None:
        getter = self[fp] = fp.plain(self.context) if fp.plain is not None else None
        return getter


ResolveInfo = GraphQLResolveInfo[Any]
# values of these exact types are never awaitable: no need to ask `is_awaitable`
NOT_AWAITABLE = _NOT_AWAITABLE = frozenset({str, int, float, bool, type(None), list, tuple, dict})
_SEQUENCES = frozenset({list, tuple})
Pending = tuple[Awaitable[Any], Callable[[Any], None]]

# classes whose instances `complete` passes to `complete_object` as they are: strawberry types (an
# object of a type without is_type_of needs no other check), see `plain_class`
PLAIN_CLASSES: set[type] = set()


def plain_class(cls: type) -> bool:
    """Whether instances of `cls` are neither None, Undefined, an exception nor awaitable (what
    `complete` and `is_awaitable` ask before `complete_object`): a strawberry type's class without
    `__await__`. Remembered in PLAIN_CLASSES."""
    if (
        getattr(cls, "__strawberry_definition__", None) is None
        or issubclass(cls, (BaseException, CoroutineType, GeneratorType))
        or hasattr(cls, "__await__")
    ):
        return False
    PLAIN_CLASSES.add(cls)
    return True


class PlanRun:
    """One execution of one plan, on behalf of a graphql-core executor (its schema, context, variables,
    resolve infos and collected errors)."""

    def __init__(self, executor: Any, compiler: Compiler) -> None:
        self.executor = executor
        self.compiler = compiler
        self.info_class = compiler.info_class
        self.context = executor.context_value
        # our Info stands in for strawberry's only where the schema uses strawberry's own class
        self.lazy_info = compiler.info_class is StrawberryInfo
        self.errors = executor.collected_errors
        self.is_awaitable = executor.is_awaitable
        self.pending: list[Pending] = []
        self.args: dict[int, dict[str, Any]] = {}
        self.holder: dict[str, Any] = {}
        self.plains = Plains(self.context)
        # raw root results, for the differential check of mutation payloads
        self.root_values: dict[str, Any] | None = None

    # --- entry points ---

    async def run(self, plan: ObjectPlan, serially: bool) -> dict[str, Any] | None:
        data: dict[str, Any] = {}
        self.holder["data"] = data
        root = Slot(self.holder, "data", True, None, None)
        source = self.executor.root_value
        if serially:
            for fp in plan.fields:
                if root.dead:
                    break
                self.fields(plan, (fp,), source, root, data)
                await self.drain()
        else:
            self.fields(plan, plan.fields, source, root, data)
            await self.drain()
        result: dict[str, Any] | None = self.holder["data"]
        return result

    async def drain(self) -> None:
        while self.pending:
            wave, self.pending = self.pending, []
            if len(wave) == 1:
                awaitable, then = wave[0]
                try:
                    value = await awaitable
                except Exception as exc:
                    value = exc
                then(value)
                continue
            results = await asyncio.gather(*(a for a, _ in wave), return_exceptions=True)
            for (_, then), value in zip(wave, results, strict=True):
                if isinstance(value, asyncio.CancelledError):
                    raise value
                then(value)

    # --- fields ---

    def info(self, fp: FieldPlan, parent: GraphQLObjectType, path: Path) -> ResolveInfo:
        info: ResolveInfo = self.executor.build_resolve_info(fp.field_def, fp.nodes, parent, path)
        return info

    def call_direct(self, fp: FieldPlan, direct: Callable[..., Any], source: Any, info: ResolveInfo) -> Any:
        kwargs = {}
        if fp.direct_info is not None:
            kwargs[fp.direct_info] = self.info_class(_raw_info=info, _field=fp.strawberry_field)
        if fp.direct_self:
            return direct(source, **kwargs)
        return direct(**kwargs)

    def arguments(self, fp: FieldPlan) -> dict[str, Any]:
        args = self.args.get(id(fp))
        if args is None:  # the same for every object of the level: coerced once per execution
            assert fp.field_def is not None
            args = self.args[id(fp)] = get_argument_values(
                fp.field_def, fp.nodes[0], self.executor.variable_values, None, self.executor.hide_suggestions
            )
        return args

    def passed_arguments(self, fp: FieldPlan) -> dict[str, Any] | None:
        """What strawberry's `get_arguments` passes the resolver for the given arguments, by python
        name, where it passes them on unconverted (`Compiler._direct`); None if one given is one it
        converts (an input object, a list…): the call then goes through strawberry's wrapper."""
        given = self.arguments(fp)
        passed: dict[str, Any] = {}
        for name, python_name, kind in fp.direct_args:
            if name in given:
                value = given[name]
                if kind and (value is not None or kind == CONVERTED):
                    return None
                passed[python_name] = value
        return passed

    def fields(self, plan: ObjectPlan, fields: Any, source: Any, slot: Slot, out: dict[str, Any]) -> None:
        at_root = self.root_values is not None and slot.parent is None
        lazy = self.lazy_info
        plains = self.plains
        for fp in fields:
            if slot.dead:
                return
            key = fp.key
            if fp.typename:
                out[key] = plan.type_name
                continue
            info = None
            try:
                getter = fp.get  # an attribute
                if getter is not None:
                    value = getter(source)
                else:
                    plain = plains[fp]  # a getter decided once for the request (PLAIN_GETTER)
                    if plain is not None:
                        value = plain(source)
                    else:
                        value, info = self.resolve(fp, plan, source, slot, lazy)
                    if type(value) not in _NOT_AWAITABLE and self.is_awaitable(value):
                        out[key] = None  # keeps the key's place in the response
                        self.pending.append((value, self._later(fp, plan, slot, out, info)))
                        continue
                shape = fp.shape
                assert shape is not None
                if shape.kind == LEAF and value is not None:
                    out[key] = value if type(value) is shape.fast else self.leaf(shape, value)
                else:
                    self.complete(shape, value, out, key, slot, None, info, plan, fp)
            except Exception as exc:
                if at_root:
                    self.root_values[key] = exc  # type: ignore[index]
                self.field_error(exc, fp, plan, slot, out)
                continue
            if at_root:
                self.root_values[key] = value  # type: ignore[index]

    def resolve(
        self, fp: FieldPlan, plan: ObjectPlan, source: Any, slot: Slot, lazy: bool
    ) -> tuple[Any, ResolveInfo | None]:
        """The field's resolver's answer (and the resolve info made for it, if any)."""
        direct = fp.direct
        if direct is not None and lazy and fp.direct_self:  # the common case of `call`
            # (self) or (self, info), info positionally (see `Compiler._direct`)
            if fp.direct_info is None:
                return direct(source), None
            return direct(source, PlannedInfo(self, fp, plan.type, slot)), None
        return self.call(fp, plan, source, slot)

    def finish(
        self, fp: FieldPlan, plan: ObjectPlan, value: Any, slot: Slot, out: dict[str, Any], info: Any
    ) -> None:
        """What `fields` does with a field's value once read (not awaitable): for `ObjectPlan.compiled`."""
        try:
            shape = fp.shape
            assert shape is not None
            if shape.kind == LEAF and value is not None:
                out[fp.key] = value if type(value) is shape.fast else self.leaf(shape, value)
            else:
                self.complete(shape, value, out, fp.key, slot, None, info, plan, fp)
        except Exception as exc:
            self.field_error(exc, fp, plan, slot, out)

    def call(
        self, fp: FieldPlan, plan: ObjectPlan, source: Any, slot: Slot
    ) -> tuple[Any, ResolveInfo | None]:
        """Calls the field's resolver: directly with a lazy `Info` where strawberry would only pass
        (self, info), else through strawberry's wrapper with graphql-core's resolve info."""
        direct = fp.direct
        if direct is not None and self.lazy_info:
            if fp.direct_info is None:
                return (direct(source) if fp.direct_self else direct()), None
            kwargs = {fp.direct_info: PlannedInfo(self, fp, plan.type, slot)}
            return (direct(source, **kwargs) if fp.direct_self else direct(**kwargs)), None
        with_args = fp.direct_with_args
        if with_args is not None:  # (planned only where `lazy_info`)
            passed = self.passed_arguments(fp)
            if passed is not None:
                if fp.direct_info is not None:
                    passed[fp.direct_info] = PlannedInfo(self, fp, plan.type, slot)
                return (with_args(source, **passed) if fp.direct_self else with_args(**passed)), None
        info = self.info(fp, plan.type, Path(slot.path, fp.key, plan.type_name))
        if direct is not None:
            return self.call_direct(fp, direct, source, info), info
        args = self.arguments(fp) if fp.has_args else {}
        assert fp.resolve is not None
        return fp.resolve(source, info, **args), info

    def _later(
        self, fp: FieldPlan, plan: ObjectPlan, slot: Slot, out: dict[str, Any], info: ResolveInfo | None
    ) -> Callable[[Any], None]:
        def then(value: Any) -> None:
            if self.is_dead(slot):
                return
            if self.root_values is not None and slot.parent is None:
                self.root_values[fp.key] = value
            try:
                if isinstance(value, Exception):
                    raise value
                assert fp.shape is not None
                self.complete(fp.shape, value, out, fp.key, slot, None, info, plan, fp)
            except Exception as exc:
                self.field_error(exc, fp, plan, slot, out)

        return then

    def field_error(
        self, exc: Exception, fp: FieldPlan, plan: ObjectPlan, slot: Slot, out: dict[str, Any]
    ) -> None:
        path = Path(slot.path, fp.key, plan.type_name)
        error = located_error(exc, fp.nodes, path.as_list())
        if fp.nullable:
            out[fp.key] = None
            self.errors.add(error, path)
        else:
            self.bubble(slot, error)

    def bubble(self, slot: Slot, error: GraphQLError) -> None:
        """A non-null position failed inside `slot`: null the nearest nullable position above it."""
        s: Slot | None = slot
        while s is not None:
            s.dead = True
            if s.nullable:
                s.container[s.key] = None
                self.errors.add(error, s.path)
                return
            s = s.parent
        raise AssertionError("the root position is nullable")  # pragma: no cover

    @staticmethod
    def is_dead(slot: Slot | None) -> bool:
        while slot is not None:
            if slot.dead:
                return True
            slot = slot.parent
        return False

    # --- values ---

    @staticmethod
    def leaf(shape: Shape, value: Any) -> Any:
        table = shape.table
        if table is not None and type(value) is shape.table_type:
            name = table.get(value)
            if name is not None:
                return name
        assert shape.leaf is not None
        coerced = shape.leaf(value)
        if coerced is Undefined or coerced is None:
            raise TypeError(
                f"Expected `{inspect(shape.type)}.coerce_output_value("
                f"{inspect(value)})` to return non-nullable value, returned: {inspect(coerced)}"
            )
        return coerced

    def complete(
        self,
        shape: Shape,
        value: Any,
        container: Any,
        key: Any,
        parent: Slot,
        path: Path | None,
        info: ResolveInfo | None,
        plan: ObjectPlan,
        fp: FieldPlan,
    ) -> None:
        """Write the completed `value` at container[key]; raises for an error at this very position
        (the caller nulls it or bubbles), handles errors of positions below it itself."""
        if isinstance(value, Exception):
            raise value
        if value is None or value is Undefined:
            if not shape.nullable:
                raise TypeError(shape.null_message)
            container[key] = None
            return
        kind = shape.kind
        if kind == LEAF:
            fast = shape.fast
            container[key] = value if fast is not None and type(value) is fast else self.leaf(shape, value)
            return
        if path is None:
            path = Path(parent.path, key, plan.type_name)
        if kind == OBJECT:
            object_plan = shape.object_plan
            assert object_plan is not None
            self.complete_object(object_plan, shape, value, container, key, parent, path, info, fp)
        elif kind == LIST:
            self.complete_list(shape, value, container, key, parent, path, info, plan, fp)
        else:
            assert kind == ABSTRACT
            self.abstract(shape, value, container, key, parent, path, info, plan, fp)

    def complete_object(
        self,
        object_plan: ObjectPlan,
        shape: Shape,
        value: Any,
        container: Any,
        key: Any,
        parent: Slot,
        path: Path,
        info: ResolveInfo | None,
        fp: FieldPlan,
    ) -> None:
        is_type_of = object_plan.is_type_of
        if is_type_of is not None and not (
            type(value) is object_plan.origin and getattr(value, TYPE_CAST_ATTRIBUTE, None) is None
        ):
            if not object_plan.strawberry_is_type_of and info is None:
                info = self.info(fp, shape.parent_type, self._field_path(path))  # type: ignore[arg-type]
            ok = is_type_of(value, info)  # type: ignore[arg-type]
            if self.is_awaitable(ok):
                raise TypeError("an awaitable is_type_of is left to graphql-core")  # pragma: no cover
            if not ok:
                raise GraphQLError(
                    f"Expected value of type '{object_plan.type}' but got: {inspect(value)}.",
                    fp.nodes,
                )
        if object_plan.simple is not None:
            made = object_plan.simple_object
            plain = made(value) if made is not None else self.simple_object(object_plan, value)
            if plain is not None:
                container[key] = plain
                return
        out: dict[str, Any] = {}
        container[key] = out
        slot = Slot(container, key, shape.nullable, parent, path)
        compiled = object_plan.compiled
        if compiled is not None:
            compiled(self, value, slot, out)
        else:
            self.fields(object_plan, object_plan.fields, value, slot, out)

    @staticmethod
    def simple_object(plan: ObjectPlan, source: Any) -> dict[str, Any] | None:
        """The object's response when every value serialises plainly (what `fields` would write), else
        None and the general path runs (reading the attributes and coercing again, pure both, and
        reporting any error there)."""
        out: dict[str, Any] = {}
        assert plan.simple is not None
        try:
            for key, attr, fast, table, table_type, coerce, nullable in plan.simple:
                if attr is None:
                    out[key] = plan.type_name
                    continue
                value = getattr(source, attr)
                if value is None:
                    if not nullable:
                        return None
                    out[key] = None
                elif type(value) is fast:
                    out[key] = value
                elif table is not None and type(value) is table_type and value in table:
                    out[key] = table[value]
                else:
                    assert coerce is not None
                    coerced = coerce(value)
                    if coerced is None or coerced is Undefined:
                        return None
                    out[key] = coerced
        except Exception:
            return None
        return out

    @staticmethod
    def _field_path(path: Path) -> Path:
        found: Path | None = path
        while found is not None and isinstance(found.key, int):  # list items: the field's own path
            found = found.prev
        assert found is not None
        return found

    def complete_list(
        self,
        shape: Shape,
        value: Any,
        container: Any,
        key: Any,
        parent: Slot,
        path: Path,
        info: ResolveInfo | None,
        plan: ObjectPlan,
        fp: FieldPlan,
    ) -> None:
        if type(value) not in _SEQUENCES and not is_iterable(value):  # (its ABC check, for the rest)
            raise GraphQLError(
                f"Expected Iterable, but did not find one for field '{shape.parent_type}.{shape.field_name}'."
            )
        item = shape.item
        assert item is not None
        items = list(value)
        out: list[Any] = [None] * len(items)
        container[key] = out
        slot = Slot(container, key, shape.nullable, parent, path)
        if item.kind == LEAF:
            self._leaf_items(item, items, out, slot, path, info, plan, fp)
        elif item.kind == OBJECT:
            self._object_items(item, items, out, slot, path, info, plan, fp)
        else:
            for index, element in enumerate(items):
                if slot.dead:
                    return
                self._item(item, element, out, index, slot, path, info, plan, fp)

    def _leaf_items(
        self,
        item: Shape,
        items: list[Any],
        out: list[Any],
        slot: Slot,
        path: Path,
        info: ResolveInfo | None,
        plan: ObjectPlan,
        fp: FieldPlan,
    ) -> None:
        fast, table, table_type = item.fast, item.table, item.table_type  # (see `leaf`)
        for index, element in enumerate(items):
            if slot.dead:
                return
            if element is not None:
                if type(element) is fast:
                    out[index] = element
                    continue
                if table is not None and type(element) is table_type and element in table:
                    out[index] = table[element]
                    continue
            self._item(item, element, out, index, slot, path, info, plan, fp)

    def _object_items(
        self,
        item: Shape,
        items: list[Any],
        out: list[Any],
        slot: Slot,
        path: Path,
        info: ResolveInfo | None,
        plan: ObjectPlan,
        fp: FieldPlan,
    ) -> None:
        object_plan = item.object_plan
        assert object_plan is not None
        simple: ObjectPlan | None = object_plan
        if object_plan.simple is None or object_plan.is_type_of is not None:
            simple = None  # (objects with is_type_of go through `complete_object`, which checks it)
        made = object_plan.simple_object if simple is not None else None
        # objects of a compiled plan, of exactly its strawberry class: what `complete_object` does
        compiled = object_plan.compiled if simple is None else None
        cls = object_plan.cls if compiled is not None else None
        check_cast = object_plan.is_type_of is not None
        any_class = compiled is not None and object_plan.is_type_of is None  # (nothing to check)
        for index, element in enumerate(items):
            if slot.dead:
                return
            # (a strawberry object: an awaitable or an exception is awaited or raised by `_item` first,
            # even for a plan that reads no attribute, e.g. `{ __typename }`)
            if simple is not None and (type(element) in PLAIN_CLASSES or plain_class(type(element))):
                plain = made(element) if made is not None else self.simple_object(simple, element)
                if plain is not None:
                    out[index] = plain
                    continue
            if (
                cls is not None
                and type(element) is cls
                and (not check_cast or getattr(element, TYPE_CAST_ATTRIBUTE, None) is None)
            ) or (any_class and (type(element) in PLAIN_CLASSES or plain_class(type(element)))):
                element_out: dict[str, Any] = {}
                out[index] = element_out
                element_slot = Slot(out, index, item.nullable, slot, LAZY)  # (path, index)
                compiled(self, element, element_slot, element_out)  # type: ignore[misc]
                continue
            self._item(item, element, out, index, slot, path, info, plan, fp)

    def _item(
        self,
        item: Shape,
        element: Any,
        out: list[Any],
        index: int,
        slot: Slot,
        path: Path,
        info: ResolveInfo | None,
        plan: ObjectPlan,
        fp: FieldPlan,
    ) -> None:
        """One list item by the general path (awaited later if it is awaitable)."""
        item_path = Path(path, index, None)
        try:
            if self.is_awaitable(element):
                self.pending.append(
                    (element, self._item_later(item, out, index, slot, item_path, info, plan, fp))
                )
                return
            self.complete(item, element, out, index, slot, item_path, info, plan, fp)
        except Exception as exc:
            self.item_error(exc, item, out, index, slot, item_path, fp)

    def _item_later(
        self,
        item: Shape,
        out: list[Any],
        index: int,
        slot: Slot,
        item_path: Path,
        info: ResolveInfo | None,
        plan: ObjectPlan,
        fp: FieldPlan,
    ) -> Callable[[Any], None]:
        def then(value: Any) -> None:
            if self.is_dead(slot):
                return
            try:
                self.complete(item, value, out, index, slot, item_path, info, plan, fp)
            except Exception as exc:
                self.item_error(exc, item, out, index, slot, item_path, fp)

        return then

    def item_error(
        self,
        exc: Exception,
        item: Shape,
        out: list[Any],
        index: int,
        slot: Slot,
        item_path: Path,
        fp: FieldPlan,
    ) -> None:
        error = located_error(exc, fp.nodes, item_path.as_list())
        if item.nullable:
            out[index] = None
            self.errors.add(error, item_path)
        else:
            self.bubble(slot, error)

    def abstract(
        self,
        shape: Shape,
        value: Any,
        container: Any,
        key: Any,
        parent: Slot,
        path: Path,
        info: ResolveInfo | None,
        plan: ObjectPlan,
        fp: FieldPlan,
    ) -> None:
        executor = self.executor
        field_path = self._field_path(path)
        if info is None:
            info = self.info(fp, plan.type, field_path)
        abstract_type = shape.type
        resolve_type = abstract_type.resolve_type or executor.type_resolver
        runtime_name = resolve_type(value, info, abstract_type)
        if self.is_awaitable(runtime_name):
            out_holder = container

            def then(name: Any) -> None:
                if self.is_dead(parent):
                    return
                try:
                    if isinstance(name, Exception):
                        raise name
                    self._abstract_object(shape, name, value, out_holder, key, parent, path, info, fp)
                except Exception as exc:
                    self._position_error(exc, shape, out_holder, key, parent, path, fp)

            container[key] = None
            self.pending.append((runtime_name, then))
            return
        self._abstract_object(shape, runtime_name, value, container, key, parent, path, info, fp)

    def _abstract_object(
        self,
        shape: Shape,
        runtime_name: Any,
        value: Any,
        container: Any,
        key: Any,
        parent: Slot,
        path: Path,
        info: ResolveInfo,
        fp: FieldPlan,
    ) -> None:
        runtime_type = self.executor.ensure_valid_runtime_type(
            runtime_name, shape.type, shape.field_details, info, value
        )
        object_plan = self.compiler.abstract_plan(shape, runtime_type)
        self.complete_object(object_plan, shape, value, container, key, parent, path, info, fp)

    def _position_error(
        self, exc: Exception, shape: Shape, container: Any, key: Any, parent: Slot, path: Path, fp: FieldPlan
    ) -> None:
        error = located_error(exc, fp.nodes, path.as_list())
        if shape.nullable:
            container[key] = None
            self.errors.add(error, path)
        else:
            self.bubble(parent, error)
