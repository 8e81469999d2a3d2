"""A UNION_STAFF subscriber sees events about its union's subtree only: each event keeps the union path
of its subject (filled by the database from the subject's global id), and the stream filters on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from gqlws import GqlWs, live_server

from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.events.outbox import record_event
from lianxin.events.reader import encode_cursor, horizon
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_union, member_input


@pytest.fixture
async def server(settings: Settings, migrated: str) -> AsyncIterator[str]:
    async with live_server(settings) as url:
        yield url


def names(events: list[dict[str, Any]]) -> list[str]:
    return [e["payload"]["name"] for e in events]


async def test_union_staff_sees_its_subtree_and_events_without_a_union(server: str, pool: Pool) -> None:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    grassroots = await make_union(
        pool, name="某厂工会", kind=UnionKind.GRASSROOTS, region_code="371002", parent_id=district.id
    )
    other = await make_union(
        pool, name="文登区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371003", parent_id=root.id
    )
    async with pool.acquire() as conn:
        now = encode_cursor(await horizon(conn))
    district_staff = await GqlWs.open(server, make_token(Role.UNION_STAFF, union_id=district.id))
    await district_staff.subscribe("d", after=now)
    root_staff = await GqlWs.open(server, make_token(Role.UNION_STAFF, union_id=root.id))
    await root_staff.subscribe("r", after=now)
    async with pool.acquire() as conn, conn.transaction():
        for name, type_, subject in [
            ("district", "union.updated", to_global_id("TradeUnion", district.id)),
            ("below", "union.updated", to_global_id("TradeUnion", grassroots.id)),
            ("sibling", "union.updated", to_global_id("TradeUnion", other.id)),
            ("above", "union.updated", to_global_id("TradeUnion", root.id)),
            # reference data, no union: for every staff member (staff read every policy)
            ("policy", "policy.published", to_global_id("DibaoPolicy", 1)),
            # a household that does not exist has no union: no staff member's (the registry's rule
            # for households asks for the union path, as `node(id)` does)
            ("gone", "household.updated", to_global_id("Household", 999_999)),
        ]:
            await record_event(conn, type_, subject, {"name": name})
        paths = dict(await conn.fetch("SELECT payload->>'name', union_path FROM event"))
    assert paths["below"] == [root.id, district.id, grassroots.id]
    assert paths["sibling"] == [root.id, other.id]
    assert paths["policy"] is None
    assert names(await district_staff.events(3)) == ["district", "below", "policy"]
    await district_staff.nothing_within(0.3)
    assert names(await root_staff.events(5)) == ["district", "below", "sibling", "above", "policy"]
    await root_staff.nothing_within(0.3)
    for client in (district_staff, root_staff):
        await client.close()


async def test_household_events_carry_the_households_union_path(pool: Pool, gql: Any) -> None:
    root = await make_union(pool, name="威海市总工会")
    created = await gql(
        """mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) { household { id } } }""",
        {
            "input": {
                "unionId": to_global_id("TradeUnion", root.id),
                "archiveNo": "WH2018000001",
                "level": "NATIONAL",
                "category": "DEEP",
                "hardshipReasons": ["ILLNESS"],
                "regionCode": "371002",
                "contactName": "王敏",
                "contactPhone": "13812345678",
                "members": [member_input("HEAD", "19770315")],
            }
        },
    )
    household_id = created["createHousehold"]["household"]["id"]
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT type, union_path FROM event WHERE subject_id = $1", household_id)
    assert rows, "createHousehold records an event about the household"
    assert all(r["union_path"] == [root.id] for r in rows)
