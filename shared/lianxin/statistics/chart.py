"""The yearly trend as an SVG bar chart a union office prints: households on file at each year's end.

Hand-written SVG (no plotting library), in Chinese: a title naming the level and years
(`2018—2020年 全国级困难职工家庭年末在档户数`), a y axis of household counts (户) with gridlines at
round steps, the years along the x axis (年份), each bar's count above it, and the source line below.
Text is set in the Chinese font the contact cards embed (`lianxin.contact_card.fonts`), then the
usual Chinese system faces, so it prints the same from a browser.
"""

from __future__ import annotations

from typing import Final
from xml.sax.saxutils import escape, quoteattr

from lianxin.contact_card.fonts import cjk_font
from lianxin.statistics.models import YearFigures

BAR: Final = 36
GAP: Final = 14
HEIGHT: Final = 200  # plot area
LEFT: Final = 56  # the y axis' labels
RIGHT: Final = 20
TOP: Final = 48  # the title
BOTTOM: Final = 56  # years, the x axis' name, the source line
MIN_WIDTH: Final = 480  # the title and the source line fit
RED: Final = "#B71C1C"
LEVELS: Final = {"NATIONAL": "全国级", "PROVINCIAL": "省级", "MUNICIPAL": "市级"}
FALLBACK_FACES: Final = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "SimSun")


def chart_title(level: str | None, from_year: int, to_year: int) -> str:
    """`2018—2020年 全国级困难职工家庭年末在档户数` (all levels: no level named)."""
    years = f"{from_year}年" if from_year == to_year else f"{from_year}—{to_year}年"
    return f"{years} {LEVELS.get(level or '', '')}困难职工家庭年末在档户数"


def _step(top: int) -> int:
    """A round tick step giving at most 5 steps up to `top` (1, 2, 5, 10, 20, 50, …)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if top <= step * factor * 5:
                return step * factor
        step *= 10


def _font_family() -> str:
    faces = [cjk_font().family, *FALLBACK_FACES]
    return ", ".join(f"'{f}'" for f in dict.fromkeys(faces)) + ", sans-serif"


def yearly_chart(figures: list[YearFigures], title: str) -> str:
    """An SVG document charting `on_file` per year, titled `title`."""
    peak = max((f.on_file for f in figures), default=0)
    step = _step(max(peak, 1))
    top = step * -(-max(peak, 1) // step)  # the axis ends at the first tick at or above the peak
    width = max(MIN_WIDTH, LEFT + len(figures) * (BAR + GAP) + GAP + RIGHT)
    height = TOP + HEIGHT + BOTTOM
    base = TOP + HEIGHT
    bars = len(figures) * (BAR + GAP) - GAP
    first = LEFT + (width - LEFT - RIGHT - bars) // 2  # the bars centred in the plot area
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family={quoteattr(_font_family())} font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text class="title" x="{width // 2}" y="{TOP - 24}" text-anchor="middle" font-size="15" '
        f'font-weight="bold">{escape(title)}</text>',
        # the y axis: ticks, gridlines and its name
        f'<text x="6" y="{TOP - 8}" fill="#555">户数（户）</text>',
    ]
    for value in range(0, top + 1, step):
        y = base - HEIGHT * value // top
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4}" text-anchor="end">{value}</text>')
        if value:
            parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{width - RIGHT}" y2="{y}" stroke="#ddd"/>')
    parts.append(f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" stroke="#333"/>')
    for i, f in enumerate(figures):
        x = first + i * (BAR + GAP)
        h = HEIGHT * f.on_file // top
        centre = x + BAR // 2
        parts.append(
            f'<rect class="bar" data-year="{f.year}" data-value="{f.on_file}" x="{x}" y="{base - h}" '
            f'width="{BAR}" height="{h}" fill="{RED}"/>'
        )
        parts.append(f'<text x="{centre}" y="{base - h - 4}" text-anchor="middle">{f.on_file}</text>')
        parts.append(f'<text x="{centre}" y="{base + 16}" text-anchor="middle">{f.year}</text>')
    parts += [
        f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{width - RIGHT}" y2="{base}" stroke="#333"/>',
        f'<text x="{width - RIGHT}" y="{base + 34}" text-anchor="end" fill="#555">年份（年末）</text>',
        f'<text x="{LEFT}" y="{height - 6}" font-size="10" fill="#777">'
        "数据来源：连心困难职工帮扶系统；年末在档：当年12月31日前建档且未脱困、未销档</text>",
        "</svg>",
    ]
    return "\n".join(parts)
