"""The contact card (连心牌) renderer and the card's facts: pure, no database."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from lianxin.contact_card.render import ContactCard, render_contact_card
from lianxin.contact_card.service import card_of, head_of
from lianxin.core.errors import DomainError
from lianxin.household.enums import (
    ArchiveLevel,
    Employment,
    HardshipCategory,
    HardshipReason,
    Health,
    HouseholdStatus,
    Relation,
)
from lianxin.household.models import Household, HouseholdId, Member, MemberId
from lianxin.household.resident_id import Sex

pytestmark = pytest.mark.no_db

CARD = ContactCard(
    archive_no="WH-2026-0001",
    head_name="张建国",
    union_name="威海市环翠区总工会",
    contact_name="王丽",
    contact_phone="0631-5200018",
    printed_on=date(2026, 5, 1),
    hotline="12351",
)


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def test_the_card_is_a_one_page_pdf_whose_chinese_text_can_be_read_back() -> None:
    data = render_contact_card(CARD)

    assert data.startswith(b"%PDF-")
    assert text_of(data).splitlines() == [
        "困难职工家庭连心牌",
        "档案编号 WH-2026-0001",
        "户主姓名 张建国",
        "帮扶工会 威海市环翠区总工会",
        "联系人 王丽",
        "联系电话 0631-5200018",
        "遇到困难，请随时与我们联系　职工服务热线 12351",
        "打印日期 2026-05-01",
    ]


def test_the_same_facts_give_the_same_bytes() -> None:
    assert render_contact_card(CARD) == render_contact_card(dataclasses.replace(CARD))


def test_the_document_is_titled_for_the_household() -> None:
    metadata = PdfReader(io.BytesIO(render_contact_card(CARD))).metadata

    assert metadata is not None
    assert (metadata.title, metadata.author) == ("连心牌 WH-2026-0001", "威海市环翠区总工会")


def test_no_hotline_and_no_head_leave_their_places_plain() -> None:
    text = text_of(render_contact_card(dataclasses.replace(CARD, hotline=None, head_name=None)))

    assert "热线" not in text
    assert "户主姓名 —" in text


def test_a_long_union_name_is_shrunk_to_fit_not_cut() -> None:
    name = "威海市环翠区张村镇某某社区联合工会委员会暨困难职工帮扶中心"
    text = text_of(render_contact_card(dataclasses.replace(CARD, union_name=name)))

    assert name in text


def household(**overrides: object) -> Household:
    fields: dict[str, object] = {
        "id": HouseholdId(1),
        "archive_no": "WH-2026-0001",
        "level": ArchiveLevel.MUNICIPAL,
        "category": HardshipCategory.DEEP,
        "status": HouseholdStatus.ACTIVE,
        "status_changed_on": None,
        "status_reason": None,
        "hardship_reasons": (HardshipReason.ILLNESS,),
        "region_code": "371002",
        "union_id": 1,
        "contact_name": "王丽",
        "contact_phone": "0631-5200018",
        "archived_on": date(2026, 1, 1),
        "version": 1,
        "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    fields.update(overrides)
    return Household(**fields)  # type: ignore[arg-type]


def member(position: int, name: str, relation: Relation) -> Member:
    return Member(
        id=MemberId(position + 1),
        household_id=HouseholdId(1),
        position=position,
        name=name,
        relation=relation,
        id_number="371002197701010011",
        sex=Sex.MALE,
        birth_date=date(1977, 1, 1),
        health=Health.HEALTHY,
        employment=Employment.EMPLOYED,
    )


def test_the_head_is_the_member_recorded_as_head_else_the_first() -> None:
    spouse, head = member(0, "李秀英", Relation.SPOUSE), member(1, "张建国", Relation.HEAD)

    assert head_of([spouse, head]) == head
    assert head_of([spouse]) == spouse
    assert head_of([]) is None


def test_the_card_takes_the_household_facts_and_the_hotline() -> None:
    card = card_of(
        household(),
        "威海市环翠区总工会",
        [member(0, "张建国", Relation.HEAD)],
        printed_on=date(2026, 5, 1),
        hotline=" 12351 ",
    )

    assert card == CARD


@pytest.mark.parametrize(
    ("name", "phone", "fields"),
    [
        (None, None, [("contactName",), ("contactPhone",)]),
        ("王丽", None, [("contactPhone",)]),
        (None, "0631-5200018", [("contactName",)]),
    ],
)
def test_no_card_without_a_contact_person_and_phone(
    name: str | None, phone: str | None, fields: list[tuple[str, ...]]
) -> None:
    with pytest.raises(DomainError) as refused:
        card_of(
            household(contact_name=name, contact_phone=phone),
            "工会",
            [],
            printed_on=date(2026, 5, 1),
            hotline=None,
        )

    assert [(i.code, i.field) for i in refused.value.issues] == [
        ("CONTACT_PERSON_REQUIRED", f) for f in fields
    ]


def test_the_card_embeds_a_subset_of_a_real_chinese_font() -> None:
    """Issue 15: without an embedded font a printer or viewer with no Chinese font dropped every
    Chinese character. The card now carries the glyphs it uses (a TrueType subset, /FontFile2)."""
    from lianxin.contact_card.fonts import cjk_font

    font = cjk_font()
    assert font.embedded, "no TrueType Chinese font on this machine: `make fonts` installs one"
    data = render_contact_card(CARD)
    reader = PdfReader(io.BytesIO(data))
    fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    chinese = [f for f in fonts if f["/Subtype"] == "/TrueType"]
    assert len(chinese) == 1
    descriptor = chinese[0]["/FontDescriptor"].get_object()
    assert "/FontFile2" in descriptor
    assert str(chinese[0]["/BaseFont"]).split("+", 1)[0].isupper()  # a subset: "AAAAAA+Name"
    program = descriptor["/FontFile2"].get_object().get_data()
    assert 1_000 < len(program) < 200_000  # the glyphs used, not the whole (16 MB) font
    assert "困难职工家庭连心牌" in text_of(data)
    assert len(data) < 100_000


def test_with_no_chinese_font_it_warns_and_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    from lianxin.contact_card.fonts import FALLBACK_CID, find_cjk_font

    with caplog.at_level("WARNING", logger="lianxin.contact_card.fonts"):
        font = find_cjk_font(["/nonexistent/font.ttc", "/etc/hostname"])
    assert (font.name, font.embedded) == (FALLBACK_CID, False)
    assert "no TrueType Chinese font found" in caplog.text
    assert "fonts-wqy-zenhei" in caplog.text
