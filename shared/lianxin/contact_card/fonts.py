"""The Chinese font printed documents embed: a TrueType CJK font found on this machine.

ReportLab embeds a subset of a TrueType font (only the glyphs used), so a card prints the same on any
printer or viewer. It reads TrueType outlines only (`.ttf`, `.ttc`), not the CFF outlines of
Noto/Source Han `.otf`/`.ttc`, so the search prefers the fonts that have them: WenQuanYi Zen Hei and
Micro Hei, AR PL UMing/UKai (Debian: fonts-wqy-zenhei, fonts-wqy-microhei, fonts-arphic-uming; the
Docker image and `make install` install fonts-wqy-zenhei), Droid Sans Fallback, and the system fonts of
macOS and Windows; then whatever `fc-list` knows for Chinese. Found nothing usable: a warning is logged
and documents use STSong-Light, an Adobe CID font PDF viewers supply (not embedded: a viewer or printer
without a Chinese font drops the characters).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

log = logging.getLogger(__name__)

EMBEDDED_NAME: Final = "LianxinCJK"
FALLBACK_CID: Final = "STSong-Light"
SAMPLE: Final = "困难职工家庭连心牌档案编号"  # a usable font has all of these

CANDIDATES: Final = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc",  # Fedora, Arch
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/google-droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/STHeiti Light.ttc",  # macOS
    "/System/Library/Fonts/Supplemental/Songti.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/simsun.ttc",  # Windows
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)


@dataclass(frozen=True, slots=True)
class CjkFont:
    """The registered font name for ReportLab, the file it came from (None: the CID fallback) and
    its family name (for SVG's font-family)."""

    name: str
    path: str | None
    family: str

    @property
    def embedded(self) -> bool:
        return self.path is not None


def _fc_list() -> list[str]:
    """Chinese TrueType files fontconfig knows, if it is installed."""
    if shutil.which("fc-list") is None:
        return []
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh:fontformat=TrueType", "file"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split(":", 1)[0].strip() for line in out.splitlines() if line.strip()})


def _load(spec: str) -> TTFont | None:
    """The font at `spec` (`path` or `path#index`), if ReportLab can embed it and it has the sample."""
    path, _, index = spec.partition("#")
    if not Path(path).is_file():
        return None
    try:
        font = TTFont(EMBEDDED_NAME, path, subfontIndex=int(index or 0))
    except (TTFError, ValueError, OSError) as exc:
        log.debug("font %s not usable: %s", spec, exc)
        return None
    if not all(ord(ch) in font.face.charToGlyph for ch in SAMPLE):
        return None
    return font


def _family(font: TTFont) -> str:
    name = font.face.familyName
    return name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)


@cache
def cjk_font() -> CjkFont:
    """The font to set Chinese in, registered with ReportLab (found once per process)."""
    return find_cjk_font([*CANDIDATES, *_fc_list()])


def find_cjk_font(specs: list[str]) -> CjkFont:
    """The first usable of `specs` (`path` or `path#face index`), registered; else the CID fallback."""
    for spec in specs:
        font = _load(spec)
        if font is not None:
            pdfmetrics.registerFont(font)
            return CjkFont(EMBEDDED_NAME, spec, _family(font))
    log.warning(
        "no TrueType Chinese font found (install fonts-wqy-zenhei, e.g. `make install`): printed "
        "documents use %s, which is not embedded, so a printer or viewer without a Chinese font drops "
        "the characters",
        FALLBACK_CID,
    )
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID))
    return CjkFont(FALLBACK_CID, None, FALLBACK_CID)
