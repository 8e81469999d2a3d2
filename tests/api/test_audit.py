"""Every mutation leaves exactly one append-only audit row; only ADMIN and AUDITOR can read them."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_union, member_input, row_counts

CREATE_UNION = """
mutation($input: CreateUnionInput!) { createUnion(input: $input) { union { id } errors { code } } }"""

CREATE_HOUSEHOLD = """
mutation($input: CreateHouseholdInput!) {
  createHousehold(input: $input) { household { id members { id } } errors { code field } }
}"""

AUDIT_LOG = """
query($first: Int, $after: String, $filter: AuditFilter) {
  auditLog(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { actor actorRole operation entityIds input outcome requestId occurredAt } }
  }
}"""


async def _entries(pool: Any) -> list[Any]:
    async with pool.acquire() as conn:
        return list(await conn.fetch("SELECT * FROM audit_entry ORDER BY id"))


@pytest.fixture
async def union_id(pool: Any) -> str:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    return to_global_id("TradeUnion", district.id)


def _household(union_id: str, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "unionId": union_id,
        "archiveNo": "WH2018000001",
        "level": "NATIONAL",
        "category": "DEEP",
        "hardshipReasons": ["ILLNESS"],
        "regionCode": "371002",
        "contactPhone": "13812345678",
        "members": [member_input("HEAD", "19770315", birthDate="1977-03-15")],
    }
    fields.update(overrides)
    return fields


async def test_creating_a_union_writes_one_ok_row_with_its_id(client: Any, pool: Any) -> None:
    body = {
        "query": CREATE_UNION,
        "variables": {"input": {"name": "威海市总工会", "kind": "FEDERATION", "regionCode": "371000"}},
    }
    response = await client.post(
        "/graphql",
        json=body,
        headers={"Authorization": f"Bearer {make_token()}", "X-Request-Id": "req-audit-1"},
    )
    union = response.json()["data"]["createUnion"]["union"]
    [row] = await _entries(pool)
    assert (row["actor_subject"], row["actor_role"], row["operation"]) == (
        "test:admin",
        "ADMIN",
        "createUnion",
    )
    assert row["entity_ids"] == [union["id"]]
    assert row["outcome"] == ["OK"]
    assert row["request_id"] == "req-audit-1"
    assert row["input"] == {
        "input": {"name": "威海市总工会", "kind": "FEDERATION", "regionCode": "371000", "parentId": None}
    }


async def test_creating_a_household_writes_one_row_with_id_numbers_masked(
    gql: Any, union_id: str, pool: Any
) -> None:
    given = _household(union_id)
    data = (await gql(CREATE_HOUSEHOLD, {"input": given}))["createHousehold"]
    [row] = await _entries(pool)
    assert row["operation"] == "createHousehold"
    assert row["outcome"] == ["OK"]
    assert row["entity_ids"] == [union_id, data["household"]["id"]]
    member = row["input"]["input"]["members"][0]
    number = given["members"][0]["idNumber"]
    assert member["idNumber"] == number[:4] + "*" * 10 + number[-4:]
    assert row["input"]["input"]["contactPhone"] == "138****5678"
    assert number not in str(row["input"])


async def test_a_refused_household_writes_one_row_with_its_error_codes(
    gql: Any, union_id: str, pool: Any
) -> None:
    before = await row_counts(pool, "household", "member")
    bad = _household(union_id, members=[member_input("HEAD", idNumber="371002198001010000")])
    data = (await gql(CREATE_HOUSEHOLD, {"input": bad}))["createHousehold"]
    assert [e["code"] for e in data["errors"]] == ["INVALID_ID_CHECKSUM"]
    [row] = await _entries(pool)
    assert (row["operation"], row["outcome"], row["entity_ids"]) == (
        "createHousehold",
        ["INVALID_ID_CHECKSUM"],
        [union_id],
    )
    assert row["input"]["input"]["members"][0]["idNumber"] == "3710**********0000"
    assert await row_counts(pool, "household", "member") == before


async def test_a_forbidden_caller_writes_nothing(gql: Any, union_id: str, pool: Any) -> None:
    body = await gql.raw(
        CREATE_UNION,
        {"input": {"name": "x", "kind": "FEDERATION", "regionCode": "371000"}},
        token=make_token(Role.SPONSOR, sponsor_id=1),
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await _entries(pool) == []


@pytest.mark.parametrize("statement", ["UPDATE audit_entry SET outcome = '{OK}'", "DELETE FROM audit_entry"])
async def test_rows_cannot_be_changed_or_deleted(gql: Any, union_id: str, pool: Any, statement: str) -> None:
    await gql(CREATE_HOUSEHOLD, {"input": _household(union_id)})
    async with pool.acquire() as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute(statement)
        assert await conn.fetchval("SELECT count(*) FROM audit_entry") == 1


async def test_auditor_pages_and_filters_newest_first(gql: Any, union_id: str) -> None:
    await gql(CREATE_HOUSEHOLD, {"input": _household(union_id)})
    await gql(CREATE_HOUSEHOLD, {"input": _household(union_id, archiveNo="WH2018000002")})
    bad = _household(union_id, members=[member_input("SPOUSE")])
    await gql(CREATE_HOUSEHOLD, {"input": bad})
    auditor = make_token(Role.AUDITOR)

    first = (await gql(AUDIT_LOG, {"first": 2}, token=auditor))["auditLog"]
    assert first["totalCount"] == 3
    assert [e["node"]["outcome"] for e in first["edges"]] == [["HEAD_REQUIRED"], ["OK"]]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await gql(AUDIT_LOG, {"first": 2, "after": first["pageInfo"]["endCursor"]}, token=auditor))[
        "auditLog"
    ]
    assert [e["node"]["input"]["input"]["archiveNo"] for e in rest["edges"]] == ["WH2018000001"]
    assert rest["pageInfo"]["hasNextPage"] is False

    by_actor = await gql(
        AUDIT_LOG, {"filter": {"actor": "test:admin", "operation": "createHousehold"}}, token=auditor
    )
    assert by_actor["auditLog"]["totalCount"] == 3
    by_entity = (await gql(AUDIT_LOG, {"filter": {"entityId": union_id}}, token=auditor))["auditLog"]
    assert by_entity["totalCount"] == 3
    later = (await gql(AUDIT_LOG, {"filter": {"from": "2999-01-01T00:00:00Z"}}, token=auditor))["auditLog"]
    assert later["totalCount"] == 0
    nobody = (await gql(AUDIT_LOG, {"filter": {"actor": "someone-else"}}, token=auditor))["auditLog"]
    assert nobody == {"totalCount": 0, "pageInfo": {"hasNextPage": False, "endCursor": None}, "edges": []}


@pytest.mark.parametrize(
    "token",
    [
        make_token(Role.UNION_STAFF, union_id=1),
        make_token(Role.SPONSOR, sponsor_id=1),
        make_token(Role.CIVIL_AFFAIRS),
    ],
    ids=["union-staff", "sponsor", "civil-affairs"],
)
async def test_other_roles_cannot_read_the_log(gql: Any, token: str) -> None:
    body = await gql.raw(AUDIT_LOG, {}, token=token)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
