"""Every ID number returned in full is recorded: one access-log row per request, naming every member."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from lianxin.core.ids import parse_global_id, to_global_id
from lianxin.core.tokens import Role
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_union, member_input

CREATE = """
mutation($input: CreateHouseholdInput!) {
  createHousehold(input: $input) { household { id members { id } } errors { code } }
}"""

READ = "{ households(first: 10) { edges { node { members { id %s } } } } }"


@pytest.fixture
async def union_pk(pool: Any) -> int:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    return district.id


@pytest.fixture
async def member_pks(gql: Any, union_pk: int) -> list[int]:
    """Two households, three members."""
    union_id = to_global_id("TradeUnion", union_pk)
    pks: list[int] = []
    for archive_no, members in [
        (
            "WH2018000001",
            [member_input("HEAD", "19770315", birthDate="1977-03-15"), member_input("CHILD", "20110901")],
        ),
        ("WH2018000002", [member_input("HEAD")]),
    ]:
        given = {
            "unionId": union_id,
            "archiveNo": archive_no,
            "level": "NATIONAL",
            "category": "DEEP",
            "hardshipReasons": ["ILLNESS"],
            "regionCode": "371002",
            "members": members,
        }
        data = (await gql(CREATE, {"input": given}))["createHousehold"]
        pks += [parse_global_id(m["id"])[1] for m in data["household"]["members"]]  # type: ignore[index]
    return pks


async def _log(pool: Any) -> list[Any]:
    async with pool.acquire() as conn:
        return list(await conn.fetch("SELECT * FROM access_log ORDER BY id"))


async def test_a_full_read_writes_one_row_naming_every_member(
    client: Any, pool: Any, member_pks: list[int]
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": READ % "idNumber"},
        headers={"Authorization": f"Bearer {make_token()}", "X-Request-Id": "req-read-1"},
    )
    numbers = [
        m["idNumber"] for e in response.json()["data"]["households"]["edges"] for m in e["node"]["members"]
    ]
    assert all("*" not in n for n in numbers)
    assert len(numbers) == 3
    [row] = await _log(pool)
    assert (row["actor_subject"], row["actor_role"], row["field"]) == (
        "test:admin",
        "ADMIN",
        "Member.idNumber",
    )
    assert row["member_ids"] == sorted(member_pks)
    assert row["request_id"] == "req-read-1"


async def test_union_staff_reads_are_recorded_under_their_role(
    gql: Any, pool: Any, union_pk: int, member_pks: list[int]
) -> None:
    await gql(READ % "idNumber", token=make_token(Role.UNION_STAFF, union_id=union_pk))
    [row] = await _log(pool)
    assert (row["actor_role"], row["member_ids"]) == ("UNION_STAFF", sorted(member_pks))


@pytest.mark.parametrize(
    ("token", "selection"),
    [(make_token(), ""), (make_token(Role.AUDITOR), "idNumber")],
    ids=["not-selected", "masked-for-auditor"],
)
async def test_masked_or_unselected_reads_write_nothing(
    gql: Any, pool: Any, member_pks: list[int], token: str, selection: str
) -> None:
    await gql(READ % selection, token=token)
    assert await _log(pool) == []


async def test_access_log_rows_cannot_be_changed(gql: Any, pool: Any, member_pks: list[int]) -> None:
    await gql(READ % "idNumber")
    async with pool.acquire() as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute("DELETE FROM access_log")
        assert await conn.fetchval("SELECT count(*) FROM access_log") == 1
