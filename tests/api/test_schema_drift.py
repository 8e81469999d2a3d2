"""schema.graphql at the root is what frontend teams read; it must match the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from lianxin_api.schema import schema

pytestmark = pytest.mark.no_db


def test_exported_sdl_matches_the_code() -> None:
    exported = (Path(__file__).resolve().parents[2] / "schema.graphql").read_text()
    assert exported.strip() == schema.as_str().strip(), "schema.graphql is stale: run `make schema`"
