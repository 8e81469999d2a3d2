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
    edges {
      node {
        actor actorRole operation entityIds input outcome requestId occurredAt
        changeCount changes { table rowId operation before after }
      }
    }
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


async def test_a_forbidden_caller_writes_one_forbidden_row_and_nothing_else(
    gql: Any, union_id: str, pool: Any
) -> None:
    before = await row_counts(pool, "trade_union")
    body = await gql.raw(
        CREATE_UNION,
        {"input": {"name": "x", "kind": "FEDERATION", "regionCode": "371000", "parentId": union_id}},
        token=make_token(Role.SPONSOR, sponsor_id=1),
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    [row] = await _entries(pool)
    assert (row["actor_subject"], row["actor_role"], row["operation"], row["outcome"]) == (
        "test:sponsor",
        "SPONSOR",
        "createUnion",
        ["FORBIDDEN"],
    )
    assert row["entity_ids"] == [union_id]
    assert row["input"]["input"]["name"] == "x"
    assert row["changes"] == []
    assert row["change_count"] == 0
    assert await row_counts(pool, "trade_union") == before


async def test_a_forbidden_query_is_not_a_mutation_and_writes_nothing(gql: Any, pool: Any) -> None:
    body = await gql.raw(AUDIT_LOG, {"first": 5}, token=make_token(Role.SPONSOR, sponsor_id=1))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await _entries(pool) == []


UPDATE_HOUSEHOLD = """
mutation($input: UpdateHouseholdInput!) { updateHousehold(input: $input) { household { id } errors { code } } }"""


async def test_an_update_records_before_and_after_of_the_changed_fields_only(
    gql: Any, union_id: str, pool: Any
) -> None:
    created = (await gql(CREATE_HOUSEHOLD, {"input": _household(union_id)}))["createHousehold"]
    household_id = created["household"]["id"]
    [insert] = await _entries(pool)
    tables = [c["table"] for c in insert["changes"]]
    assert tables[0] == "household"
    assert "member" in tables
    assert insert["change_count"] == len(insert["changes"])
    [member] = [c for c in insert["changes"] if c["table"] == "member"]
    assert member["op"] == "INSERT"
    assert member["before"] is None
    assert member["after"]["id_number"].startswith("3710")
    assert "*" in member["after"]["id_number"]

    await gql(
        UPDATE_HOUSEHOLD,
        {"input": {"id": household_id, "category": "RELATIVE", "contactPhone": "13900001111"}},
    )
    update = (await _entries(pool))[-1]
    [change] = [c for c in update["changes"] if c["table"] == "household"]
    assert change["op"] == "UPDATE"
    assert change["rowId"].isdigit()
    assert set(change["before"]) == {"category", "contact_phone"}  # not updated_at, not version
    assert (change["before"]["category"], change["after"]["category"]) == ("DEEP", "RELATIVE")
    assert (change["before"]["contact_phone"], change["after"]["contact_phone"]) == (
        "138****5678",
        "139****1111",
    )


async def test_a_refused_mutation_keeps_no_changes_and_nothing_stays_staged(
    gql: Any, union_id: str, pool: Any
) -> None:
    await gql(CREATE_HOUSEHOLD, {"input": _household(union_id)})
    await gql(CREATE_HOUSEHOLD, {"input": _household(union_id)})  # DUPLICATE_ARCHIVE_NO after inserts
    refused = (await _entries(pool))[-1]
    assert refused["outcome"] != ["OK"]
    assert refused["changes"] == []
    assert refused["change_count"] == 0
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM audit_row_change") == 0


async def test_writes_outside_a_mutation_are_not_captured(pool: Any) -> None:
    await make_union(pool, name="青岛市总工会", region_code="370200")
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM audit_row_change") == 0


# Tables no mutation writes, or whose rows are the trail itself; every other table must be captured.
NOT_CAPTURED = {
    "schema_migration",
    "audit_entry",
    "access_log",
    "audit_row_change",
    "event",
    "event_reader",
    "job_outbox",
    "trade_union_stats",
    "eligibility_decision",
    "household_eligibility",
    "webhook_delivery",
    "webhook_attempt",
    "email_notification",
    "reminder",  # written by the worker's reminder scan only
    # a trail itself: each row repeats a status change of `household`, which is captured
    "household_status_change",
    "run_partition",  # written by workers as they work runs (issue 14), never by a mutation
}


async def test_every_table_is_captured_or_deliberately_not(pool: Any) -> None:
    async with pool.acquire() as conn:
        tables = {
            r[0] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        captured = {
            r[0]
            for r in await conn.fetch(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE '%\\_audit\\_capture' AND NOT t.tgisinternal"
            )
        }
    assert captured.isdisjoint(NOT_CAPTURED)
    missing = tables - NOT_CAPTURED - captured
    assert missing == set(), f"capture {missing} in a migration, or list them here"
    assert "household" in captured
    assert "member" in captured


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
    refused, created = (e["node"] for e in first["edges"])
    assert (refused["changes"], refused["changeCount"]) == ([], 0)
    assert created["changes"][0]["table"] == "household"
    assert created["changes"][0]["operation"] == "INSERT"
    assert created["changes"][0]["before"] is None
    assert created["changes"][0]["after"]["archive_no"] == "WH2018000002"
    assert created["changeCount"] == len(created["changes"]) >= 2
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
