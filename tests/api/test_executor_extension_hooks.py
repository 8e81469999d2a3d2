"""The schema's extension hooks, looked up once per extension class (`executor/extensions.py`), are
strawberry's: the same extensions in the same order, sync or async alike, running the same hook."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.extensions.runner import SchemaExtensionsRunner

from lianxin_api.executor.extensions import LeanExtensionsRunner
from lianxin_api.schema import schema

pytestmark = pytest.mark.no_db

STAGES = ("operation", "validation", "parsing", "executing")


def _code(hook: Any) -> Any:
    """The code of the generator the hook's context manager runs (made, never started)."""
    generator = hook.hook().gen
    return getattr(generator, "gi_code", None) or generator.ag_code


@pytest.mark.parametrize("stage", STAGES)
def test_the_lean_runner_makes_strawberrys_hooks(stage: str) -> None:
    extensions = schema.get_extensions()
    lean = getattr(LeanExtensionsRunner(None, extensions), stage)()  # type: ignore[arg-type]
    plain = getattr(SchemaExtensionsRunner(None, extensions), stage)()  # type: ignore[arg-type]
    assert [(h.extension, h.is_async) for h in lean.hooks] == [(h.extension, h.is_async) for h in plain.hooks]
    assert lean.hooks, stage
    assert [_code(h) for h in lean.hooks] == [_code(h) for h in plain.hooks]


def test_the_schema_runs_the_lean_runner() -> None:
    runner = schema.create_extensions_runner(None, schema.get_extensions())  # type: ignore[arg-type]
    assert isinstance(runner, LeanExtensionsRunner)


# --- entering and leaving the hooks without an exit stack: the same as strawberry's, errors included ---


class Boom(Exception):
    pass


def _extensions(log: list[str], leave_raises: str = "", suppresses: str = "") -> list[Any]:
    from collections.abc import AsyncIterator, Iterator

    from strawberry.extensions import SchemaExtension

    def made(name: str, is_async: bool) -> Any:
        def record(event: str) -> None:
            log.append(f"{name}:{event}")

        if is_async:

            async def on_operation(self: Any) -> AsyncIterator[None]:
                record("enter")
                try:
                    yield
                except Exception as exc:
                    record(f"saw {type(exc).__name__}")
                    if name != suppresses:
                        raise
                    return
                record("leave")
                if name == leave_raises:
                    raise Boom(name)

            return type(name, (SchemaExtension,), {"on_operation": on_operation})()

        def on_operation_sync(self: Any) -> Iterator[None]:
            record("enter")
            try:
                yield
            except Exception as exc:
                record(f"saw {type(exc).__name__}")
                if name != suppresses:
                    raise
                return
            record("leave")
            if name == leave_raises:
                raise Boom(name)

        return type(name, (SchemaExtension,), {"on_operation": on_operation_sync})()

    return [made("a", False), made("b", True), made("c", False), made("d", True)]


async def _run(runner_class: Any, body_raises: bool, **kwargs: Any) -> tuple[list[str], str]:
    log: list[str] = []
    stage = runner_class(None, _extensions(log, **kwargs)).operation()  # type: ignore[arg-type]
    outcome = "ok"
    try:
        async with stage:
            log.append("body")
            if body_raises:
                raise ValueError("body")
    except Exception as exc:
        outcome = f"{type(exc).__name__}: {exc}"
    return log, outcome


@pytest.mark.parametrize(
    ("body_raises", "kwargs"),
    [
        (False, {}),
        (True, {}),
        (True, {"suppresses": "b"}),
        (False, {"leave_raises": "c"}),
        (False, {"leave_raises": "c", "suppresses": "a"}),
        (False, {"leave_raises": "d", "suppresses": "b"}),
        (False, {"leave_raises": "a"}),
    ],
)
async def test_the_lean_stages_enter_and_leave_as_strawberrys(
    body_raises: bool, kwargs: dict[str, str]
) -> None:
    lean = await _run(LeanExtensionsRunner, body_raises, **kwargs)
    plain = await _run(SchemaExtensionsRunner, body_raises, **kwargs)
    assert lean == plain


async def test_the_lean_runner_gathers_the_same_extension_results() -> None:
    from strawberry.extensions import SchemaExtension

    class Results(SchemaExtension):
        def get_results(self) -> dict[str, Any]:
            return {"mine": 1, "shared": "extension"}

    from types import SimpleNamespace

    context: Any = SimpleNamespace(extensions_results={"shared": "context"})
    extensions = [*schema.get_extensions(), Results()]
    lean = await LeanExtensionsRunner(None, extensions).get_extensions_results(context)  # type: ignore[arg-type]
    plain = await SchemaExtensionsRunner(None, extensions).get_extensions_results(context)  # type: ignore[arg-type]
    assert lean == plain == {"mine": 1, "shared": "context"}
