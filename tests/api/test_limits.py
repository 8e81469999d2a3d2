"""Abusive documents are refused before execution: depth, aliases, tokens, page size."""

from __future__ import annotations

from typing import Any

from lianxin_api.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS


async def test_too_deep_a_query_is_refused(gql: Any) -> None:
    inner = "name"
    for _ in range(MAX_DEPTH + 1):
        inner = f"parent {{ {inner} }}"
    body = await gql.raw(f"{{ unions(first: 1) {{ edges {{ node {{ {inner} }} }} }} }}")
    assert body["data"] is None
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_too_many_aliases_are_refused(gql: Any) -> None:
    fields = " ".join(f"a{i}: unions(first: 1) {{ totalCount }}" for i in range(MAX_ALIASES + 1))
    body = await gql.raw(f"{{ {fields} }}")
    assert body["data"] is None
    assert "aliases" in body["errors"][0]["message"].lower()


async def test_too_many_tokens_are_refused(gql: Any) -> None:
    fields = " ".join("__typename" for _ in range(MAX_TOKENS + 10))
    body = await gql.raw(f"{{ {fields} }}")
    assert body["data"] is None
    assert "token" in body["errors"][0]["message"].lower()


async def test_a_repeated_document_is_validated_once_and_still_checked(gql: Any) -> None:
    fields = " ".join(f"a{i}: unions(first: 1) {{ totalCount }}" for i in range(MAX_ALIASES + 1))
    for _ in range(2):  # the second answer comes from the validation cache and must still refuse
        body = await gql.raw(f"{{ {fields} }}")
        assert body["data"] is None
