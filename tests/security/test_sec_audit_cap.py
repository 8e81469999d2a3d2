"""Unbounded audit growth (issue 11): a refused mutation with a 1,000,000-character input keeps at most
1,000 characters per value and 64 KiB per entry, and says how much was cut."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lianxin.audit.caps import MAX_ENTRY_BYTES, MAX_TEXT, Cut, cap_entry
from lianxin.core.tokens import Role

from conftest import make_token

CREATE = "mutation($input: CreateUnionInput!) { createUnion(input: $input) { errors { code } } }"


async def test_a_forbidden_mutation_with_a_huge_input_is_stored_capped(gql: Any, pool: Any) -> None:
    huge = "a" * 1_000_000
    body = await gql.raw(
        CREATE,
        {"input": {"name": huge, "kind": "FEDERATION", "regionCode": "371000"}},
        token=make_token(Role.AUDITOR),
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    row = await pool.fetchrow(
        "SELECT input, outcome, truncated, octet_length(input::text) AS size FROM audit_entry"
    )
    assert row["outcome"] == ["FORBIDDEN"]
    assert row["input"]["input"]["name"] == "a" * MAX_TEXT + "…"
    assert row["truncated"] == {"values": 1, "characters": 1_000_000 - MAX_TEXT}
    assert row["size"] < MAX_ENTRY_BYTES
    # and an auditor reading the log sees what was cut
    log = await gql.raw(
        "{ auditLog(first: 1) { edges { node { operation truncated { values characters } } } } }",
        token=make_token(Role.AUDITOR),
    )
    [edge] = log["data"]["auditLog"]["edges"]
    assert edge["node"]["truncated"] == {"values": 1, "characters": 1_000_000 - MAX_TEXT}


async def test_a_small_input_is_kept_whole_and_nothing_is_marked(gql: Any, pool: Any) -> None:
    await gql.raw(
        CREATE,
        {"input": {"name": "工会", "kind": "FEDERATION", "regionCode": "371000"}},
        token=make_token(Role.AUDITOR),
    )
    row = await pool.fetchrow("SELECT input, truncated FROM audit_entry")
    assert row["input"]["input"]["name"] == "工会"
    assert row["truncated"] is None
    log = await gql.raw(
        "{ auditLog(first: 1) { edges { node { truncated { values } } } } }", token=make_token(Role.AUDITOR)
    )
    assert log["data"]["auditLog"]["edges"][0]["node"]["truncated"] is None


@pytest.mark.no_db
def test_an_entry_is_bounded_in_total() -> None:
    cut = Cut()
    many = {"input": {f"k{i}": "x" * 900 for i in range(500)}}
    changes = [{"table": "t", "after": {"note": "y" * 5000}} for _ in range(100)]
    kept_input, kept_changes = cap_entry(many, changes, cut)
    size = len(json.dumps([kept_input, kept_changes], ensure_ascii=False).encode())
    assert size <= MAX_ENTRY_BYTES
    assert kept_changes == []  # changes are dropped first, then the input kept as a prefix
    assert set(kept_input) == {"_partial"}
    assert cut.values > 100
    assert cut.characters > 400_000
