"""Land-share cooperatives through real HTTP: found one, admit households with exact land shares, lease
greenhouses, record accounts; refuse bad input with nothing written; constant SQL per page."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from lianxin.cooperative import service as coop_service
from lianxin.cooperative.models import Cooperative, CooperativeAssetKind
from lianxin.core.db import Pool, UnitOfWork, unit_of_work
from lianxin.core.errors import DomainError
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.demo.cooperative import load_diliyuan_cooperative
from lianxin.household import service as household_service
from lianxin.household.enums import ArchiveLevel, HardshipCategory, HardshipReason
from lianxin.trade_union.models import TradeUnion, UnionKind

from conftest import make_token
from factories import make_union, row_counts

TODAY = date(2025, 6, 1)
FIELDS = "id name village regionCode ledByPartyBranch landMu chairName foundedOn memberCount totalShareMu"
CREATE = f"""
mutation($input: CreateCooperativeInput!) {{
  createCooperative(input: $input) {{ cooperative {{ {FIELDS} union {{ name }} }} errors {{ field code message }} }}
}}"""
ADD_MEMBER = """
mutation($input: AddCooperativeMemberInput!) {
  addCooperativeMember(input: $input) {
    cooperative { memberCount totalShareMu members { landShareMu joinedOn household { id archiveNo } } }
    errors { field code message }
  }
}"""
ADD_ASSET = """
mutation($input: AddCooperativeAssetInput!) {
  addCooperativeAsset(input: $input) {
    asset { kind count description crop lessee annualRent } cooperative { assets { count } }
    errors { field code message }
  }
}"""
RECORD_YEAR = """
mutation($input: RecordCooperativeYearInput!) {
  recordCooperativeYear(input: $input) {
    year { year income dividend } cooperative { years { year income dividend } } errors { field code message }
  }
}"""
PAGE = """
query($first: Int, $after: String) {
  cooperatives(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { name memberCount totalShareMu union { name }
      members { landShareMu household { archiveNo union { name } } }
      assets { kind count lessee annualRent } years { year income dividend } } }
  }
}"""
WRITES = ("cooperative", "cooperative_member", "cooperative_asset", "cooperative_year", "event", "job_outbox")

_serial = 0


def _next() -> int:
    global _serial
    _serial += 1
    return _serial


async def make_household(uow: UnitOfWork, union: TradeUnion) -> int:
    """A household archived before its members are entered (enough to hold land shares)."""
    new = household_service.NewHousehold(
        union_id=union.id,
        archive_no=f"COOP{_next():06d}",
        level=ArchiveLevel.MUNICIPAL,
        category=HardshipCategory.RELATIVE,
        hardship_reasons=[HardshipReason.ILLNESS],
        region_code="371002",
        members=[],
    )
    return (await household_service.archive_household(uow, new, today=TODAY)).id


async def make_cooperative(uow: UnitOfWork, **overrides: Any) -> Cooperative:
    fields: dict[str, Any] = {
        "name": f"合作社{_next()}",
        "village": "佃里院村",
        "region_code": "371002",
        "land_mu": Decimal("100.00"),
    }
    fields.update(overrides)
    return await coop_service.create_cooperative(uow, coop_service.NewCooperative(**fields), today=TODAY)


@pytest.fixture
async def union(pool: Pool) -> TradeUnion:
    root = await make_union(pool, name="威海市总工会")
    return await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )


async def households(pool: Pool, union: TradeUnion, n: int) -> list[int]:
    async with unit_of_work(pool, None) as uow:
        return [await make_household(uow, union) for _ in range(n)]


def coop_input(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": "佃里院村土地股份合作社",
        "village": "佃里院村",
        "regionCode": "371002",
        "landMu": "130.00",
    }
    fields.update(overrides)
    return fields


def member_input(coop_id: str, household: int, share: str = "1.00", **extra: Any) -> dict[str, Any]:
    return {
        "cooperativeId": coop_id,
        "householdId": to_global_id("Household", household),
        "landShareMu": share,
        **extra,
    }


async def test_create_and_read_back_by_node(gql: Any, pool: Pool, union: TradeUnion) -> None:
    input_ = coop_input(
        landMu="130.5",
        chairName=" 张书记 ",
        foundedOn="2019-03-01",
        unionId=to_global_id("TradeUnion", union.id),
    )
    data = (await gql(CREATE, {"input": input_}))["createCooperative"]
    coop = data["cooperative"]
    assert data["errors"] == []
    assert coop == {
        "id": coop["id"],
        "name": "佃里院村土地股份合作社",
        "village": "佃里院村",
        "regionCode": "371002",
        "ledByPartyBranch": True,
        "landMu": "130.50",
        "chairName": "张书记",
        "foundedOn": "2019-03-01",
        "memberCount": 0,
        "totalShareMu": "0.00",
        "union": {"name": "环翠区总工会"},
    }
    node = await gql(
        "query($id: ID!) { node(id: $id) { id ... on Cooperative { name landMu members { landShareMu } } } }",
        {"id": coop["id"]},
    )
    assert node["node"] == {
        "id": coop["id"],
        "name": "佃里院村土地股份合作社",
        "landMu": "130.50",
        "members": [],
    }
    async with pool.acquire() as conn:
        event = await conn.fetchrow(
            "SELECT type, subject_id, region_code, payload FROM event WHERE type LIKE 'cooperative.%'"
        )
        stored = await conn.fetchval("SELECT land_mu FROM cooperative")
    assert dict(event) == {
        "type": "cooperative.created",
        "subject_id": coop["id"],
        "region_code": "371002",
        "payload": {"name": "佃里院村土地股份合作社", "landMu": "130.50"},
    }
    assert stored == Decimal("130.50")


async def test_members_fill_the_land_exactly_and_each_join_records_a_job(
    gql: Any, pool: Pool, union: TradeUnion
) -> None:
    a, b = await households(pool, union, 2)
    coop = (await gql(CREATE, {"input": coop_input(landMu="10")}))["createCooperative"]["cooperative"]
    first = await gql(ADD_MEMBER, {"input": member_input(coop["id"], a, "3.5")})
    assert first["addCooperativeMember"]["errors"] == []
    jobs_before = await row_counts(pool, "job_outbox")
    second = await gql(ADD_MEMBER, {"input": member_input(coop["id"], b, "6.50", joinedOn="2020-01-15")})
    result = second["addCooperativeMember"]
    assert result["errors"] == []
    assert result["cooperative"]["memberCount"] == 2
    assert result["cooperative"]["totalShareMu"] == "10.00"
    assert [(m["landShareMu"], m["household"]["id"]) for m in result["cooperative"]["members"]] == [
        ("6.50", to_global_id("Household", b)),  # joined earlier
        ("3.50", to_global_id("Household", a)),
    ]
    assert result["cooperative"]["members"][0]["joinedOn"] == "2020-01-15"
    assert await row_counts(pool, "job_outbox") == {"job_outbox": jobs_before["job_outbox"] + 1}
    async with pool.acquire() as conn:
        jobs = await conn.fetch(
            "SELECT args FROM job_outbox WHERE job = 'household_changed' ORDER BY id DESC LIMIT 2"
        )
        events = await conn.fetch(
            "SELECT subject_id, payload FROM event WHERE type = 'cooperative.member_added' ORDER BY id"
        )
    assert [j["args"] for j in jobs] == [{"household_id": b}, {"household_id": a}]
    assert [e["subject_id"] for e in events] == [to_global_id("Household", a), to_global_id("Household", b)]
    assert events[1]["payload"] == {
        "cooperativeId": coop["id"],
        "landShareMu": "6.50",
        "joinedOn": "2020-01-15",
    }


async def test_concurrent_joins_cannot_overfill_the_land(pool: Pool, union: TradeUnion) -> None:
    a, b = await households(pool, union, 2)
    async with unit_of_work(pool, None) as uow:
        coop = await make_cooperative(uow, land_mu=Decimal("3.00"))

    async def join(household_id: int) -> str:
        try:
            async with unit_of_work(pool, None) as uow:
                await coop_service.add_member(uow, coop.id, household_id, Decimal("2.00"), today=TODAY)
        except DomainError as exc:
            return exc.issues[0].code
        return "OK"

    assert sorted(await asyncio.gather(join(a), join(b))) == ["LAND_SHARES_EXCEED_TOTAL", "OK"]
    assert await row_counts(pool, "cooperative_member") == {"cooperative_member": 1}


async def test_keyset_pages_cover_every_cooperative_once(gql: Any, pool: Pool) -> None:
    async with unit_of_work(pool, None) as uow:
        for i in range(7):
            await make_cooperative(uow, name=f"社{i}")
    seen: list[str] = []
    after = None
    while True:
        data = (await gql(PAGE, {"first": 3, "after": after}))["cooperatives"]
        assert data["totalCount"] == 7
        seen += [e["node"]["name"] for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert seen == [f"社{i}" for i in range(7)]
    bad = await gql.raw(PAGE, {"first": 101})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


async def _refused(gql: Any, pool: Pool, query: str, input_: dict[str, Any]) -> list[tuple[str, list[str]]]:
    before = await row_counts(pool, *WRITES)
    data = next(iter((await gql(query, {"input": input_})).values()))
    assert await row_counts(pool, *WRITES) == before, input_
    assert all(v is None for k, v in data.items() if k != "errors"), data
    assert all(e["message"] for e in data["errors"])
    return [(e["code"], e["field"]) for e in data["errors"]]


async def test_create_refusals_have_clear_codes_and_write_nothing(
    gql: Any, pool: Pool, union: TradeUnion
) -> None:
    async with unit_of_work(pool, None) as uow:
        await make_cooperative(uow, name="已有合作社")
    elsewhere = await make_union(pool, name="文登区总工会", kind=UnionKind.FEDERATION, region_code="371003")
    cases = [
        ({"regionCode": "37100"}, "INVALID_REGION_CODE", ["regionCode"]),
        ({"regionCode": "991000"}, "INVALID_REGION_CODE", ["regionCode"]),
        ({"name": "  "}, "NAME_REQUIRED", ["name"]),
        ({"village": ""}, "VILLAGE_REQUIRED", ["village"]),
        ({"landMu": "-1"}, "NEGATIVE_AREA", ["landMu"]),
        ({"landMu": "1.005"}, "TOO_MANY_DECIMALS", ["landMu"]),
        ({"landMu": "NaN"}, "INVALID_AREA", ["landMu"]),
        ({"landMu": "1000000000"}, "AREA_TOO_LARGE", ["landMu"]),
        ({"name": " 已有合作社 "}, "DUPLICATE_NAME", ["name"]),
        ({"unionId": to_global_id("TradeUnion", 999)}, "UNION_NOT_FOUND", ["unionId"]),
        ({"unionId": to_global_id("TradeUnion", elsewhere.id)}, "REGION_OUTSIDE_UNION", ["regionCode"]),
        ({"unionId": "garbage"}, "INVALID_ID", ["unionId"]),
        ({"foundedOn": "2099-01-01"}, "FOUNDED_IN_FUTURE", ["foundedOn"]),
    ]
    for overrides, code, field in cases:
        assert await _refused(gql, pool, CREATE, coop_input(**overrides)) == [(code, field)], overrides
    # every problem at once, not just the first
    both = await _refused(gql, pool, CREATE, coop_input(regionCode="x", landMu="-2"))
    assert both == [("INVALID_REGION_CODE", ["regionCode"]), ("NEGATIVE_AREA", ["landMu"])]


async def test_member_refusals_have_clear_codes_and_write_nothing(
    gql: Any, pool: Pool, union: TradeUnion
) -> None:
    a, b, c = await households(pool, union, 3)
    async with unit_of_work(pool, None) as uow:
        coop = await make_cooperative(uow, land_mu=Decimal("5.00"))
        await coop_service.add_member(uow, coop.id, a, Decimal("4.00"), today=TODAY)
    cid = to_global_id("Cooperative", coop.id)
    cases = [
        (member_input(cid, 999), "HOUSEHOLD_NOT_FOUND", ["householdId"]),
        (member_input(cid, a), "ALREADY_MEMBER", ["householdId"]),
        (member_input(cid, b, "1.01"), "LAND_SHARES_EXCEED_TOTAL", ["landShareMu"]),
        (member_input(cid, b, "0"), "LAND_SHARE_NOT_POSITIVE", ["landShareMu"]),
        (member_input(cid, b, "0.999"), "TOO_MANY_DECIMALS", ["landShareMu"]),
        (member_input(cid, b, "-1"), "NEGATIVE_AREA", ["landShareMu"]),
        (member_input(to_global_id("Cooperative", 999), b), "COOPERATIVE_NOT_FOUND", ["cooperativeId"]),
        (member_input(to_global_id("Household", b), b), "INVALID_ID", ["cooperativeId"]),
        (member_input(cid, b, joinedOn="2099-01-01"), "JOINED_IN_FUTURE", ["joinedOn"]),
    ]
    for input_, code, field in cases:
        assert await _refused(gql, pool, ADD_MEMBER, input_) == [(code, field)], input_
    # the last of the land fits exactly
    data = await gql(ADD_MEMBER, {"input": member_input(cid, c, "1")})
    assert data["addCooperativeMember"]["cooperative"]["totalShareMu"] == "5.00"


async def test_assets_with_leases_and_yearly_accounts(gql: Any, pool: Pool) -> None:
    async with unit_of_work(pool, None) as uow:
        coop = await make_cooperative(uow, founded_on=date(2019, 3, 1))
    cid = to_global_id("Cooperative", coop.id)
    leased = {
        "cooperativeId": cid,
        "kind": "GREENHOUSE",
        "count": 4,
        "crop": "圣女果",
        "description": "冬暖式大棚",
        "lease": {"lessee": "威海鑫农果蔬专业合作社", "annualRent": "32000"},
    }
    data = (await gql(ADD_ASSET, {"input": leased}))["addCooperativeAsset"]
    assert data == {
        "asset": {
            "kind": "GREENHOUSE",
            "count": 4,
            "description": "冬暖式大棚",
            "crop": "圣女果",
            "lessee": "威海鑫农果蔬专业合作社",
            "annualRent": "32000.00",
        },
        "cooperative": {"assets": [{"count": 4}]},
        "errors": [],
    }
    year = {"cooperativeId": cid, "year": 2023, "income": "128000", "dividend": "65000.50"}
    await gql(RECORD_YEAR, {"input": year})
    corrected = (await gql(RECORD_YEAR, {"input": {**year, "dividend": "64000"}}))["recordCooperativeYear"]
    assert corrected["cooperative"]["years"] == [
        {"year": 2023, "income": "128000.00", "dividend": "64000.00"}
    ]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT annual_rent_fen FROM cooperative_asset") == 3_200_000
        assert await conn.fetchval("SELECT dividend_fen FROM cooperative_year") == 6_400_000
    asset_cases = [
        ({**leased, "count": 0}, "INVALID_COUNT", ["count"]),
        ({**leased, "lease": {"lessee": " ", "annualRent": "1"}}, "LESSEE_REQUIRED", ["lease", "lessee"]),
        (
            {**leased, "lease": {"lessee": "x", "annualRent": "1.001"}},
            "TOO_MANY_DECIMALS",
            ["lease", "annualRent"],
        ),
        (
            {**leased, "lease": {"lessee": "x", "annualRent": "-5"}},
            "NEGATIVE_AMOUNT",
            ["lease", "annualRent"],
        ),
    ]
    for input_, code, field in asset_cases:
        assert await _refused(gql, pool, ADD_ASSET, input_) == [(code, field)], input_
    year_cases = [
        ({**year, "dividend": "128000.01"}, "DIVIDEND_EXCEEDS_INCOME", ["dividend"]),
        ({**year, "income": "1.234"}, "TOO_MANY_DECIMALS", ["income"]),
        ({**year, "year": 2999}, "YEAR_IN_FUTURE", ["year"]),
        ({**year, "year": 2018}, "YEAR_BEFORE_FOUNDING", ["year"]),
        (
            {**year, "cooperativeId": to_global_id("Cooperative", 999)},
            "COOPERATIVE_NOT_FOUND",
            ["cooperativeId"],
        ),
    ]
    for input_, code, field in year_cases:
        assert await _refused(gql, pool, RECORD_YEAR, input_) == [(code, field)], input_


async def test_reading_needs_union_work_and_writing_needs_staff(gql: Any, pool: Pool) -> None:
    denied = await gql.raw(CREATE, {"input": coop_input()}, token=make_token(Role.SPONSOR))
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await row_counts(pool, "cooperative") == {"cooperative": 0}
    staff = await gql(CREATE, {"input": coop_input()}, token=make_token(Role.UNION_STAFF, union_id=1))
    assert staff["createCooperative"]["errors"] == []
    # cooperatives are union work: a sponsor has no business reading them (tests/api/test_list_scope.py)
    sponsor_reads = await gql.raw(PAGE, {"first": 5}, token=make_token(Role.SPONSOR, sponsor_id=1))
    assert [e["extensions"]["code"] for e in sponsor_reads["errors"]] == ["FORBIDDEN"]
    assert (await gql(PAGE, {"first": 5}))["cooperatives"]["totalCount"] == 1
    anonymous = await gql.raw(PAGE, {"first": 5}, token=None)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def _statements(client: Any, first: int) -> tuple[int, int]:
    response = await client.post(
        "/graphql",
        json={"query": PAGE, "variables": {"first": first}},
        headers={"Authorization": f"Bearer {make_token()}"},
    )
    body = response.json()
    assert "errors" not in body, body
    return int(response.headers["x-sql-statements"]), len(body["data"]["cooperatives"]["edges"])


async def test_statements_per_page_do_not_grow_with_page_size(
    client: Any, pool: Pool, union: TradeUnion
) -> None:
    village = await make_union(
        pool, name="初村镇佃里院村工会", kind=UnionKind.GRASSROOTS, region_code="371002", parent_id=union.id
    )
    async with unit_of_work(pool, None) as uow:
        ids = [await make_household(uow, village) for _ in range(10)]
        for i in range(50):
            coop = await make_cooperative(uow, union_id=union.id)
            for household_id in (ids[i % 10], ids[(i + 1) % 10]):
                await coop_service.add_member(uow, coop.id, household_id, Decimal("1.25"), today=TODAY)
            lease = coop_service.NewLease("承租人", Decimal("1000"))
            greenhouse = coop_service.NewAsset(kind=CooperativeAssetKind.GREENHOUSE, lease=lease)
            await coop_service.add_asset(uow, coop.id, greenhouse)
            await coop_service.record_year(uow, coop.id, 2024, Decimal("10"), Decimal("5"), today=TODAY)
    small, small_edges = await _statements(client, 5)
    large, large_edges = await _statements(client, 50)
    assert (small_edges, large_edges) == (5, 50)
    assert small == large
    # page + count, then one batch each: members, assets, years, unions, households, the households' unions
    assert large == 8


async def test_demo_cooperative_is_complete_and_loads_once(pool: Pool, union: TradeUnion) -> None:
    ids = await households(pool, union, 72)
    summary = await load_diliyuan_cooperative(pool, None, ids, union.id, today=TODAY)
    assert "72 member households" in summary
    again = await load_diliyuan_cooperative(pool, None, ids, union.id, today=TODAY)
    assert "already present" in again
    async with pool.acquire() as conn:
        coop = await conn.fetchrow("SELECT * FROM cooperative")
        shares = await conn.fetch("SELECT land_share_mu FROM cooperative_member ORDER BY land_share_mu DESC")
        greenhouses = await conn.fetch("SELECT count, crop, lessee FROM cooperative_asset ORDER BY id")
        years = await conn.fetch("SELECT year, income_fen, dividend_fen FROM cooperative_year ORDER BY year")
        jobs = await conn.fetchval("SELECT count(*) FROM job_outbox WHERE job = 'household_changed'")
    assert (coop["name"], coop["village"], coop["region_code"], coop["land_mu"]) == (
        "佃里院村土地股份合作社",
        "佃里院村",
        "371002",
        Decimal("130.00"),
    )
    assert coop["led_by_party_branch"] is True
    assert len(shares) == 72
    assert sum(s["land_share_mu"] for s in shares) == Decimal("130.00")
    assert {s["land_share_mu"] for s in shares} == {Decimal("1.81"), Decimal("1.80")}
    assert sum(g["count"] for g in greenhouses) == 16
    assert [(g["count"], g["crop"]) for g in greenhouses if g["crop"]] == [(4, "圣女果")]
    assert {g["lessee"] for g in greenhouses} == {"威海鑫农果蔬专业合作社"}
    assert all(y["dividend_fen"] <= y["income_fen"] for y in years)
    assert len(years) == 2
    assert jobs == 72 + 72  # archive_household records one each, then joining records one each
