"""Organizations: credit codes validated with their GB 32100 check character; refusals write nothing."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.core.ids import to_global_id

from factories import credit_code, make_union, row_counts

CREATE = """mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { name creditCode kind regionCode } errors { field code message } } }"""


async def test_register_and_list(gql: Any, pool: Any) -> None:
    union = await make_union(pool, name="威海市总工会")
    code = credit_code("371002")
    data = await gql(
        CREATE,
        {
            "input": {
                "name": " 威海城建集团有限公司 ",
                "creditCode": code.lower(),
                "kind": "SPONSOR",
                "unionId": to_global_id("TradeUnion", union.id),
            }
        },
    )
    assert data["createOrganization"] == {
        "organization": {
            "name": "威海城建集团有限公司",
            "creditCode": code,
            "kind": "SPONSOR",
            "regionCode": "371002",
        },
        "errors": [],
    }
    listed = await gql(
        "{ organizations(kind: SPONSOR) { totalCount edges { node { name union { name } } } } }"
    )
    assert listed["organizations"]["edges"] == [
        {"node": {"name": "威海城建集团有限公司", "union": {"name": "威海市总工会"}}}
    ]


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"creditCode": "91371002MA3C00001"}, "CREDIT_CODE_FORMAT", ["creditCode"]),
        ({"creditCode": "91371002MA3C000010"}, "CREDIT_CODE_CHECKSUM", ["creditCode"]),
        ({"creditCode": "91371002MA3C0000I0"}, "CREDIT_CODE_FORMAT", ["creditCode"]),
        ({"name": "  "}, "NAME_REQUIRED", ["name"]),
        ({"unionId": to_global_id("TradeUnion", 4242)}, "UNION_NOT_FOUND", ["unionId"]),
        ({"regionCode": "999999"}, "INVALID_REGION_CODE", ["regionCode"]),
    ],
)
async def test_refusals_write_nothing(
    gql: Any, pool: Any, overrides: dict[str, Any], code: str, field: list[str]
) -> None:
    good = {"name": "某单位", "creditCode": credit_code("371002"), "kind": "MEMBER_UNIT"}
    if overrides.get("creditCode") == "91371002MA3C000010":  # a valid body with a wrong check character
        valid = credit_code("371002", "MA3C00001")
        overrides = {"creditCode": valid[:17] + ("0" if valid[17] != "0" else "1")}
    before = await row_counts(pool, "organization", "event", "job_outbox")
    data = (await gql(CREATE, {"input": {**good, **overrides}}))["createOrganization"]
    assert data["organization"] is None
    assert [(e["code"], e["field"]) for e in data["errors"]] == [(code, field)]
    assert await row_counts(pool, "organization", "event", "job_outbox") == before


async def test_a_credit_code_is_registered_once(gql: Any, pool: Any) -> None:
    code = credit_code("371002")
    await gql(CREATE, {"input": {"name": "甲", "creditCode": code, "kind": "EMPLOYER"}})
    data = (await gql(CREATE, {"input": {"name": "乙", "creditCode": code, "kind": "EMPLOYER"}}))[
        "createOrganization"
    ]
    assert [e["code"] for e in data["errors"]] == ["DUPLICATE_CREDIT_CODE"]
    assert (await row_counts(pool, "organization"))["organization"] == 1
