"""Abusive documents are refused before execution: depth, aliases, tokens, page size, and text that
PostgreSQL cannot store (U+0000)."""

from __future__ import annotations

from typing import Any

from lianxin_api.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS, NUL_MESSAGE


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


CREATE_UNION = (
    "mutation($input: CreateUnionInput!) { createUnion(input: $input) { union { id } errors { code } } }"
)


async def test_a_nul_character_in_a_literal_is_refused_and_nothing_is_written(gql: Any, pool: Any) -> None:
    # found by schemathesis: the audit log's jsonb refused it, and the mutation failed with an internal error
    body = await gql.raw(
        'mutation { createUnion(input: {name: "a\\u0000b", kind: FEDERATION, regionCode: "371000"}) { errors { code } } }'
    )
    assert body["data"] is None
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
        (NUL_MESSAGE, "BAD_USER_INPUT")
    ]
    assert await pool.fetchval("SELECT count(*) FROM audit_entry") == 0
    assert await pool.fetchval("SELECT count(*) FROM trade_union") == 0


async def test_a_nul_character_in_a_variable_is_refused_and_nothing_is_written(gql: Any, pool: Any) -> None:
    variables = {"input": {"name": "工会\x00", "kind": "FEDERATION", "regionCode": "371000"}}
    body = await gql.raw(CREATE_UNION, variables)
    assert body["data"] is None
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
        (NUL_MESSAGE, "BAD_USER_INPUT")
    ]
    assert await pool.fetchval("SELECT count(*) FROM audit_entry") == 0
    assert await pool.fetchval("SELECT count(*) FROM trade_union") == 0
