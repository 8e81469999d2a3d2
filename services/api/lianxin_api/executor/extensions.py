"""strawberry's schema extension hooks, looked up once per extension class instead of per request.

strawberry makes the extensions afresh for every operation and, for each of its four stages
(operation, parsing, validation, execution), asks every extension for its hook: whether the class
overrides it, whether it is a generator, then wraps the bound method with `contextlib.contextmanager`
(a `functools.update_wrapper` each). With a dozen extensions that is a fifth of a small request. Here
what depends on the class only (overridden? which kind? the context-manager factory) is found once per
(class, stage); per operation only the binding to the instance remains. The hooks run exactly as
strawberry's: the same generator called with the extension, in the same order; callables and anything
unusual are left to strawberry's own `get_hook`.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.utils.await_maybe import await_maybe

_NONE, _SYNC, _ASYNC, _OTHER = 0, 1, 2, 3
# (extension class, hook name) -> (kind, context-manager factory taking the extension)
_KINDS: dict[tuple[type, str], tuple[int, Any]] = {}
# (hook name, the extensions' classes in order) -> [(position, kind, factory)] of those with the hook
_STAGES: dict[tuple[str, tuple[type, ...]], list[tuple[int, int, Any]]] = {}
_NO_RESULTS = SchemaExtension.get_results


def _kind(cls: type, name: str) -> tuple[int, Any]:
    found = _KINDS.get((cls, name))
    if found is None:
        hook_fn = getattr(cls, name)
        if hook_fn is getattr(SchemaExtension, name) or not hook_fn:
            found = (_NONE, None)
        elif inspect.isgeneratorfunction(hook_fn):
            found = (_SYNC, contextlib.contextmanager(hook_fn))
        elif inspect.isasyncgenfunction(hook_fn):
            found = (_ASYNC, contextlib.asynccontextmanager(hook_fn))
        else:
            found = (_OTHER, None)
        _KINDS[(cls, name)] = found
    return found


class _Lean(ExtensionContextManagerBase):
    """strawberry's stage context manager; entering and leaving the hooks without an exit stack."""

    def __init__(self, extensions: list[SchemaExtension]) -> None:
        # strawberry's __init__ (every extension's hook for this stage, in order), its get_hook inlined
        self.hooks: list[WrappedHook] = []
        self.default_hook = getattr(SchemaExtension, self.HOOK_NAME)
        name = self.HOOK_NAME
        key = (name, tuple(map(type, extensions)))
        stage = _STAGES.get(key)
        if stage is None:  # the extensions with a hook for this stage, by the classes in order
            stage = [(i, *_kind(type(e), name)) for i, e in enumerate(extensions)]
            stage = [(i, kind, factory) for i, kind, factory in stage if kind != _NONE]
            if len(_STAGES) >= 64:  # (one list of classes per schema and stage, in practice)
                _STAGES.clear()
            _STAGES[key] = stage
        for i, kind, factory in stage:
            extension = extensions[i]
            if kind == _OTHER:
                hook = super().get_hook(extension)
                if hook:
                    self.hooks.append(hook)
                continue
            # factory(extension) is contextmanager(MethodType(hook_fn, extension))(): the same generator
            self.hooks.append(WrappedHook(extension, functools.partial(factory, extension), kind == _ASYNC))

    # strawberry enters every hook into an AsyncExitStack and leaves through it. The same here: each
    # hook's context manager entered in order (one that fails to enter leaves the ones before it
    # entered, as strawberry's `__aenter__` does) and, when the stage ends without an exception, left
    # in reverse order. Anything else (the stage raised, or a hook raised while leaving) goes through a
    # real AsyncExitStack holding the hooks not yet left, as strawberry's would at that point.

    async def __aenter__(self) -> None:
        entered: list[tuple[Any, bool]] = []
        self.entered = entered
        for hook in self.hooks:
            manager: Any = hook.hook()
            if hook.is_async:
                await manager.__aenter__()
            else:
                manager.__enter__()
            entered.append((manager, hook.is_async))

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        entered = self.entered
        if exc_type is not None:
            await _leave(entered, exc_type, exc_val, exc_tb)
            return
        while entered:
            manager, is_async = entered.pop()
            try:
                if is_async:
                    await manager.__aexit__(None, None, None)
                else:
                    manager.__exit__(None, None, None)
            except BaseException as exc:  # the rest see it, as in an exit stack
                if not await _leave(entered, type(exc), exc, exc.__traceback__):
                    raise
                return


async def _leave(entered: list[tuple[Any, bool]], exc_type: Any, exc_val: Any, exc_tb: Any) -> bool:
    """What an AsyncExitStack of the `entered` managers answers when left with this exception."""
    stack = contextlib.AsyncExitStack()
    for manager, is_async in entered:
        if is_async:
            stack.push_async_exit(manager)
        else:
            stack.push(manager)
    entered.clear()
    return bool(await stack.__aexit__(exc_type, exc_val, exc_tb))


class _Operation(_Lean, OperationContextManager):
    pass


class _Validation(_Lean, ValidationContextManager):
    pass


class _Parsing(_Lean, ParsingContextManager):
    pass


class _Executing(_Lean, ExecutingContextManager):
    pass


class LeanExtensionsRunner(SchemaExtensionsRunner):
    """strawberry's runner with the four stages' hooks looked up per class (see the module)."""

    def operation(self) -> OperationContextManager:
        return _Operation(self.extensions)

    def validation(self) -> ValidationContextManager:
        return _Validation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _Parsing(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _Executing(self.extensions)

    async def get_extensions_results(self, ctx: Any) -> dict[str, Any]:
        # strawberry's, without asking the extensions that keep SchemaExtension's `get_results` (an
        # empty dict, merged into nothing)
        data: dict[str, Any] = {}
        for extension in self.extensions:
            if type(extension).get_results is not _NO_RESULTS:
                data.update(await await_maybe(extension.get_results()))
        data.update(ctx.extensions_results)
        return data
