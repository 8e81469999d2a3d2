"""`importLedgerFile`: the ledger workbook as a real multipart request (GraphQL multipart request spec),
sharing importLedger's payload; uploads need the Authorization header and have their own size limit."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from openpyxl import Workbook, load_workbook

from lianxin.core.config import Settings
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.ledger.workbook import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_union, resident_id, row_counts

IMPORT_FILE = """mutation($file: Upload!) { importLedgerFile(file: $file) {
  created updated unchanged failed rowErrors { sheet row column code } errorReport errors { code field } } }"""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLES = ("household", "member", "event")
UNIONS_ONLY = {"household": 0, "member": 0, "event": 2}  # the two unions' union.created events


@pytest.fixture
async def union_id(pool: Any) -> str:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    return to_global_id("TradeUnion", district.id)


def workbook(union_id: str, *, bad_member: bool = False) -> bytes:
    """Two new households (WH0001 with a contact person); with `bad_member`, WH0002's head has an
    unknown relation (members row 3)."""
    book = Workbook()
    households = book.active
    assert households is not None
    households.title = "households"
    households.append(list(HOUSEHOLD_COLUMNS))
    households.append(["WH0001", union_id, "MUNICIPAL", "DEEP", "ILLNESS", "371002", "王丽", "0631-5200018"])
    households.append(["WH0002", union_id, "MUNICIPAL", "RELATIVE", "UNEMPLOYMENT", "371002", None, None])
    members = book.create_sheet("members")
    members.append(list(MEMBER_COLUMNS))
    members.append(["WH0001", "张建国", "HEAD", resident_id("19770101"), "HEALTHY", "UNEMPLOYED"])
    relation = "BOSS" if bad_member else "HEAD"
    members.append(["WH0002", "李秀英", relation, resident_id("19800101", sex="F"), "HEALTHY", "EMPLOYED"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(
    client: httpx.AsyncClient, data: bytes, token: str | None = "admin", **headers: str
) -> httpx.Response:
    """A multipart request as Apollo's and urql's upload clients send it: operations, map, then the file."""
    if token == "admin":
        token = make_token()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    form = {
        "operations": json.dumps({"query": IMPORT_FILE, "variables": {"file": None}}),
        "map": json.dumps({"0": ["variables.file"]}),
    }
    return await client.post("/graphql", data=form, files={"0": ("ledger.xlsx", data, XLSX)}, headers=headers)


async def test_an_uploaded_workbook_is_imported_like_a_base64_one(
    client: httpx.AsyncClient, gql: Any, union_id: str
) -> None:
    data = workbook(union_id)
    response = await upload(client, data)

    assert response.status_code == 200, response.text
    result = response.json()["data"]["importLedgerFile"]
    assert result == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "failed": 0,
        "rowErrors": [],
        "errorReport": None,
        "errors": [],
    }
    listed = await gql(
        "{ households(first: 5) { edges { node { archiveNo contactPerson { name phone } } } } }"
    )
    assert [e["node"] for e in listed["households"]["edges"]] == [
        {"archiveNo": "WH0001", "contactPerson": {"name": "王丽", "phone": "0631-5200018"}},
        {"archiveNo": "WH0002", "contactPerson": None},
    ]
    # the same file again changes nothing
    again = (await upload(client, data)).json()["data"]["importLedgerFile"]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)


async def test_bad_rows_come_back_with_their_place_and_an_error_report(
    client: httpx.AsyncClient, pool: Any, union_id: str
) -> None:
    result = (await upload(client, workbook(union_id, bad_member=True))).json()["data"]["importLedgerFile"]

    assert (result["created"], result["failed"]) == (1, 1)
    assert result["rowErrors"] == [
        {"sheet": "members", "row": 3, "column": "relation", "code": "INVALID_VALUE"}
    ]
    report = load_workbook(io.BytesIO(base64.b64decode(result["errorReport"])))["errors"]
    assert [c.value for c in report[2]][:4] == ["members", 3, "relation", "INVALID_VALUE"]
    assert (await row_counts(pool, "household"))["household"] == 1


async def test_an_unusable_file_is_a_user_error_on_the_file_argument(
    client: httpx.AsyncClient, pool: Any, union_id: str
) -> None:
    result = (await upload(client, b"plain text")).json()["data"]["importLedgerFile"]

    assert (
        result["errors"] == [{"code": "INVALID_WORKBOOK", "field": ["content"]}]
        or result["errors"][0]["code"] == "INVALID_WORKBOOK"
    )
    assert await row_counts(pool, *TABLES) == UNIONS_ONLY


async def test_a_multipart_request_without_authorization_is_refused_before_it_is_read(
    client: httpx.AsyncClient, pool: Any, union_id: str
) -> None:
    # A cross-site form can post multipart/form-data with the browser's cookies, never with this header
    response = await upload(client, workbook(union_id), token=None, Origin="https://evil.example")

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await row_counts(pool, *TABLES) == UNIONS_ONLY


@pytest.mark.parametrize(
    ("role", "scope"), [(Role.AUDITOR, {}), (Role.CIVIL_AFFAIRS, {"region_code": "371002"})]
)
async def test_only_staff_import(
    client: httpx.AsyncClient, pool: Any, union_id: str, role: Role, scope: dict[str, Any]
) -> None:
    response = await upload(client, workbook(union_id), token=make_token(role, **scope))

    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await row_counts(pool, *TABLES) == UNIONS_ONLY


async def test_an_upload_variable_sent_as_json_is_a_user_error(gql: Any, pool: Any, union_id: str) -> None:
    result = (await gql(IMPORT_FILE, {"file": "UEsDBBQ="}))["importLedgerFile"]

    assert result["errors"] == [{"code": "INVALID_UPLOAD", "field": ["file"]}]
    assert await row_counts(pool, *TABLES) == UNIONS_ONLY


@pytest.fixture
async def small_limits(settings: Settings, migrated: str) -> AsyncIterator[httpx.AsyncClient]:
    """The application with a 2 KiB body limit and a 64 KiB upload limit."""
    from lianxin_api.app import create_app

    app = create_app(settings.model_copy(update={"max_body_bytes": 2048, "max_upload_bytes": 65536}))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_uploads_have_their_own_size_limit(
    small_limits: httpx.AsyncClient, pool: Any, union_id: str
) -> None:
    data = workbook(union_id)
    assert 2048 < len(data) < 65536

    accepted = await upload(small_limits, data)
    assert accepted.json()["data"]["importLedgerFile"]["created"] == 2
    # the same workbook as base64 JSON is over the ordinary body limit
    as_json = await small_limits.post(
        "/graphql",
        json={
            "query": "mutation($c: String!) { importLedger(input: {content: $c}) { created } }",
            "variables": {"c": base64.b64encode(data).decode()},
        },
        headers={"Authorization": f"Bearer {make_token()}"},
    )
    assert as_json.status_code == 413
    # and an upload over its own limit is refused before anything runs
    too_big = await upload(small_limits, data + b"\0" * 65536)
    assert too_big.status_code == 413
    assert too_big.json()["errors"][0]["extensions"] == {"code": "REQUEST_TOO_LARGE", "maxBytes": 65536}
