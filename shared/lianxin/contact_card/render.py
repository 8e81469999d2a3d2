"""The contact card (连心牌) of a household as a one-page PDF: pure, facts in and bytes out.

The card hangs in the household's home: who their union contact person (联系人) is and how to reach
them. Chinese text is set in a TrueType Chinese font found on this machine (`fonts.py`), of which the
PDF embeds the subset of glyphs used, so it prints on any printer or viewer; with none found (a warning
is logged) in the Adobe CID font STSong-Light, which is not embedded. The text is extractable either
way (searchable, and checked by the tests). Output is deterministic: the same facts give the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Final

from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A6, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from lianxin.contact_card.fonts import cjk_font

LATIN_FONT: Final = "Helvetica"
TITLE: Final = "困难职工家庭连心牌"
RED: Final[Color] = HexColor("#B71C1C")
INK: Final[Color] = HexColor("#212121")
GREY: Final[Color] = HexColor("#616161")
PAGE: Final = landscape(A6)  # 148 × 105 mm: hangs on a wall, fits a card sleeve
MARGIN: Final = 7 * mm
MIN_SIZE: Final = 6.0


@dataclass(frozen=True, slots=True)
class ContactCard:
    """What a card shows. `hotline` is the unions' service line (e.g. 12351), printed when set."""

    archive_no: str
    head_name: str | None
    union_name: str
    contact_name: str
    contact_phone: str
    printed_on: date
    hotline: str | None = None


def _cjk_font() -> str:
    return cjk_font().name


def _runs(text: str) -> list[tuple[str, str]]:
    """`text` cut into (font, piece) runs: ASCII in Helvetica, whose metrics every viewer has exactly,
    the rest in the Chinese font (whose Latin letters, if any, differ from face to face)."""
    runs: list[tuple[str, str]] = []
    for char in text:
        font = LATIN_FONT if char.isascii() and not char.isspace() else _cjk_font()
        if char == " " and runs:  # a space belongs to the run before it
            font = runs[-1][0]
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + char)
        else:
            runs.append((font, char))
    return runs


def _width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(piece, font, size) for font, piece in _runs(text))


def _draw(c: Canvas, x: float, y: float, text: str, size: float) -> None:
    # one text object, so extractors read the runs as one line
    line = c.beginText(x, y)
    for font, piece in _runs(text):
        line.setFont(font, size)
        line.textOut(piece)
    c.drawText(line)


def _fitted(text: str, size: float, width: float) -> float:
    """The largest font size up to `size` at which `text` fits in `width` points."""
    needed = _width(text, size)
    return size if needed <= width else max(MIN_SIZE, size * width / needed)


def _line(c: Canvas, x: float, y: float, label: str, value: str, size: float) -> None:
    """A label in grey and its value in ink, the value shrunk to fit the card's width."""
    c.setFillColor(GREY)
    _draw(c, x, y, label, size * 0.8)
    offset = 24 * mm
    c.setFillColor(INK)
    _draw(c, x + offset, y, value, _fitted(value, size, PAGE[0] - 2 * MARGIN - offset))


def _header(c: Canvas, width: float, height: float) -> None:
    band = 17 * mm
    c.setFillColor(RED)
    c.rect(0, height - band, width, band, stroke=0, fill=1)
    c.setFillColor(white)
    _draw(c, (width - _width(TITLE, 17)) / 2, height - band + 6 * mm, TITLE, 17)


def render_contact_card(card: ContactCard) -> bytes:
    """The card as PDF bytes (one landscape A6 page)."""
    out = io.BytesIO()
    width, height = PAGE
    c = Canvas(out, pagesize=PAGE, invariant=True, pageCompression=1)
    c.setTitle(f"连心牌 {card.archive_no}")
    c.setAuthor(card.union_name)
    c.setSubject(f"{TITLE} · 档案编号 {card.archive_no}")
    c.setCreator("Lianxin")
    _header(c, width, height)

    x, y, step = MARGIN, height - 26 * mm, 9.5 * mm
    _line(c, x, y, "档案编号", card.archive_no, 12)
    _line(c, x, y - step, "户主姓名", card.head_name or "—", 12)
    _line(c, x, y - 2 * step, "帮扶工会", card.union_name, 12)
    _line(c, x, y - 3 * step, "联系人", card.contact_name, 14)
    _line(c, x, y - 4 * step, "联系电话", card.contact_phone, 14)

    c.setStrokeColor(RED)
    c.setLineWidth(0.6)
    c.line(MARGIN, 17 * mm, width - MARGIN, 17 * mm)
    c.setFillColor(INK)
    footer = "遇到困难，请随时与我们联系"
    if card.hotline:
        footer += f"　职工服务热线 {card.hotline}"
    _draw(c, MARGIN, 11 * mm, footer, 9)
    c.setFillColor(GREY)
    printed = f"打印日期 {card.printed_on.isoformat()}"
    _draw(c, width - MARGIN - _width(printed, 7), 5 * mm, printed, 7)

    c.setStrokeColor(RED)
    c.setLineWidth(1.2)
    c.rect(2 * mm, 2 * mm, width - 4 * mm, height - 4 * mm, stroke=1, fill=0)
    c.showPage()
    c.save()
    return out.getvalue()
