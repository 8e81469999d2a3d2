"""Absurd input through real HTTP (issue 11): ids beyond 64 bits read exactly like missing ones,
dates outside 1900..2100, lone surrogates and non-UTF-8 bodies get coded errors, never "None", a 500
or PostgreSQL's own text; a mutation refused for its input leaves an audit row."""

from __future__ import annotations

import base64
import json
from typing import Any

from lianxin.core.ids import to_global_id

from conftest import make_token
from factories import make_union


def gid(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


HUGE = gid("Household:" + "9" * 30)
MISSING = to_global_id("Household", 999_999)


async def test_an_id_beyond_64_bits_reads_like_a_missing_one(gql: Any, pool: Any) -> None:
    union = await make_union(pool)
    real = to_global_id("TradeUnion", union.id)
    big = gid("TradeUnion:18446744073709551616")
    body = await gql.raw(f'{{ a: node(id: "{big}") {{ id }} b: node(id: "{real}") {{ id }} }}')
    assert body == {"data": {"a": None, "b": {"id": real}}}  # the batch still answers the good key
    for text in ("Household:0", "Household:-1", "Household:9223372036854775808"):
        assert await gql.raw(f'{{ node(id: "{gid(text)}") {{ id }} }}') == {"data": {"node": None}}


async def test_a_mutation_naming_an_impossible_id_answers_like_a_missing_id(gql: Any, pool: Any) -> None:
    doc = """mutation($input: PayDisbursementInput!) { payDisbursement(input: $input) {
      errors { field code message } } }"""
    answers = []
    for household in (HUGE, MISSING):
        data = await gql(
            doc,
            {"input": {"householdId": household, "program": "GIFT_PACK", "period": "2026", "amount": "1"}},
        )
        answers.append(data["payDisbursement"]["errors"])
    assert answers[0] == answers[1]
    assert answers[0][0]["code"] == "HOUSEHOLD_NOT_FOUND"
    assert await pool.fetchval("SELECT count(*) FROM audit_entry") == 2


async def test_the_contact_card_of_an_impossible_id_is_a_404(client: Any) -> None:
    headers = {"Authorization": f"Bearer {make_token()}"}
    for household in (HUGE, MISSING):
        response = await client.get(f"/households/{household}/contact-card.pdf", headers=headers)
        assert response.status_code == 404
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_cursor_beyond_64_bits_is_refused_with_a_code(gql: Any) -> None:
    cursor = gid("k:" + "9" * 25)
    body = await gql.raw(f'{{ unions(first: 1, after: "{cursor}") {{ totalCount }} }}')
    assert body["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


AUDIT_FILTER = "query($f: AuditFilter) { auditLog(first: 1, filter: $f) { totalCount } }"
PAY = """mutation($input: PayDisbursementInput!) { payDisbursement(input: $input) { errors { code } } }"""


async def test_dates_outside_the_domain_range_are_bad_user_input(gql: Any, pool: Any) -> None:
    for value in (
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "1899-12-31T00:00:00Z",
        "9999-06-01T00:00:00Z",
    ):
        body = await gql.raw(AUDIT_FILTER, {"f": {"from": value}})
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        assert "postgres" not in json.dumps(body).lower()
    household = to_global_id("Household", 1)
    for day in ("0001-01-01", "9999-12-31", "2101-01-01", "2026-02-30", "x" * 100):
        inp = {
            "householdId": household,
            "program": "GIFT_PACK",
            "period": "2026",
            "amount": "1",
            "paidOn": day,
        }
        body = await gql.raw(PAY, {"input": inp})
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    # a literal in the document is refused in validation, alike
    body = await gql.raw(
        'mutation { payDisbursement(input: {householdId: "x", program: GIFT_PACK, period: "2026", '
        'amount: "1", paidOn: "0001-01-01"}) { errors { code } } }'
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    rows = await pool.fetch("SELECT operation, outcome FROM audit_entry ORDER BY id")
    assert [(r["operation"], r["outcome"]) for r in rows] == [("payDisbursement", ["BAD_USER_INPUT"])] * 6


async def test_a_lone_surrogate_is_bad_user_input_and_the_mutation_is_audited(client: Any, pool: Any) -> None:
    headers = {"Authorization": f"Bearer {make_token()}", "Content-Type": "application/json"}
    doc = "mutation($input: CreateUnionInput!) { createUnion(input: $input) { errors { code } } }"
    variables = '{"input": {"name": "\\ud800", "kind": "FEDERATION", "regionCode": "371000"}}'
    raw = f'{{"query": {json.dumps(doc)}, "variables": {variables}}}'
    response = await client.post("/graphql", content=raw.encode(), headers=headers)
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await pool.fetchval("SELECT count(*) FROM trade_union") == 0
    row = await pool.fetchrow("SELECT operation, outcome, input FROM audit_entry")
    assert (row["operation"], row["outcome"]) == ("createUnion", ["BAD_USER_INPUT"])
    assert row["input"]["input"]["name"] == "\ufffd"
    # in the document itself, and in the operation name
    for body in (
        '{"query": "{ unions(first: 1, regionCode: \\"\\ud800\\") { totalCount } }"}',
        '{"query": "query Q { __typename }", "operationName": "\\udc00"}',
    ):
        response = await client.post("/graphql", content=body.encode(), headers=headers)
        assert response.status_code in (200, 400), response.text
        assert response.json()["errors"][0]["message"]


async def test_a_body_that_is_not_utf8_is_a_400_with_a_graphql_error(client: Any) -> None:
    headers = {"Authorization": f"Bearer {make_token()}", "Content-Type": "application/json"}
    response = await client.post("/graphql", content=b'{"query": "{ __typename \xff\xfe }"}', headers=headers)
    assert response.status_code == 400
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "the request body must be UTF-8 encoded JSON",
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ],
    }
