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
