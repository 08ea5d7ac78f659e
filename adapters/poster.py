"""The notice-board poster as a printable A4 PDF (fpdf2, a subset of Noto Sans CJK
embedded) and a PNG (Pillow), from a `PosterSheet` already worded in the reader's language.

Chinese needs a CJK font on the machine: Debian's `fonts-noto-cjk`, which `./run` and
`.ci/run` install when it is missing and they run as root. The font is looked up at run
time (fontconfig's `fc-match`, then the known paths) and checked to really contain Chinese
glyphs, because fc-match always answers something (DejaVu has no 村 and would print boxes).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import Align, WrapMode, XPos, YPos
from PIL import Image, ImageDraw, ImageFont

from adapters.qr import qr_png

# (file, face in the collection): Simplified Chinese faces of Noto Sans CJK.
KNOWN_FONTS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", 0),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
)
PROBE = "村站服务费"  # a font that has these has the poster's words


class CjkFontMissing(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "No Chinese (CJK) font found, so the poster would print boxes. Install Debian's "
            "fonts-noto-cjk (`./run` does it when run as root; by hand: "
            "apt-get install fonts-noto-cjk) and try again."
        )


@dataclass(frozen=True)
class PosterSheet:
    """One poster's words, in the reader's language, and the link its QR code carries."""

    heading: str
    title: str
    subtitle: str
    rows: Sequence[tuple[str, str]]  # (label, value)
    link: str
    scan_hint: str
    footer: str


@dataclass(frozen=True)
class CjkFont:
    path: str
    index: int  # the face in a .ttc collection


def _covers(path: str, index: int) -> bool:
    try:
        font = TTFont(path, fontNumber=index, lazy=True)
        cmap = font.getBestCmap() or {}
    except Exception:  # not a font file fontTools can read: not ours to use
        return False
    return all(ord(ch) in cmap for ch in PROBE)


@cache
def find_cjk_font() -> CjkFont:
    """The machine's Simplified Chinese font, or CjkFontMissing with what to install."""
    candidates: list[tuple[str, int]] = []
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{index}", "Noto Sans CJK SC:lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.split("\n")
        if len(found) == 2 and found[0] and found[1].isdigit():
            candidates.append((found[0], int(found[1])))
    candidates += [(path, index) for path, index in KNOWN_FONTS if Path(path).exists()]
    for path, index in candidates:
        if _covers(path, index):
            return CjkFont(path, index)
    raise CjkFontMissing()


# --- PDF -----------------------------------------------------------------------------

MARGIN = 16  # mm
# fpdf2 leaves the cursor right of a multi_cell by default: the next one would start off
# the page. Every paragraph here ends on a fresh line at the left margin.
NEXT_LINE = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}


def _pdf_page(pdf: FPDF, sheet: PosterSheet) -> None:
    pdf.add_page()
    width = pdf.w - 2 * MARGIN
    pdf.set_text_color(170, 20, 20)
    pdf.set_font("cjk", size=20)
    pdf.multi_cell(width, 10, sheet.heading, align=Align.C, wrapmode=WrapMode.CHAR, **NEXT_LINE)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    pdf.set_font("cjk", size=30)
    pdf.multi_cell(width, 14, sheet.title, align=Align.C, wrapmode=WrapMode.CHAR, **NEXT_LINE)
    pdf.set_font("cjk", size=13)
    pdf.multi_cell(width, 8, sheet.subtitle, align=Align.C, wrapmode=WrapMode.CHAR, **NEXT_LINE)
    pdf.ln(3)
    pdf.set_draw_color(170, 20, 20)
    pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
    pdf.ln(4)
    for label, value in sheet.rows:
        pdf.set_font("cjk", size=13)
        pdf.set_text_color(110, 110, 110)
        pdf.cell(width, 7, label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("cjk", size=15)
        pdf.multi_cell(width, 8, value or "—", wrapmode=WrapMode.CHAR, align=Align.L, **NEXT_LINE)
        pdf.ln(2)
    size = min(85, pdf.h - pdf.get_y() - 36)
    qr = io.BytesIO(qr_png(sheet.link, box_size=12))
    pdf.image(qr, x=(pdf.w - size) / 2, y=pdf.get_y() + 2, w=size, h=size)
    pdf.set_y(pdf.get_y() + size + 4)
    pdf.set_font("cjk", size=14)
    pdf.multi_cell(width, 8, sheet.scan_hint, align=Align.C, wrapmode=WrapMode.CHAR, **NEXT_LINE)
    pdf.set_font("cjk", size=9)
    pdf.set_text_color(120, 120, 120)
    pdf.set_y(pdf.h - MARGIN - 6)
    pdf.multi_cell(width, 5, sheet.footer, align=Align.C, wrapmode=WrapMode.CHAR, **NEXT_LINE)


def poster_pdf(sheets: Sequence[PosterSheet]) -> bytes:
    """One A4 page per sheet, in one PDF; only the glyphs used are embedded."""
    font = find_cjk_font()
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)  # one station, one page, whatever the profile says
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font("cjk", "", font.path, collection_font_number=font.index)
    for sheet in sheets:
        _pdf_page(pdf, sheet)
    return bytes(pdf.output())


# --- PNG (for the chat, and for printing without a PDF reader) -------------------------

DPI = 150
PX_PER_MM = DPI / 25.4


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if ch == "\n" or draw.textlength(line + ch, font=font) > width:
            lines.append(line)
            line = "" if ch == "\n" else ch
        else:
            line += ch
    return [*lines, line] if line else lines


@cache
def _pil_font(path: str, index: int, pixels: int) -> ImageFont.FreeTypeFont:
    # Opening the 19 MB collection costs ~20 ms a size: once per size per process.
    return ImageFont.truetype(path, pixels, index=index)


def poster_png(sheet: PosterSheet) -> bytes:
    found = find_cjk_font()

    def font(pt: float):
        return _pil_font(found.path, found.index, round(pt * DPI / 72))

    w, h = round(210 * PX_PER_MM), round(297 * PX_PER_MM)
    margin = round(MARGIN * PX_PER_MM)
    image = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(image)
    y = margin

    def write(text: str, pt: float, fill=(0, 0, 0), center=True, gap=0.35) -> None:
        nonlocal y
        f = font(pt)
        for line in _wrap(draw, text or "—", f, w - 2 * margin):
            x = (w - draw.textlength(line, font=f)) / 2 if center else margin
            draw.text((x, y), line, font=f, fill=fill)
            y += round(pt * DPI / 72 * (1 + gap))

    write(sheet.heading, 20, (170, 20, 20))
    write(sheet.title, 30)
    write(sheet.subtitle, 13)
    y += 10
    draw.line((margin, y, w - margin, y), fill=(170, 20, 20), width=3)
    y += 20
    for label, value in sheet.rows:
        write(label, 13, (110, 110, 110), center=False)
        write(value, 15, center=False)
        y += 8
    side = min(round(85 * PX_PER_MM), h - y - round(36 * PX_PER_MM))
    qr = Image.open(io.BytesIO(qr_png(sheet.link, box_size=12))).convert("RGB")
    image.paste(qr.resize((side, side), Image.NEAREST), ((w - side) // 2, y + 10))
    y += side + 24
    write(sheet.scan_hint, 14)
    y = h - margin - round(6 * PX_PER_MM)
    write(sheet.footer, 9, (120, 120, 120))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
