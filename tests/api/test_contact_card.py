"""Contact cards (连心牌) over real HTTP: the PDF's text, who may download it, `contactCardUrl`,
`contactPerson`, the `withoutContactPerson` filter, and an update that would remove a contact person."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from lianxin.core.config import Settings
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.organization.models import OrganizationKind
from lianxin.trade_union.models import UnionKind

from conftest import make_token
from factories import make_organization, make_union, member_input

CREATE = """mutation($input: CreateHouseholdInput!) {
  createHousehold(input: $input) { household { id } errors { code field } } }"""
UPDATE = """mutation($input: UpdateHouseholdInput!) {
  updateHousehold(input: $input) { household { version contactName contactPhone } errors { code field } } }"""
LIANXIN = str(Path(sys.executable).with_name("lianxin"))
CARD_FIELDS = """query($id: ID!) { node(id: $id) { ... on Household {
  contactCardUrl contactName contactPhone contactPerson { name phone } } } }"""


@pytest.fixture
async def scene(gql: Any, pool: Any) -> dict[str, Any]:
    """A federation with two districts; one household with a contact person in 环翠区, one without."""
    root = await make_union(pool, name="威海市总工会")
    huancui = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    wendeng = await make_union(
        pool, name="文登区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371003", parent_id=root.id
    )
    union_gid = to_global_id("TradeUnion", huancui.id)
    with_contact = await _create(
        gql, union_gid, "WH-0001", contactName="王丽", contactPhone="0631-5200018", head="张建国"
    )
    without = await _create(gql, union_gid, "WH-0002", head="李秀英")
    return {"root": root, "huancui": huancui, "wendeng": wendeng, "with": with_contact, "without": without}


async def _create(gql: Any, union_id: str, archive_no: str, head: str, **contact: str) -> str:
    given = {
        "unionId": union_id,
        "archiveNo": archive_no,
        "level": "MUNICIPAL",
        "category": "DEEP",
        "hardshipReasons": ["ILLNESS"],
        "regionCode": "371002",
        "members": [member_input("SPOUSE", "19790101"), member_input("HEAD", "19770101", name=head)],
        **contact,
    }
    data = (await gql(CREATE, {"input": given}))["createHousehold"]
    assert data["errors"] == []
    household_id: str = data["household"]["id"]
    return household_id


def card_path(household_id: str) -> str:
    return f"/households/{household_id}/contact-card.pdf"


async def download(client: httpx.AsyncClient, household_id: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.get(card_path(household_id), headers=headers)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


async def test_staff_download_a_card_whose_text_names_the_household_and_its_contact(
    client: httpx.AsyncClient, scene: dict[str, Any]
) -> None:
    response = await download(client, scene["with"], make_token())

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="contact-card-WH-0001.pdf"'
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    for expected in (
        "困难职工家庭连心牌",
        "WH-0001",
        "张建国",
        "环翠区总工会",
        "王丽",
        "0631-5200018",
        "12351",
    ):
        assert expected in text, expected
    assert "李秀英" not in text  # the spouse is not the head


async def test_union_staff_print_cards_in_their_subtree_and_see_nothing_outside_it(
    client: httpx.AsyncClient, scene: dict[str, Any]
) -> None:
    # Given staff of the federation (an ancestor), of 环翠区 (the union) and of 文登区 (a sibling)
    ancestor = make_token(Role.UNION_STAFF, union_id=scene["root"].id)
    own = make_token(Role.UNION_STAFF, union_id=scene["huancui"].id)
    sibling = make_token(Role.UNION_STAFF, union_id=scene["wendeng"].id)

    assert (await download(client, scene["with"], ancestor)).status_code == 200
    assert (await download(client, scene["with"], own)).status_code == 200
    # Then outside the scope reads exactly like a household that does not exist
    outside = await download(client, scene["with"], sibling)
    missing = await download(client, to_global_id("Household", 999_999), sibling)
    assert (outside.status_code, missing.status_code) == (404, 404)
    assert outside.json() == missing.json()
    assert outside.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "household_id",
    [to_global_id("Household", 999_999), to_global_id("TradeUnion", 1), "not-an-id", "SG91c2Vob2xkOjA"],
)
async def test_unknown_and_malformed_ids_are_404(
    client: httpx.AsyncClient, scene: dict[str, Any], household_id: str
) -> None:
    response = await download(client, household_id, make_token())

    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("token", [None, "not-a-token", make_token(ttl=timedelta(seconds=-60))])
async def test_without_a_valid_token_the_answer_is_401(
    client: httpx.AsyncClient, scene: dict[str, Any], token: str | None
) -> None:
    response = await download(client, scene["with"], token)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.CIVIL_AFFAIRS, {"region_code": "371002"}),
        (Role.SPONSOR, {"sponsor_id": 1}),
        (Role.AUDITOR, {}),
    ],
)
async def test_roles_that_do_not_print_cards_get_403(
    client: httpx.AsyncClient, scene: dict[str, Any], role: Role, scope: dict[str, Any]
) -> None:
    response = await download(client, scene["with"], make_token(role, **scope))

    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_household_without_a_contact_person_has_no_card_yet(
    client: httpx.AsyncClient, gql: Any, scene: dict[str, Any]
) -> None:
    response = await download(client, scene["without"], make_token())

    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "CONTACT_PERSON_REQUIRED"
    assert error["extensions"]["fields"] == [["contactName"], ["contactPhone"]]
    seen = (await gql(CARD_FIELDS, {"id": scene["without"]}))["node"]
    assert seen == {"contactCardUrl": None, "contactName": None, "contactPhone": None, "contactPerson": None}


async def test_the_card_url_is_given_to_printers_only_and_downloads_the_card(
    client: httpx.AsyncClient, gql: Any, pool: Any, scene: dict[str, Any]
) -> None:
    staff = make_token(Role.UNION_STAFF, union_id=scene["huancui"].id)
    seen = (await gql(CARD_FIELDS, {"id": scene["with"]}, token=staff))["node"]
    assert seen == {
        "contactCardUrl": card_path(scene["with"]),
        "contactName": "王丽",
        "contactPhone": "0631-5200018",
        "contactPerson": {"name": "王丽", "phone": "0631-5200018"},
    }
    response = await client.get(seen["contactCardUrl"], headers={"Authorization": f"Bearer {staff}"})
    assert response.status_code == 200

    civil = make_token(Role.CIVIL_AFFAIRS, region_code="371002")
    seen = (await gql(CARD_FIELDS, {"id": scene["with"]}, token=civil))["node"]
    assert (seen["contactCardUrl"], seen["contactPerson"]) == (
        None,
        {"name": "王丽", "phone": "0631-5200018"},
    )


async def test_a_sponsor_sees_the_contact_person_without_phone_and_no_card(
    gql: Any, pool: Any, scene: dict[str, Any]
) -> None:
    sponsor = await make_organization(pool, kind=OrganizationKind.SPONSOR)
    paired = """mutation($input: CreateSponsorshipInput!) { createSponsorship(input: $input) { errors { code } } }"""
    given = {
        "householdId": scene["with"],
        "sponsorId": to_global_id("Organization", sponsor.id),
        "startedOn": "2026-01-01",
    }
    assert (await gql(paired, {"input": given}))["createSponsorship"]["errors"] == []

    seen = await gql(
        CARD_FIELDS, {"id": scene["with"]}, token=make_token(Role.SPONSOR, sponsor_id=sponsor.id)
    )
    assert seen["node"] == {
        "contactCardUrl": None,
        "contactName": "王丽",
        "contactPhone": None,
        "contactPerson": {"name": "王丽", "phone": None},
    }


async def test_a_phone_alone_is_no_contact_person_to_a_caller_who_may_not_see_it(
    gql: Any, pool: Any, scene: dict[str, Any]
) -> None:
    # a household with only a phone on record: a sponsor must not learn that one is (an object of
    # nulls would tell it), staff see the phone; the same through the page and through node
    union_id = to_global_id("TradeUnion", scene["huancui"].id)
    phone_only = await _create(gql, union_id, "WH-0004", head="周平", contactPhone="0631-5200099")
    sponsor = await make_organization(pool, kind=OrganizationKind.SPONSOR)
    paired = """mutation($input: CreateSponsorshipInput!) { createSponsorship(input: $input) { errors { code } } }"""
    given = {
        "householdId": phone_only,
        "sponsorId": to_global_id("Organization", sponsor.id),
        "startedOn": "2026-01-01",
    }
    assert (await gql(paired, {"input": given}))["createSponsorship"]["errors"] == []
    as_sponsor = make_token(Role.SPONSOR, sponsor_id=sponsor.id)
    for _ in range(2):  # the whole way, then prepared
        seen = (await gql(CARD_FIELDS, {"id": phone_only}, token=as_sponsor))["node"]
        assert (seen["contactPhone"], seen["contactPerson"]) == (None, None)
        staff = (await gql(CARD_FIELDS, {"id": phone_only}))["node"]
        assert staff["contactPerson"] == {"name": None, "phone": "0631-5200099"}
    listed = (
        """{ sponsorships(first: 5) { edges { node { household { contactPerson { name phone } } } } } }"""
    )
    pairs = (await gql(listed, token=as_sponsor))["sponsorships"]["edges"]
    assert [p["node"]["household"] for p in pairs] == [{"contactPerson": None}]


async def test_staff_find_the_households_still_lacking_a_contact_person(
    gql: Any, scene: dict[str, Any]
) -> None:
    # Given a third household with a name but no phone
    union_id = to_global_id("TradeUnion", scene["huancui"].id)
    half = await _create(gql, union_id, "WH-0003", head="赵强", contactName="孙敏")
    query = """query($f: HouseholdFilter) { households(first: 10, filter: $f) {
      totalCount edges { node { id archiveNo } } } }"""

    lacking = (await gql(query, {"f": {"withoutContactPerson": True}}))["households"]
    having = (await gql(query, {"f": {"withoutContactPerson": False}}))["households"]
    everyone = (await gql(query, {"f": {}}))["households"]

    assert [e["node"]["id"] for e in lacking["edges"]] == [scene["without"], half]
    assert lacking["totalCount"] == 2
    assert [e["node"]["id"] for e in having["edges"]] == [scene["with"]]
    assert having["totalCount"] == 1
    assert everyone["totalCount"] == 3


async def test_an_update_can_replace_but_not_remove_the_contact_person(
    gql: Any, scene: dict[str, Any]
) -> None:
    removed = await gql(UPDATE, {"input": {"id": scene["with"], "contactName": " ", "contactPhone": ""}})
    assert removed["updateHousehold"]["household"] is None
    assert removed["updateHousehold"]["errors"] == [
        {"code": "CONTACT_PERSON_REQUIRED", "field": ["contactName"]},
        {"code": "CONTACT_PERSON_REQUIRED", "field": ["contactPhone"]},
    ]

    replaced = await gql(
        UPDATE, {"input": {"id": scene["with"], "contactName": "刘洋", "contactPhone": "13800001111"}}
    )
    assert replaced["updateHousehold"] == {
        "household": {"version": 2, "contactName": "刘洋", "contactPhone": "13800001111"},
        "errors": [],
    }
    # A household that never had one may still send blanks: nothing to remove
    blank = await gql(UPDATE, {"input": {"id": scene["without"], "contactName": "", "contactPhone": ""}})
    assert blank["updateHousehold"]["errors"] == []


async def lianxin(settings: Settings, *args: str, cwd: Path) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env |= {"DATABASE_URL": settings.require_database_url(), "LIANXIN_DATA_DIR": str(settings.data_dir)}
    env["LIANXIN_UNION_HOTLINE"] = "0631-12351"
    proc = await asyncio.create_subprocess_exec(
        LIANXIN, *args, env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_the_command_line_prints_a_card_by_archive_number_or_id(
    settings: Settings, scene: dict[str, Any], tmp_path: Path
) -> None:
    code, out, err = await lianxin(settings, "contact-card", "WH-0001", cwd=tmp_path)
    assert (code, err) == (0, "")
    assert out.startswith("wrote contact-card-WH-0001.pdf (")
    text = pdf_text((tmp_path / "contact-card-WH-0001.pdf").read_bytes())
    assert all(s in text for s in ("WH-0001", "张建国", "王丽", "0631-5200018", "0631-12351"))

    code, out, _ = await lianxin(settings, "contact-card", scene["with"], "-o", "card.pdf", cwd=tmp_path)
    assert (code, out.split(" (")[0]) == (0, "wrote card.pdf")
    assert "王丽" in pdf_text((tmp_path / "card.pdf").read_bytes())


async def test_the_command_line_refuses_unknown_households_and_missing_contacts(
    settings: Settings, scene: dict[str, Any], tmp_path: Path
) -> None:
    code, _, err = await lianxin(settings, "contact-card", "WH-9999", cwd=tmp_path)
    assert (code, err.strip()) == (1, "WH-9999: no household 'WH-9999'")

    code, _, err = await lianxin(settings, "contact-card", "WH-0002", cwd=tmp_path)
    assert code == 1
    assert "has no contact person" in err
    assert not (tmp_path / "contact-card-WH-0002.pdf").exists()
