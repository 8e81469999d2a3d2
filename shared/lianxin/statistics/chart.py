"""The yearly trend as a small SVG bar chart: households on file at each year's end.

Hand-written SVG (no plotting library): one bar per year with its count above it and the year below,
so a federation can paste the chart into a report as it is.
"""

from __future__ import annotations

from typing import Final
from xml.sax.saxutils import escape

from lianxin.statistics.models import YearFigures

BAR: Final = 36
GAP: Final = 14
HEIGHT: Final = 200  # plot area
MARGIN: Final = 30


def yearly_chart(figures: list[YearFigures], title: str) -> str:
    """An SVG document charting `on_file` per year, titled `title`."""
    top = max((f.on_file for f in figures), default=0) or 1
    width = MARGIN * 2 + len(figures) * (BAR + GAP)
    height = HEIGHT + MARGIN * 3
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="{MARGIN}" y="{MARGIN - 10}" font-size="14">{escape(title)}</text>',
    ]
    base = MARGIN + HEIGHT
    for i, f in enumerate(figures):
        x = MARGIN + i * (BAR + GAP)
        h = HEIGHT * f.on_file // top
        centre = x + BAR // 2
        parts.append(
            f'<rect class="bar" data-year="{f.year}" data-value="{f.on_file}" x="{x}" y="{base - h}" '
            f'width="{BAR}" height="{h}" fill="#c0392b"/>'
        )
        parts.append(f'<text x="{centre}" y="{base - h - 4}" text-anchor="middle">{f.on_file}</text>')
        parts.append(f'<text x="{centre}" y="{base + 16}" text-anchor="middle">{f.year}</text>')
    parts.append(f'<line x1="{MARGIN}" y1="{base}" x2="{width - MARGIN}" y2="{base}" stroke="#333"/>')
    parts.append("</svg>")
    return "\n".join(parts)
